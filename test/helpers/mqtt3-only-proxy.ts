// A TCP proxy in front of a 3.1.1 broker that behaves like RabbitMQ < 3.13 with an MQTT 5 client:
// it reads the CONNECT's protocol level and, for 5, closes the socket without a CONNACK.
import { createConnection, createServer, type Socket } from 'node:net';

export interface Mqtt3OnlyProxy { url: string; port: number; refusedV5: number; stop(): Promise<void> }

/** Offset of the protocol level byte in a CONNECT: fixed header, remaining length varint, "MQTT". */
function protocolLevel(buf: Buffer): number | undefined {
  let i = 1;
  while (i < buf.length && i < 5 && (buf[i]! & 0x80) !== 0) i++;
  const levelAt = i + 1 + 2 + 4;
  return buf.length > levelAt ? buf[levelAt] : undefined;
}

export async function startMqtt3OnlyProxy(targetPort: number): Promise<Mqtt3OnlyProxy> {
  const sockets = new Set<Socket>();
  let refusedV5 = 0;
  const server = createServer((inbound) => {
    sockets.add(inbound);
    inbound.on('close', () => sockets.delete(inbound));
    inbound.on('error', () => inbound.destroy());
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const level = protocolLevel(head);
      if (level === undefined) { if (head.length > 64) inbound.destroy(); return; }
      inbound.off('data', onData);
      if (level === 5) { refusedV5++; inbound.end(); return; }
      inbound.pause();
      const outbound = createConnection({ port: targetPort, host: '127.0.0.1' });
      sockets.add(outbound);
      const close = () => { inbound.destroy(); outbound.destroy(); sockets.delete(outbound); };
      outbound.on('error', close).on('close', close);
      inbound.on('close', close);
      outbound.write(head);
      inbound.pipe(outbound);
      outbound.pipe(inbound);
      inbound.resume();
    };
    inbound.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    get refusedV5() { return refusedV5; },
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}
