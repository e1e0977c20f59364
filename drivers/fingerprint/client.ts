// Request/answer over one transport: one command on the wire at a time, a timeout per command,
// and one resend when the answer arrives with a broken checksum (every command the driver sends
// is safe to repeat). Data packets are never expected; if one arrives it is dropped unlogged.
import type { Logger } from '../../core/logger.ts';
import type { Scheduler, TimerHandle } from '../../core/scheduler.ts';
import { ModuleError, ModuleTimeoutError, TransportError } from './codes.ts';
import { PacketDecoder, PID, type Command, type DecoderStats, type Packet } from './protocol.ts';
import type { ByteTransport } from './types.ts';

interface Pending {
  command: Command;
  resolve: (payload: Buffer) => void;
  reject: (err: Error) => void;
  timer: TimerHandle;
  resends: number;
}

export interface ClientStats extends DecoderStats {
  timeouts: number;
  resends: number;
  foreign_packets: number;
}

export class ModuleClient {
  private readonly decoder: PacketDecoder;
  private pending: Pending | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private counters = { timeouts: 0, resends: 0, foreign_packets: 0 };
  private closed = false;

  constructor(private readonly transport: ByteTransport, private readonly address: number,
              private readonly timeoutMs: number, private readonly logger: Logger, private readonly scheduler: Scheduler) {
    this.decoder = new PacketDecoder((p) => this.onPacket(p), () => this.onBadChecksum());
  }

  /** Wire the transport; separate from the constructor so construction does nothing. */
  attach(): void {
    this.transport.on('data', (chunk) => this.decoder.push(chunk));
  }

  stats(): ClientStats { return { ...this.decoder.stats, ...this.counters }; }

  /**
   * Sends a command and resolves with the answer payload (confirmation code first). A code
   * other than 0x00 rejects with ModuleError unless listed in `accept`.
   */
  exec(command: Command, opts: { timeoutMs?: number; accept?: number[] } = {}): Promise<Buffer> {
    const run = () => this.send(command, opts.timeoutMs ?? this.timeoutMs).then((payload) => {
      const code = payload[0]!;
      if (code !== 0 && !(opts.accept ?? []).includes(code)) throw new ModuleError(command.name, code, this.transport.where);
      return payload;
    });
    const result = this.chain.then(run, run);
    this.chain = result.catch(() => undefined);
    return result;
  }

  /** Rejects whatever is waiting; later exec calls fail at once. */
  shutdown(reason: string): void {
    this.closed = true;
    const p = this.pending;
    this.pending = undefined;
    if (p) { p.timer.cancel(); p.reject(new Error(reason)); }
  }

  private send(command: Command, timeoutMs: number): Promise<Buffer> {
    if (this.closed) return Promise.reject(new TransportError(`fingerprint module at ${this.transport.where} is not open`));
    return new Promise<Buffer>((resolve, reject) => {
      const timer = this.scheduler.timeout(timeoutMs, () => {
        if (this.pending?.timer !== timer) return;
        this.pending = undefined;
        this.counters.timeouts++;
        this.decoder.reset();
        reject(new ModuleTimeoutError(command.name, timeoutMs, this.transport.where));
      });
      this.pending = { command, resolve, reject, timer, resends: 0 };
      this.write(command.bytes);
    });
  }

  private write(bytes: Buffer): void {
    this.transport.write(bytes).catch((err: unknown) => {
      const p = this.pending;
      if (!p) return;
      this.pending = undefined;
      p.timer.cancel();
      const why = err instanceof Error ? err.message : String(err);
      p.reject(new TransportError(`fingerprint module at ${this.transport.where}: writing ${p.command.name} failed: ${why}`));
    });
  }

  private onPacket(p: Packet): void {
    if (p.pid !== PID.ack) {
      // Data/end packets would carry templates or images; the driver never asks for them.
      this.counters.foreign_packets++;
      this.logger.warn('fingerprint: dropped a packet that was not an acknowledgement', { pid: p.pid, length: p.payload.length });
      return;
    }
    if (p.address !== this.address) {
      this.counters.foreign_packets++;
      this.logger.warn('fingerprint: dropped an answer from another module address', { address: p.address.toString(16) });
      return;
    }
    const pending = this.pending;
    if (!pending) {
      this.counters.foreign_packets++;
      this.logger.debug('fingerprint: answer with no command waiting (late answer after a timeout?)');
      return;
    }
    this.pending = undefined;
    pending.timer.cancel();
    if (p.payload.length < 1) pending.reject(new Error(`fingerprint module at ${this.transport.where}: empty answer to ${pending.command.name}`));
    else pending.resolve(p.payload);
  }

  private onBadChecksum(): void {
    const p = this.pending;
    this.logger.warn('fingerprint: dropped a packet with a bad checksum', { waiting_for: p?.command.name });
    if (!p || p.resends >= 1) return;
    p.resends++;
    this.counters.resends++;
    this.write(p.command.bytes);
  }
}
