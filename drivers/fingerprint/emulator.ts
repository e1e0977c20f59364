// A fingerprint module emulator that speaks the real R30x/R503 packet protocol over any byte
// transport: the in-process pipe (sim backend) or the far end of a serial pty pair (tests).
// Fingers are fake: a touch by staff S images the feature string "finger:S"; templates are kept
// in memory and, like on the real module, never sent out (UpChar/UpImage answer "packet error").
import { createHash } from 'node:crypto';
import { MemoryTransport } from './memory-transport.ts';
import { BOOT_BYTE, CMD, encodePacket, PacketDecoder, PID, type CommandName, type Packet } from './protocol.ts';
import type { ByteTransport } from './types.ts';

export type FaultKind = 'no_finger' | 'not_found' | 'bad_checksum' | 'timeout';

interface Fault { kind: FaultKind; command: CommandName | undefined; remaining: number }
interface Press { feature: string; captures: number }

export interface EmulatorOptions {
  model?: 'r503' | 'r30x' | 'as608';
  address?: number;
  password?: number;
  capacity?: number;
  security?: number;
  /** Baud setting N (N × 9600). */
  baudN?: number;
  /** Where the in-process transport says it is (error messages). */
  where?: string;
  /** Split in-process writes into pieces at these offsets (exercises the streaming decoder). */
  split?: () => number[] | undefined;
}

/** Commands whose fault applies when no command filter is given. */
const DEFAULT_TARGET: Record<FaultKind, CommandName | undefined> = { no_finger: 'GenImg', not_found: 'Search', bad_checksum: undefined, timeout: undefined };

export class ModuleEmulator {
  private readonly opt: Required<Omit<EmulatorOptions, 'split'>> & Pick<EmulatorOptions, 'split'>;
  private readonly templates = new Map<number, string>();
  private readonly presses: Press[] = [];
  private current: Press | undefined;
  private image: string | undefined;
  private readonly charBuffers: Array<string | undefined> = [undefined, undefined, undefined];
  private verified = false;
  private faults: Fault[] = [];
  private plugged = true;
  private hostEnds = new Set<MemoryTransport>();
  private unknownCount = 0;
  /** Commands received, by name, for tests. */
  readonly received = new Map<string, number>();
  /** Last AuraLedConfig parameters (R503), for tests and the simulator page. */
  light: { ctrl: number; speed: number; color: number; count: number } | undefined;

  constructor(options: EmulatorOptions = {}) {
    this.opt = {
      model: options.model ?? 'r503', address: options.address ?? 0xffffffff, password: options.password ?? 0,
      capacity: options.capacity ?? 200, security: options.security ?? 3, baudN: options.baudN ?? 6,
      where: options.where ?? 'sim', split: options.split,
    };
  }

  // ---- the finger ----

  /** A finger touches the sensor: imaged by `captures` GenImg calls, then lifted. */
  touch(staffId: string | 'unknown', captures = 1): void {
    const feature = staffId === 'unknown' ? `unknown:${++this.unknownCount}` : `finger:${staffId}`;
    this.presses.push({ feature, captures: Math.max(1, captures) });
  }

  templateCount(): number { return this.templates.size; }
  hasTemplate(slot: number): boolean { return this.templates.has(slot); }

  /** The next `count` matching answers go wrong in the given way. */
  failNext(kind: FaultKind, opts: { command?: CommandName; count?: number } = {}): void {
    this.faults.push({ kind, command: opts.command ?? DEFAULT_TARGET[kind], remaining: opts.count ?? 1 });
  }

  // ---- wiring ----

  /** The in-process backend's opener: a new pipe, the module "powers up" on it. */
  async connect(): Promise<ByteTransport> {
    if (!this.plugged) throw new Error(`fingerprint module at ${this.opt.where} not present (unplugged)`);
    const [host, module] = MemoryTransport.pair(this.opt.where, this.opt.split);
    this.hostEnds.add(host);
    host.on('close', () => this.hostEnds.delete(host));
    this.serve(module);
    return host;
  }

  /** Speaks the protocol on a transport (e.g. the module end of a pty pair); returns a detach function. */
  serve(transport: ByteTransport): () => void {
    this.verified = false;
    let attached = true;
    const decoder = new PacketDecoder(
      (p) => { if (attached) this.onPacket(p, transport); },
      () => { if (attached) void transport.write(this.answer(0x01)).catch(() => undefined); },
    );
    transport.on('data', (chunk) => decoder.push(chunk));
    transport.on('close', () => { attached = false; });
    void transport.write(Buffer.from([BOOT_BYTE])).catch(() => undefined);
    return () => { attached = false; };
  }

  /** Pull the cable: every in-process connection drops and new ones fail until replug(). */
  unplug(): void {
    this.plugged = false;
    for (const host of this.hostEnds) host.peer?.disconnect(new Error(`fingerprint module at ${this.opt.where} unplugged`));
    this.hostEnds.clear();
  }

  replug(): void { this.plugged = true; }

  /**
   * The module is reseated (power cut and back) faster than the host notices: the serial link
   * stays up, templates survive in flash, but the module forgets that the password was verified,
   * so with a non-zero password every command answers 0x21 until VfyPwd is sent again.
   * `password` models a module that comes back with another password.
   */
  reseat(opts: { password?: number } = {}): void {
    this.verified = false;
    this.current = undefined;
    this.image = undefined;
    this.charBuffers.fill(undefined);
    if (opts.password !== undefined) this.opt.password = opts.password;
  }

  // ---- protocol ----

