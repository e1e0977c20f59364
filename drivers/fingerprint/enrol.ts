// Enrolment: capture the finger twice (lifted in between), merge the two feature sets on the
// module (RegModel), store the model at a free or given slot, then record slot→staff in the map.
// Runs while the driver holds the port; the template is built and stored on the module only.
import type { Clock } from '../../core/clock.ts';
import type { Scheduler } from '../../core/scheduler.ts';
import { FingerprintRequestError } from './codes.ts';
import { build, parse, type Command } from './protocol.ts';
import type { StaffMap } from './staff-map.ts';
import type { EnrolStepEvent } from './types.ts';

export interface EnrolContext {
  staffId: string;
  slot: number | undefined;
  capacity: number;
  address: number;
  pollMs: number;
  stepTimeoutMs: number;
  exec: (command: Command, accept?: number[]) => Promise<Buffer>;
  staffMap: StaffMap;
  step: (e: EnrolStepEvent) => void;
  where: string;
  clock: Clock;
  scheduler: Scheduler;
}

export async function occupiedSlots(ctx: Pick<EnrolContext, 'capacity' | 'address' | 'exec'>): Promise<Set<number>> {
  const used = new Set<number>();
  const pages = Math.min(4, Math.ceil(ctx.capacity / 256));
  for (let page = 0; page < pages; page++) {
    for (const s of parse.indexTable(await ctx.exec(build.readIndexTable(page, ctx.address)), page)) used.add(s);
  }
  return used;
}

export async function runEnrol(ctx: EnrolContext): Promise<{ slot: number }> {
  const a = ctx.address;
  const used = await occupiedSlots(ctx);
  const slot = ctx.slot ?? firstFree(used, ctx.capacity);
  if (slot === undefined) throw new FingerprintRequestError(409, `the fingerprint library at ${ctx.where} is full (${ctx.capacity} templates)`);
  if (used.has(slot)) {
    const owner = ctx.staffMap.staffAt(slot);
    throw new FingerprintRequestError(409, `slot ${slot} already holds a template${owner ? ` (staff ${owner})` : ''}; delete it first`);
  }

  ctx.step({ staff_id: ctx.staffId, step: 'place' });
  await waitFinger(ctx, true);
  await ctx.exec(build.img2Tz(1, a));
  // One finger, one owner: refuse a finger the module already knows.
  const found = await ctx.exec(build.search(1, 0, ctx.capacity, a), [0x09]);
  if (found[0] === 0x00) {
    const { slot: existing } = parse.search(found);
    const owner = ctx.staffMap.staffAt(existing);
    throw new FingerprintRequestError(409, `this finger is already enrolled at slot ${existing}${owner ? ` (staff ${owner})` : ''}`);
  }

  ctx.step({ staff_id: ctx.staffId, step: 'lift' });
  await waitFinger(ctx, false);
  ctx.step({ staff_id: ctx.staffId, step: 'place_again' });
  await waitFinger(ctx, true);
  await ctx.exec(build.img2Tz(2, a));
  await ctx.exec(build.regModel(a));

  ctx.step({ staff_id: ctx.staffId, step: 'storing' });
  await ctx.exec(build.store(1, slot, a));
  try {
    await ctx.staffMap.set(slot, ctx.staffId);
  } catch (err) {
    // A template nobody owns would match as "unmapped"; take it back off the module.
    await ctx.exec(build.deleteChar(slot, 1, a)).catch(() => undefined);
    throw err;
  }
  return { slot };
}

function firstFree(used: Set<number>, capacity: number): number | undefined {
  for (let s = 0; s < capacity; s++) if (!used.has(s)) return s;
  return undefined;
}

/** Polls GenImg until a finger is imaged (present) or the sensor is empty (lifted). */
async function waitFinger(ctx: EnrolContext, present: boolean): Promise<void> {
  const deadline = ctx.clock.monoMs() + ctx.stepTimeoutMs;
  for (;;) {
    const code = (await ctx.exec(build.genImg(ctx.address), [0x02, 0x03]))[0]!;
    if (present && code === 0x00) return;
    if (!present && code === 0x02) return;
    if (ctx.clock.monoMs() >= deadline) {
      throw new EnrolTimeoutError(present ? 'place the finger on the reader' : 'lift the finger from the reader', ctx.stepTimeoutMs, ctx.staffId);
    }
    await ctx.scheduler.sleep(ctx.pollMs);
  }
}

/** The technician did not place or lift the finger in time. */
export class EnrolTimeoutError extends FingerprintRequestError {
  constructor(action: string, ms: number, staffId: string) {
    super(408, `enrolment of staff ${staffId} cancelled: nobody did "${action}" within ${Math.round(ms / 1000)} s`);
  }
}
