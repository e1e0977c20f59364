// Network printers (raw port 9100). One persistent connection; a dropped connection is reported
// as lost so the driver faults and reconnects with backoff.
import net from 'node:net';
import type { Scheduler } from '../../core/scheduler.ts';
import { ReplyBuffer, type PrinterTransport } from './transport.ts';

export class TcpTransport implements PrinterTransport {
  readonly description: string;
  private socket: net.Socket | undefined;
  private readonly replies: ReplyBuffer;
  onLost?: (reason: string) => void;

  constructor(private readonly host: string, private readonly port: number, private readonly scheduler: Scheduler, private readonly connectTimeoutMs = 3000) {
    this.description = `tcp ${host}:${port}`;
    this.replies = new ReplyBuffer(scheduler);
  }

  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const sock = net.connect({ host: this.host, port: this.port });
      const fail = (err: Error) => { timer.cancel(); sock.destroy(); reject(new Error(`cannot connect to printer at ${this.description}: ${(err as NodeJS.ErrnoException).code ?? err.message}`)); };
      const timer = this.scheduler.timeout(this.connectTimeoutMs, () => fail(new Error(`no answer within ${this.connectTimeoutMs} ms`)));
      sock.once('error', fail);
      sock.once('connect', () => {
        timer.cancel();
        sock.off('error', fail);
        sock.setNoDelay(true);
        sock.setKeepAlive(true, 10_000);
        sock.on('data', (d) => this.replies.push(d));
        sock.on('error', () => undefined);
        sock.on('close', () => {
          if (this.socket !== sock) return;
          this.socket = undefined;
          this.onLost?.(`printer at ${this.description} closed the connection`);
        });
        this.socket = sock;
        resolve();
      });
    });
  }

  write(data: Buffer): Promise<void> {
    const sock = this.socket;
    if (!sock) return Promise.reject(new Error(`printer at ${this.description} is not connected`));
    return new Promise((resolve, reject) => {
      sock.write(data, (err) => (err ? reject(new Error(`write to printer at ${this.description} failed: ${err.message}`)) : resolve()));
    });
  }

  async query(request: Buffer, timeoutMs: number): Promise<number> {
    this.replies.clear();
    await this.write(request);
    return this.replies.next(timeoutMs, `printer at ${this.description}`);
  }

  async close(): Promise<void> {
    const sock = this.socket;
    this.socket = undefined;
    sock?.destroy();
  }
}
