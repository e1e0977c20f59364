// `counter-edge fingerprint enrol|delete|list` and `counter-edge hw fingerprint`.
// The serial port has one owner: when the service answers on its local API the CLI goes through
// it; only when nothing answers does the CLI open the reader itself.
import { systemClock } from '../../core/clock.ts';
import { systemScheduler } from '../../core/scheduler.ts';
import { untilInterrupted } from '../cli-hold.ts';
import type { CliCommand, CliContext } from '../../config/cli-context.ts';
import type { DriverStatus } from '../driver.ts';
import { enrolHandler, deleteHandler, listHandler } from './commands.ts';
import { createFingerprintDriver } from './index.ts';
import type { EnrolledFinger, FingerprintDriver } from './types.ts';

const USAGE = 'usage: counter-edge fingerprint enrol --staff ID [--slot N] | delete --staff ID | list';

type Op = { kind: 'enrol'; staff_id: string; slot?: number } | { kind: 'delete'; staff_id: string } | { kind: 'list' };

export function parseFingerprintArgs(args: string[]): Op {
  const [sub, ...rest] = args;
  const flags = new Map<string, string>();
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    const [name, inline] = a.startsWith('--') ? a.slice(2).split(/=(.*)/s, 2) : [undefined, undefined];
    if (!name || !['staff', 'slot'].includes(name)) throw new Error(`unknown argument "${a}"`);
    const value = inline ?? rest[++i];
    if (value === undefined || value === '') throw new Error(`--${name} needs a value`);
    flags.set(name, value);
  }
  const staff = flags.get('staff');
  const need = () => { if (!staff) throw new Error(`${sub} needs --staff ID`); return staff; };
  if (sub === 'list') return { kind: 'list' };
  if (sub === 'delete') return { kind: 'delete', staff_id: need() };
  if (sub === 'enrol' || sub === 'enroll') {
    const slotText = flags.get('slot');
    if (slotText !== undefined && !/^\d+$/.test(slotText)) throw new Error(`--slot must be a whole number, got "${slotText}"`);
    return { kind: 'enrol', staff_id: need(), ...(slotText !== undefined ? { slot: Number(slotText) } : {}) };
  }
  throw new Error(sub ? `unknown fingerprint command "${sub}"` : 'missing fingerprint command');
}

