// The R30x / R503 / AS608 driver over any byte transport (a serial port or the emulator).
// Lifecycle and fault handling come from DriverBase; this file owns the port (one operation at a
// time), the identify loop and the technician operations. Enrolment steps live in enrol.ts.
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import type { Scheduler, TimerHandle } from '../../core/scheduler.ts';
import { DriverBase } from '../driver.ts';
import { ModuleClient, type ClientStats } from './client.ts';
import { confirmationInfo, FingerprintRequestError, ModuleError, ModuleTimeoutError, TransportError } from './codes.ts';
import type { FingerprintConfig } from './config.ts';
import { runEnrol } from './enrol.ts';
import { AURA, AURA_COLOR, build, parse, type Command, type SysParams } from './protocol.ts';
import { StaffMap, STAFF_ID_PATTERN } from './staff-map.ts';
import type {
  ByteTransport, EnrolledFinger, EnrolStepEvent, FingerprintDriver, FingerprintParams, LightState, TransportOpener,
} from './types.ts';

export interface FingerprintDeps {
  config: FingerprintConfig;
  logger: Logger;
  clock: Clock;
  scheduler: Scheduler;
  /** Opens the byte pipe to the module (serial port or emulator). */
  openTransport: TransportOpener;
  /** Where the slot→staff map lives (e.g. <state_dir>/fingerprint-staff.json). */
  staffMapFile: string;
  backend: 'serial' | 'sim';
}

/** Confirmation code 0x21: the module wants VfyPwd before anything else. */
const PASSWORD_REQUIRED = 0x21;

export class R30xFingerprintDriver extends DriverBase implements FingerprintDriver {
  private transport: ByteTransport | undefined;
  private client: ModuleClient | undefined;
  private sys: SysParams | undefined;
  private staffMap: StaffMap | undefined;
  private lock: Promise<unknown> = Promise.resolve();
  private technicianOps = 0;
  private loopGeneration = 0;
  private loopTimer: TimerHandle | undefined;
  private awaitingLift = false;
  /** The ring shows a match result; back to 'ready' once the finger is gone. */
  private showingResult = false;
  private consecutiveTimeouts = 0;
  private lastStats: ClientStats | undefined;
  private opening = false;

  constructor(protected readonly deps: FingerprintDeps) {
    super('fingerprint', deps.backend, deps, { minMs: deps.config.retry_min_ms, maxMs: deps.config.retry_max_ms });
  }

  private get cfg(): FingerprintConfig { return this.deps.config; }
  private get where(): string { return this.transport?.where ?? (this.deps.backend === 'serial' ? this.cfg.path : 'sim'); }

  /** Codec and link counters (bad checksums, skipped bytes, timeouts, resends) for health and tests. */
  stats(): ClientStats | undefined { return this.client?.stats() ?? this.lastStats; }

  // ---- lifecycle (DriverBase) ----

  protected async open(): Promise<void> {
    const transport = await this.deps.openTransport();
    const client = new ModuleClient(transport, this.cfg.address, this.cfg.command_timeout_ms, this.deps.logger, this.deps.scheduler);
    this.transport = transport;
    this.client = client;
    transport.on('close', (err) => {
      if (this.transport !== transport) return;
      if (this.opening) { client.shutdown(`fingerprint module at ${transport.where} disconnected while opening`); return; }
      this.fail(`fingerprint module at ${transport.where} disconnected${err ? `: ${err.message}` : ''}`);
    });
    client.attach();
    this.consecutiveTimeouts = 0;
    this.awaitingLift = false;
    this.opening = true;
    try {
      if (this.cfg.model === 'r503') await this.exec(build.handShake(this.cfg.address));
      await this.exec(build.vfyPwd(this.cfg.password, this.cfg.address));
      this.sys = parse.sysPara(await this.exec(build.readSysPara(this.cfg.address)));
      if (this.sys.capacity < 1) throw new Error(`fingerprint module at ${transport.where} reports a library capacity of 0`);
      const staffMap = new StaffMap(this.deps.staffMapFile);
      await staffMap.load();
      this.staffMap = staffMap;
      const templates = parse.templateNum(await this.exec(build.templateNum(this.cfg.address)));
      this.setStatus('starting', undefined, this.detail(templates));
      await this.applyLight('ready').catch(() => undefined);
    } catch (err) {
      await this.close();
      throw err;
    } finally {
      this.opening = false;
    }
    this.deps.logger.info('fingerprint reader ready', { where: transport.where, capacity: this.sys.capacity });
    this.startLoop();
  }

  protected async close(): Promise<void> {
    this.loopGeneration++;
    this.loopTimer?.cancel();
    this.loopTimer = undefined;
    const transport = this.transport;
    const client = this.client;
    this.transport = undefined;
    this.client = undefined;
    if (client) { this.lastStats = client.stats(); client.shutdown(`fingerprint module at ${transport?.where ?? this.where} was closed`); }
    if (transport) await transport.close().catch(() => undefined);
  }

  // ---- the port: one operation at a time ----

