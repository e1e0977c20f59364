// The demo broker `npm start` runs in-process when mqtt.embedded_broker is true, so a laptop shows
// events reaching a broker with nothing else installed. aedes speaks MQTT 3.1.1 only: the app sets
// protocol_version 4 when embedding. Its in-memory persistence keeps retained messages (status,
// state/<part>) for as long as the process runs. Not for production: no auth, no TLS.
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../core/logger.ts';

export interface EmbeddedBroker {
  port: number;
  stop(): Promise<void>;
}

export async function startEmbeddedBroker(opts: { host?: string; port: number; logger: Logger }): Promise<EmbeddedBroker> {
  const { Aedes } = await import('aedes');
  const host = opts.host ?? '127.0.0.1';
  const broker = await Aedes.createBroker();
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    broker.handle(socket);
  });
  broker.on('clientError', (client, err) => opts.logger.debug(`embedded broker: client ${client?.id} error: ${err.message}`));
  broker.on('connectionError', (_client, err) => opts.logger.debug(`embedded broker: connection error: ${err.message}`));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, host, () => { server.off('error', reject); resolve(); });
    });
  } catch (err) {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`embedded MQTT broker cannot listen on ${host}:${opts.port}: ${code === 'EADDRINUSE' ? 'port already in use' : (err as Error).message}`);
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  opts.logger.info(`embedded MQTT broker (aedes, MQTT 3.1.1, demo only) listening on ${host}:${port}`);
  let stopped = false;
  return {
    port,
    async stop() {
      if (stopped) return;
      stopped = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await closed;
    },
  };
}