  private onPacket(p: Packet, transport: ByteTransport): void {
    if (p.pid !== PID.command || p.payload.length < 1) return;
    // A real module stays silent to other addresses.
    if (p.address !== this.opt.address) return;
    const code = p.payload[0]!;
    const name = (Object.keys(CMD) as CommandName[]).find((k) => CMD[k] === code);
    this.received.set(name ?? `0x${code.toString(16)}`, (this.received.get(name ?? `0x${code.toString(16)}`) ?? 0) + 1);
    const fault = this.takeFault(name);
    if (fault === 'timeout') return;
    let reply = this.execute(name, p.payload.subarray(1), fault);
    if (fault === 'bad_checksum') {
      reply = Buffer.from(reply);
      reply[reply.length - 1]! ^= 0xff;
    }
    void transport.write(reply).catch(() => undefined);
  }

  private takeFault(name: CommandName | undefined): FaultKind | undefined {
    const f = this.faults.find((x) => x.command === undefined || x.command === name);
    if (!f) return undefined;
    if (--f.remaining <= 0) this.faults = this.faults.filter((x) => x !== f);
    return f.kind;
  }

  private answer(code: number, data: number[] = []): Buffer {
    return encodePacket(PID.ack, [code, ...data], this.opt.address);
  }

  private execute(name: CommandName | undefined, args: Buffer, fault: FaultKind | undefined): Buffer {
    if (this.opt.password !== 0 && !this.verified && name !== 'VfyPwd' && name !== 'HandShake') return this.answer(0x21);
    const u16 = (n: number) => [(n >> 8) & 0xff, n & 0xff];
    switch (name) {
      case 'HandShake':
        return this.opt.model === 'r503' ? this.answer(0x00) : this.answer(0x01);
      case 'VfyPwd': {
        if (args.length < 4) return this.answer(0x01);
        this.verified = args.readUInt32BE(0) === this.opt.password;
        return this.answer(this.verified ? 0x00 : 0x13);
      }
      case 'GenImg':
        return this.answer(fault === 'no_finger' ? 0x02 : this.capture());
      case 'Img2Tz': {
        const buf = args[0];
        if (buf !== 1 && buf !== 2) return this.answer(0x01);
        if (!this.image) return this.answer(0x15);
        this.charBuffers[buf] = this.image;
        return this.answer(0x00);
      }
      case 'Search': {
        if (args.length < 5) return this.answer(0x01);
        const feature = this.charBuffers[args[0]!];
        const start = args.readUInt16BE(1);
        const end = Math.min(this.opt.capacity, start + args.readUInt16BE(3));
        if (fault !== 'not_found' && feature) {
          for (let s = start; s < end; s++) if (this.templates.get(s) === feature) return this.answer(0x00, [...u16(s), ...u16(score(feature))]);
        }
        return this.answer(0x09, [0, 0, 0, 0]);
      }
      case 'RegModel': {
        const [, one, two] = this.charBuffers;
        if (!one || one !== two) return this.answer(0x0a);
        return this.answer(0x00);
      }
      case 'Store': {
        if (args.length < 3) return this.answer(0x01);
        const slot = args.readUInt16BE(1);
        const feature = this.charBuffers[args[0]!];
        if (slot >= this.opt.capacity) return this.answer(0x0b);
        if (!feature) return this.answer(0x01);
        this.templates.set(slot, feature);
        return this.answer(0x00);
      }
      case 'DeleteChar': {
        if (args.length < 4) return this.answer(0x01);
        const slot = args.readUInt16BE(0);
        const n = args.readUInt16BE(2);
        if (slot + n > this.opt.capacity) return this.answer(0x0b);
        for (let s = slot; s < slot + n; s++) this.templates.delete(s);
        return this.answer(0x00);
      }
      case 'Empty':
        this.templates.clear();
        return this.answer(0x00);
      case 'ReadSysPara':
        return this.answer(0x00, [
          ...u16(0), ...u16(0x0009), ...u16(this.opt.capacity), ...u16(this.opt.security),
          (this.opt.address >>> 24) & 0xff, (this.opt.address >>> 16) & 0xff, (this.opt.address >>> 8) & 0xff, this.opt.address & 0xff,
          ...u16(2), ...u16(this.opt.baudN),
        ]);
      case 'TemplateNum':
        return this.answer(0x00, u16(this.templates.size));
      case 'ReadIndexTable': {
        const page = args[0] ?? 0;
        const bits = new Array<number>(32).fill(0);
        for (const s of this.templates.keys()) {
          if (Math.floor(s / 256) !== page) continue;
          const i = s % 256;
          bits[i >> 3]! |= 1 << (i & 7);
        }
        return this.answer(0x00, bits);
      }
      case 'AuraLedConfig':
        if (this.opt.model !== 'r503' || args.length < 4) return this.answer(0x01);
        this.light = { ctrl: args[0]!, speed: args[1]!, color: args[2]!, count: args[3]! };
        return this.answer(0x00);
      default:
        // Unknown or unsupported instruction (UpChar/UpImage included): templates stay here.
        return this.answer(0x01);
    }
  }

  /** GenImg: image the finger on the glass; an exhausted press lifts (one empty answer) first. */
  private capture(): number {
    if (this.current && this.current.captures <= 0) {
      this.current = undefined;
      return 0x02;
    }
    if (!this.current) this.current = this.presses.shift();
    if (!this.current) return 0x02;
    this.current.captures--;
    this.image = this.current.feature;
    return 0x00;
  }
}

/** A stable, plausible match score per finger (the R503 reports roughly 50..250 for good matches). */
function score(feature: string): number {
  return 60 + (createHash('sha256').update(feature).digest().readUInt16BE(0) % 180);
}