  /** Runs fn with the port to itself; callers queue in order. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.lock.then(fn, fn);
    this.lock = result.catch(() => undefined);
    return result;
  }

  /** A technician operation: the identify loop stays out of the way until it is done. */
  private async technician<T>(fn: () => Promise<T>): Promise<T> {
    this.requireReady();
    this.technicianOps++;
    try { return await this.exclusive(fn); } finally { this.technicianOps--; }
  }

  private requireReady(): void {
    const s = this.status();
    // 'starting' is refused too: the module parameters are not read yet.
    if (!this.client || s.state !== 'ok') {
      throw new FingerprintRequestError(503, `fingerprint reader (${this.where}) is not ready: ${s.reason ?? s.state}`);
    }
  }

  /** One command; counts unanswered commands and reports the reader in fault when it is gone. */
  private async exec(command: Command, accept?: number[]): Promise<Buffer> {
    const client = this.client;
    if (!client) throw new TransportError(`fingerprint module at ${this.where} is not open`);
    try {
      const payload = await client.exec(command, accept ? { accept } : {});
      this.consecutiveTimeouts = 0;
      // An empty sensor seen by anyone (identify loop or enrolment) means the finger has left.
      if (command.name === 'GenImg' && payload[0] === 0x02) this.awaitingLift = false;
      return payload;
    } catch (err) {
      if (err instanceof ModuleError && err.code === PASSWORD_REQUIRED && client === this.client && !this.opening) {
        return this.verifyAgain(client, command, accept);
      }
      if (client === this.client && !this.opening) {
        if (err instanceof TransportError) this.fail(err.message);
        if (err instanceof ModuleTimeoutError && ++this.consecutiveTimeouts >= this.cfg.max_consecutive_timeouts) {
          this.fail(`${err.message} (${this.consecutiveTimeouts} commands in a row unanswered)`);
        }
      }
      throw err;
    }
  }

  /**
   * The module answers 0x21 ("verify password first"): it was reset or reseated under a live serial
   * link and forgot the VfyPwd of open(). Until it is verified again nothing works, so this is a
   * fault, not a log line: verify again and repeat the command once; if the password no longer
   * verifies, fault and let DriverBase reopen (which reports the wrong password plainly).
   */
  private async verifyAgain(client: ModuleClient, command: Command, accept: number[] | undefined): Promise<Buffer> {
    const why = `fingerprint module at ${this.where} asks for its password again (reset or reseated?)`;
    this.deps.logger.warn('fingerprint module lost its password verification; verifying again', { where: this.where, command: command.name });
    this.setStatus('fault', why);
    try {
      await client.exec(build.vfyPwd(this.cfg.password, this.cfg.address));
    } catch (err) {
      const reason = `${why}; ${err instanceof Error ? err.message : String(err)}`;
      if (client === this.client) this.fail(reason);
      throw new TransportError(reason);
    }
    if (client !== this.client) throw new TransportError(`fingerprint module at ${this.where} was closed while verifying its password`);
    this.setStatus('ok');
    try {
      return await client.exec(command, accept ? { accept } : {});
    } catch (err) {
      // Verified a moment ago and refused again: the module is not in a state to trust.
      if (err instanceof ModuleError && err.code === PASSWORD_REQUIRED && client === this.client) this.fail(`${why}; it refused ${command.name} again after VfyPwd`);
      throw err;
    }
  }

  // ---- identify loop ----

  private startLoop(): void {
    const generation = ++this.loopGeneration;
    const tick = async (): Promise<void> => {
      if (generation !== this.loopGeneration) return;
      if (this.technicianOps === 0) {
        try {
          await this.exclusive(() => (generation === this.loopGeneration ? this.identifyOnce() : Promise.resolve()));
        } catch (err) {
          this.deps.logger.warn('fingerprint identify step failed', { error: err instanceof Error ? err.message : String(err) });
        }
      }
      if (generation !== this.loopGeneration) return;
      this.loopTimer = this.deps.scheduler.timeout(this.cfg.poll_ms, () => void tick());
    };
    this.loopTimer = this.deps.scheduler.timeout(this.cfg.poll_ms, () => void tick());
  }

  private async identifyOnce(): Promise<void> {
    const a = this.cfg.address;
    const image = await this.exec(build.genImg(a), [0x02, 0x03]);
    if (image[0] === 0x02) {
      if (this.showingResult) { this.showingResult = false; await this.applyLight('ready').catch(() => undefined); }
      return;
    }
    // The same touch must not be reported twice: wait for the finger to leave first.
    if (this.awaitingLift) return;
    const monoMs = this.deps.clock.monoMs();
    this.awaitingLift = true;
    if (image[0] === 0x03) return this.noMatch(monoMs, 'image_fail');
    const features = await this.exec(build.img2Tz(1, a), [0x06, 0x07, 0x15]);
    if (features[0] !== 0) return this.noMatch(monoMs, confirmationInfo(features[0]!).reason);
    const found = await this.exec(build.search(1, 0, this.sys!.capacity, a), [0x09]);
    if (found[0] === 0x09) return this.noMatch(monoMs, 'not_found');
    const { slot, score } = parse.search(found);
    if (score < this.cfg.min_score) return this.noMatch(monoMs, 'low_score');
    const staffId = this.staffMap?.staffAt(slot);
    if (!staffId) {
      this.deps.logger.warn('fingerprint matched a slot that no staff member owns in the staff map', { slot, file: this.deps.staffMapFile });
      return this.noMatch(monoMs, 'unmapped_slot');
    }
    this.emit('match', { staff_id: staffId, slot, score, mono_ms: monoMs });
    this.showingResult = true;
    await this.applyLight('matched').catch(() => undefined);
  }

