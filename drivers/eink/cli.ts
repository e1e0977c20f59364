// `counter-edge nameplate preview|test`: see a nameplate as PNG without the service, or drive the
// configured panel once (hardware smoke test on a Pi; the emulator elsewhere).
import { writeFile } from 'node:fs/promises';
import type { CliCommand, CliContext } from '../../config/cli-context.ts';
import { systemClock } from '../../core/clock.ts';
import { NAMEPLATE_STATES, type NameplateState } from '../../device/nameplate-view.ts';
import { resolveEinkBackend } from './config.ts';
import { EinkDriver } from './driver.ts';
import { loadNameplateFonts } from './font.ts';
import { frameToPng } from './frame.ts';
import { SIZES, type PanelSize } from './layout.ts';
import { panelSize } from './panels.ts';
import { renderNameplate } from './render.ts';
import { sampleNameplateView } from './sample.ts';

const USAGE = [
  'usage: counter-edge nameplate preview --state STATE --out FILE.png [--size 800x480|400x300]',
  '       counter-edge nameplate test [--state STATE]   (draws on the configured panel, then sleeps it)',
  `       STATE: ${NAMEPLATE_STATES.join(' | ')}`,
];

function parseFlags(args: string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument "${a}"`);
    const [k, inline] = a.slice(2).split('=', 2) as [string, string | undefined];
    const v = inline ?? args[++i];
    if (v === undefined) throw new Error(`--${k} needs a value`);
    flags.set(k, v);
  }
  return flags;
}

function stateOf(flags: Map<string, string>): NameplateState {
  const s = flags.get('state') ?? 'in_service';
  if (!NAMEPLATE_STATES.includes(s as NameplateState)) throw new Error(`--state ${s}: use one of ${NAMEPLATE_STATES.join(', ')}`);
  return s as NameplateState;
}

function sample(ctx: CliContext, state: NameplateState) {
  return sampleNameplateView({ window: ctx.config.window, board: ctx.config.eink.nameplate, state, nowMs: Date.now() });
}

async function preview(flags: Map<string, string>, ctx: CliContext): Promise<number> {
  const out = flags.get('out');
  if (!out) throw new Error('--out FILE.png is required');
  const size = (flags.get('size') ?? panelSize(resolveEinkBackend(ctx.config.eink).panel)) as PanelSize;
  if (!(size in SIZES)) throw new Error(`--size ${size}: use 800x480 or 400x300`);
  const fonts = loadNameplateFonts({ fontPath: ctx.config.eink.font_path, boldPath: ctx.config.eink.font_bold_path });
  const frame = await renderNameplate(sample(ctx, stateOf(flags)), size, { fonts, dither: ctx.config.eink.dither });
  await writeFile(out, await frameToPng(frame));
  ctx.out(`wrote ${out} (${size}, state ${stateOf(flags)})`);
  return 0;
}

async function test(flags: Map<string, string>, ctx: CliContext): Promise<number> {
  const driver = new EinkDriver({ config: ctx.config.eink, logger: ctx.logger, clock: systemClock(), utcOffsetMinutes: ctx.config.window.utc_offset_minutes });
  await driver.start();
  try {
    const st = driver.status();
    if (st.state !== 'ok') { ctx.err(`nameplate: ${st.backend} is in ${st.state}: ${st.reason ?? ''}`); return 1; }
    const started = Date.now();
    const r = await driver.show(sample(ctx, stateOf(flags)));
    const after = driver.status();
    if (r.refreshed === 'none') { ctx.err(`nameplate: not drawn (${r.deferred ?? 'unchanged'}): ${after.reason ?? ''}`); return 1; }
    ctx.out(`nameplate: ${r.refreshed} refresh on ${after.backend} in ${Date.now() - started} ms`);
    return 0;
  } finally {
    await driver.stop();
  }
}

export const runNameplateCli: CliCommand = async (args, ctx) => {
  const [sub, ...rest] = args;
  try {
    if (sub === 'preview') return await preview(parseFlags(rest), ctx);
    if (sub === 'test') return await test(parseFlags(rest), ctx);
    USAGE.forEach((l) => ctx.err(l));
    return 2;
  } catch (err) {
    ctx.err(`nameplate ${sub}: ${(err as Error).message}`);
    return 2;
  }
};
