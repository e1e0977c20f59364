// `counter-edge hw buttons [--raw] [--leds]`: starts the configured buttons backend and prints every
// event, one line each, until interrupted, so a technician can check the wiring key by key.
import type { CliCommand } from '../../config/cli-context.ts';
import { systemClock, type Clock } from '../../core/clock.ts';
import { systemScheduler, type Scheduler } from '../../core/scheduler.ts';
import { untilInterrupted } from '../cli-hold.ts';
import type { DriverStatus } from '../driver.ts';
import { validateButtonsConfig } from './config.ts';
import { createButtonsDriver, type ButtonsFactoryDeps } from './index.ts';
import type { ButtonEvent, RawButtonInput } from './types.ts';

const USAGE = 'usage: counter-edge hw buttons [--raw] [--leds]\n  --raw   also print undebounced levels (shows contact chatter)\n  --leds  light each key\'s LED in turn at start, then beep';

/** Test seam: the factory deps beyond the CLI context (clock, scheduler, io fakes). */
export function makeRunHwButtons(extra: Partial<ButtonsFactoryDeps> & { clock?: Clock; scheduler?: Scheduler } = {}): CliCommand {
  return async (args, ctx) => {
    const unknown = args.filter((a) => a !== '--raw' && a !== '--leds');
    if (unknown.length) { ctx.err(`unknown option ${unknown.join(' ')}\n${USAGE}`); return 2; }
    const cfg = ctx.config.buttons;
    const issues = validateButtonsConfig(cfg);
    if (issues.length) {
      for (const i of issues) ctx.err(`${ctx.configPath}: ${i.path}: ${i.message}`);
      return 2;
    }
    const clock = extra.clock ?? systemClock();
    const scheduler = extra.scheduler ?? systemScheduler();
    const driver = createButtonsDriver(cfg, { ...extra, logger: ctx.logger, clock, scheduler });
    const t0 = clock.monoMs();
    const stamp = (mono: number) => `+${((mono - t0) / 1000).toFixed(3)}s`;
    ctx.out(`buttons: backend ${cfg.backend}, keys ${cfg.keys.join(', ')}, debounce ${cfg.debounce_ms} ms, hold ${cfg.hold_ms} ms, stuck ${cfg.stuck_ms} ms${cfg.enabled ? '' : ' (disabled in config; checking anyway)'}`);
    ctx.out('press each key; Ctrl-C to stop');
    driver.on('status', (s: DriverStatus) => {
      const detail = s.detail ? ` ${JSON.stringify(s.detail)}` : '';
      ctx.out(`${stamp(clock.monoMs())} status ${s.state}${s.reason ? `: ${s.reason}` : ''}${detail}`);
      if (s.state === 'fault' && /EBUSY|grab/.test(s.reason ?? '')) ctx.out('  hint: is the counter-edge service running? It owns the device: systemctl stop counter-edge');
    });
    driver.on('button', (e: ButtonEvent) => {
      ctx.out(`${stamp(e.mono_ms)} ${e.kind.padEnd(7)} ${e.key}${e.held_ms !== undefined ? ` held ${e.held_ms} ms` : ''}`);
      if (e.kind === 'press') driver.setLed(e.key, 'on');
      if (e.kind === 'release') driver.setLed(e.key, 'off');
    });
    if (args.includes('--raw')) driver.on('raw', (r: RawButtonInput) => ctx.out(`${stamp(r.mono_ms)} raw     ${r.key} ${r.down ? 'down' : 'up'}`));
    await driver.start();
    if (args.includes('--leds')) {
      for (const key of cfg.keys) {
        ctx.out(`LED ${key}`);
        driver.setLed(key, { flash_ms: 700 });
        await Promise.race([ctx.interrupted, scheduler.sleep(800)]);
      }
      driver.beep(150);
    }
    await untilInterrupted(ctx.interrupted, scheduler);
    await driver.stop();
    ctx.out('stopped');
    return 0;
  };
}

export const runHwButtons: CliCommand = makeRunHwButtons();