/** Calls the running service; undefined when nothing listens there. */
async function viaApi(ctx: CliContext, op: Op): Promise<{ ok: boolean; body: unknown } | undefined> {
  const url = `${ctx.apiBase}/api/fingerprint/${op.kind === 'list' ? 'list' : op.kind}`;
  const { kind, ...body } = op;
  let res: Response;
  try {
    res = await fetch(url, op.kind === 'list' ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code;
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EADDRNOTAVAIL') return undefined;
    throw new Error(`the service at ${ctx.apiBase} did not answer ${kind}: ${(err as Error).message}`);
  }
  const text = await res.text();
  let parsed: unknown = text;
  try { parsed = JSON.parse(text); } catch { /* plain-text error */ }
  return { ok: res.ok, body: parsed };
}

function errorText(body: unknown): string {
  if (body && typeof body === 'object' && 'error' in body) return String((body as { error: unknown }).error);
  return typeof body === 'string' ? body : JSON.stringify(body);
}

function print(ctx: CliContext, op: Op, data: unknown): void {
  if (op.kind === 'list') {
    const fingers = (data as { fingers: EnrolledFinger[] }).fingers;
    if (fingers.length === 0) ctx.out('no fingers enrolled');
    for (const f of fingers) ctx.out(`slot ${f.slot}\t${f.staff_id}`);
  } else if (op.kind === 'enrol') {
    ctx.out(`enrolled staff ${op.staff_id} at slot ${(data as { slot: number }).slot}`);
  } else {
    ctx.out(`deleted staff ${op.staff_id} (slots ${(data as { slots: number[] }).slots.join(', ')})`);
  }
}

/** Starts the reader and waits for it to be ok (or reports why not). */
async function openDirect(ctx: CliContext): Promise<FingerprintDriver> {
  const cfg = ctx.config.fingerprint;
  const driver = createFingerprintDriver(cfg, { logger: ctx.logger, clock: systemClock(), scheduler: systemScheduler(), stateDir: ctx.config.state_dir });
  const settled = new Promise<DriverStatus>((resolve) => {
    const onStatus = (s: DriverStatus) => { if (s.state === 'ok' || s.state === 'fault') { driver.off('status', onStatus); resolve(s); } };
    driver.on('status', onStatus);
  });
  await driver.start();
  const s = driver.status().state === 'ok' || driver.status().state === 'fault' ? driver.status() : await settled;
  if (s.state !== 'ok') {
    await driver.stop();
    throw new Error(s.reason ?? `fingerprint reader is ${s.state}`);
  }
  return driver;
}

export const runFingerprintCli: CliCommand = async (args, ctx) => {
  let op: Op;
  try { op = parseFingerprintArgs(args); } catch (err) { ctx.err(`${(err as Error).message}\n${USAGE}`); return 2; }
  try {
    if (op.kind === 'enrol') ctx.out(`staff ${op.staff_id}: place the finger on the reader, lift it, then place it again`);
    const answer = await viaApi(ctx, op);
    if (answer) {
      if (!answer.ok) { ctx.err(`fingerprint ${op.kind} failed: ${errorText(answer.body)}`); return 1; }
      print(ctx, op, answer.body);
      return 0;
    }
    if (ctx.config.fingerprint.backend === 'sim' && op.kind === 'enrol') {
      ctx.err(`nothing answers at ${ctx.apiBase} and the sim reader lives inside the service: start it (npm start) and retry`);
      return 1;
    }
    const driver = await openDirect(ctx);
    try {
      driver.on('enrol_step', (e) => ctx.out(e.step === 'place' ? 'place the finger' : e.step === 'lift' ? 'lift the finger'
        : e.step === 'place_again' ? 'place the same finger again' : 'storing'));
      const handler = op.kind === 'enrol' ? enrolHandler(driver) : op.kind === 'delete' ? deleteHandler(driver) : listHandler(driver);
      const { kind, ...payload } = op;
      print(ctx, op, await handler(payload));
      return 0;
    } finally {
      await driver.stop();
    }
  } catch (err) {
    ctx.err(`fingerprint ${op.kind} failed: ${(err as Error).message}`);
    return 1;
  }
};

/** `counter-edge hw fingerprint`: print live reader events until interrupted (wiring check on a Pi). */
export const runHwFingerprint: CliCommand = async (_args, ctx) => {
  const cfg = ctx.config.fingerprint;
  const scheduler = systemScheduler();
  const driver = createFingerprintDriver(cfg, { logger: ctx.logger, clock: systemClock(), scheduler, stateDir: ctx.config.state_dir });
  ctx.out(`fingerprint: ${cfg.backend} ${cfg.backend === 'serial' ? `${cfg.path} @ ${cfg.baud} 8N1` : ''} (model ${cfg.model}); touch the reader, Ctrl-C to stop`);
  driver.on('status', (s) => {
    ctx.out(`status ${s.state}${s.reason ? `: ${s.reason}` : ''}`);
    if (s.state === 'ok') {
      void driver.params().then((p) => ctx.out(`module: capacity ${p.capacity}, security ${p.security}, packet ${p.packet_size} B, ${p.baud} baud`)).catch(() => undefined);
    }
  });
  driver.on('match', (e) => ctx.out(`match staff=${e.staff_id} slot=${e.slot} score=${e.score}`));
  driver.on('no_match', (e) => ctx.out(`no_match reason=${e.reason}`));
  await driver.start();
  await untilInterrupted(ctx.interrupted, scheduler);
  await driver.stop();
  return 0;
};
