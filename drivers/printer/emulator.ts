// A network receipt printer on loopback: what a "port 9100" printer does, backed by EscPosEmulator.
// Used by the contract tests (real TCP transport against it) and by technicians without a printer.
import net from 'node:net';
import { EscPosEmulator } from './emulator-core.ts';

export { EscPosEmulator, itemText, type DecodedItem, type EmulatorSwitches } from './emulator-core.ts';

export class PrinterEmulatorServer {
  private server: net.Server | undefined;
  private sockets = new Set<net.Socket>();
  /** When true the printer stops answering DLE EOT (a hung or status-less printer). */
  mute = false;

  constructor(readonly printer: EscPosEmulator = new EscPosEmulator()) {}

  /** Listen on 127.0.0.1 (port 0 = any free port); resolves with the port. */
  async start(port = 0, host = '127.0.0.1'): Promise<number> {
    const server = net.createServer((sock) => {
      this.sockets.add(sock);
      sock.on('data', (d) => {
        const reply = this.printer.receive(d);
        if (reply.length && !this.mute) sock.write(reply);
      });
      sock.on('error', () => sock.destroy());
      sock.on('close', () => this.sockets.delete(sock));
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => { server.off('error', reject); resolve(); });
    });
    return (server.address() as net.AddressInfo).port;
  }

  /** Drop every open connection (a printer switched off or a cable pulled). */
  dropConnections(): void {
    for (const s of this.sockets) s.destroy();
  }

  get connections(): number { return this.sockets.size; }

  async stop(): Promise<void> {
    this.dropConnections();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
