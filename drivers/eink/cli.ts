// `counter-edge nameplate preview|test`: see a nameplate as PNG without the service, or drive the
// configured panel once (hardware smoke test on a Pi; the emulator elsewhere). What the sample
// plate says comes from the counter (its nameplate-cli.ts): this file knows panels, not words.
import { writeFile } from 'node:fs/promises';
import type { CliCommand, CliContext } from '../../config/cli-context.ts';
import { systemClock, type Clock } from '../../core/clock.ts';
import { systemScheduler, type Scheduler } from '../../core/scheduler.ts';
import { resolveEinkBackend } from './config.ts';
import { PanelEinkDriver } from './driver.ts';
import { loadNameplateFonts } from './font.ts';
import { frameToPng } from './frame.ts';
import { SIZES, type PanelSize } from './layout.ts';
import { panelSize } from './panels.ts';
import type { PlateContent } from './plate-content.ts';
import { renderNameplate } from './render.ts';

export interface NameplateCliSource {
  /** The states a sample can be drawn in (--state). */
  states: readonly string[];
  defaultState: string;
  /** The sample plate for a state, at wall time nowMs. */
  sample(ctx: CliContext, state: string, nowMs: number): PlateContent;
  /** Test seam; default: the system clock and timers. */
  time?: () => { clock: Clock; scheduler: Scheduler };
}

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

export function nameplateCli(source: NameplateCliSource): CliCommand {
  const usage = [
    'usage: counter-edge nameplate preview --state STATE --out FILE.png [--size 800x480|400x300]',
    '       counter-edge nameplate test [--state STATE]   (draws on the configured panel, then sleeps it)',
    `       STATE: ${source.states.join(' | ')}`,
  ];
  const stateOf = (flags: Map<string, string>): string => {
    const s = flags.get('state') ?? source.defaultState;
    if (!source.states.includes(s)) throw new Error(`--state ${s}: use one of ${source.states.join(', ')}`);
    return s;
  };

  async function preview(flags: Map<string, string>, ctx: CliContext, clock: Clock): Promise<number> {
    const out = flags.get('out');
    if (!out) throw new Error('--out FILE.png is required');
    const size = (flags.get('size') ?? panelSize(resolveEinkBackend(ctx.config.eink).panel)) as PanelSize;
    if (!(size in SIZES)) throw new Error(`--size ${size}: use 800x480 or 400x300`);
    const state = stateOf(flags);
    const fonts = loadNameplateFonts({ fontPath: ctx.config.eink.font_path, boldPath: ctx.config.eink.font_bold_path });
    const frame = await renderNameplate(source.sample(ctx, state, clock.now()), size, { fonts, dither: ctx.config.eink.dither });
    await writeFile(out, await frameToPng(frame));
    ctx.out(`wrote ${out} (${size}, state ${state})`);
    return 0;
  }

  async function test(flags: Map<string, string>, ctx: CliContext, clock: Clock, scheduler: Scheduler): Promise<number> {
    const state = stateOf(flags);
    const driver = new PanelEinkDriver({ config: ctx.config.eink, logger: ctx.logger, clock, scheduler, utcOffsetMinutes: ctx.config.window.utc_offset_minutes });
    await driver.start();
    try {
      const st = driver.status();
      if (st.state !== 'ok') { ctx.err(`nameplate: ${st.backend} is in ${st.state}: ${st.reason ?? ''}`); return 1; }
      const started = clock.monoMs();
      const r = await driver.show(source.sample(ctx, state, clock.now()));
      const after = driver.status();
      if (r.refreshed === 'none') { ctx.err(`nameplate: not drawn (${r.deferred ?? 'unchanged'}): ${after.reason ?? ''}`); return 1; }
      ctx.out(`nameplate: ${r.refreshed} refresh on ${after.backend} in ${Math.round(clock.monoMs() - started)} ms`);
      return 0;
    } finally {
      await driver.stop();
    }
  }

  return async (args, ctx) => {
    const [sub, ...rest] = args;
    const { clock, scheduler } = source.time?.() ?? { clock: systemClock(), scheduler: systemScheduler() };
    try {
      if (sub === 'preview') return await preview(parseFlags(rest), ctx, clock);
      if (sub === 'test') return await test(parseFlags(rest), ctx, clock, scheduler);
      usage.forEach((l) => ctx.err(l));
      return 2;
    } catch (err) {
      ctx.err(`nameplate ${sub}: ${(err as Error).message}`);
      return 2;
    }
  };
}