  private async noMatch(monoMs: number, reason: string): Promise<void> {
    this.emit('no_match', { mono_ms: monoMs, reason });
    this.showingResult = true;
    await this.applyLight('not_matched').catch(() => undefined);
  }

  // ---- technician operations ----

  enrol(staffId: string, slot?: number): Promise<{ slot: number }> {
    if (typeof staffId !== 'string' || !STAFF_ID_PATTERN.test(staffId)) {
      return Promise.reject(new FingerprintRequestError(400, `staff_id must match ${STAFF_ID_PATTERN} (got ${JSON.stringify(staffId)})`));
    }
    if (slot !== undefined && (!Number.isInteger(slot) || slot < 0 || (this.sys && slot >= this.sys.capacity))) {
      return Promise.reject(new FingerprintRequestError(400, `slot must be an integer 0..${(this.sys?.capacity ?? 1) - 1} (got ${slot})`));
    }
    return this.technician(async () => {
      const result = await runEnrol({
        staffId, slot, capacity: this.sys!.capacity, address: this.cfg.address, pollMs: this.cfg.poll_ms,
        stepTimeoutMs: this.cfg.enrol_timeout_ms, exec: (c, acc) => this.exec(c, acc), staffMap: this.staffMap!,
        step: (e: EnrolStepEvent) => this.emit('enrol_step', e), where: this.where,
        clock: this.deps.clock, scheduler: this.deps.scheduler,
      });
      // The finger is probably still on the glass; do not report it as an attendance touch.
      this.awaitingLift = true;
      this.deps.logger.info('fingerprint enrolled', { staff_id: staffId, slot: result.slot });
      await this.refreshCount();
      return result;
    });
  }

  remove(staffId: string): Promise<{ slots: number[] }> {
    return this.technician(async () => {
      const slots = this.staffMap!.slotsOf(staffId);
      if (slots.length === 0) throw new FingerprintRequestError(404, `staff ${staffId} has no enrolled finger`);
      // 0x0B: the slot is beyond this module's library (map from another module); just forget it.
      for (const s of slots) await this.exec(build.deleteChar(s, 1, this.cfg.address), [0x0b]);
      await this.staffMap!.removeSlots(slots);
      this.deps.logger.info('fingerprint deleted', { staff_id: staffId, slots });
      await this.refreshCount();
      return { slots };
    });
  }

  async list(): Promise<EnrolledFinger[]> {
    if (this.staffMap) return this.staffMap.entries();
    const map = new StaffMap(this.deps.staffMapFile);
    await map.load();
    return map.entries();
  }

  count(): Promise<number> {
    return this.technician(async () => parse.templateNum(await this.exec(build.templateNum(this.cfg.address))));
  }

  async params(): Promise<FingerprintParams> {
    this.requireReady();
    const s = this.sys!;
    return { capacity: s.capacity, security: s.security, address: s.address, packet_size: s.packet_size, baud: s.baud };
  }

  async setLight(state: LightState): Promise<void> {
    if (this.cfg.model !== 'r503') return;
    await this.technician(() => this.applyLight(state));
  }

  private async applyLight(state: LightState): Promise<void> {
    if (this.cfg.model !== 'r503') return;
    const colors = this.cfg.light;
    const a = this.cfg.address;
    const command = state === 'off' ? build.auraLedConfig(AURA.off, 0, AURA_COLOR.blue, 0, a)
      : state === 'ready' ? build.auraLedConfig(AURA.breathing, 100, AURA_COLOR[colors.ready], 0, a)
        : state === 'matched' ? build.auraLedConfig(AURA.on, 0, AURA_COLOR[colors.matched], 0, a)
          : build.auraLedConfig(AURA.flashing, 40, AURA_COLOR[colors.not_matched], 3, a);
    await this.exec(command);
  }

  private async refreshCount(): Promise<void> {
    try {
      const templates = parse.templateNum(await this.exec(build.templateNum(this.cfg.address)));
      if (this.status().state === 'ok') this.setStatus('ok', undefined, this.detail(templates));
    } catch { /* the count is informational; the operation itself already succeeded */ }
  }

  private detail(templates: number): Record<string, unknown> {
    return { model: this.cfg.model, where: this.where, capacity: this.sys?.capacity ?? 0, templates };
  }
}
