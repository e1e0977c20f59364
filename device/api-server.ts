// The local HTTP API (127.0.0.1 by default) for technicians, CLI subcommands and the simulator page.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from './logger.ts';
import { ApiRouter, HttpError } from './http-router.ts';

const MAX_BODY = 256 * 1024;

export class ApiServer {
  private server: Server | undefined;
  constructor(private readonly deps: { host: string; port: number; router: ApiRouter; logger: Logger }) {}

  /** Listens; resolves with the port actually bound (port 0 picks a free one). */
  async start(): Promise<number> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(new Error(`local API cannot listen on ${this.deps.host}:${this.deps.port}: ${err.code ?? err.message}`)));
      server.listen(this.deps.port, this.deps.host, () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    const found = this.deps.router.match(req.method ?? 'GET', url.pathname);
    const reply = (status: number, body: unknown) => {
      if (res.headersSent) return;
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    if (!found) return reply(404, { error: `no such endpoint: ${req.method} ${url.pathname}` });
    if ('allowed' in found) return reply(405, { error: `method ${req.method} not allowed on ${url.pathname}; use ${found.allowed.join(', ')}` });
    try {
      if (found.route.raw) return await found.route.raw(req, res, found.params);
      const body = await readJson(req);
      const result = await found.route.json!({ method: req.method ?? 'GET', path: url.pathname, params: found.params, query: url.searchParams, body });
      reply(200, result ?? { ok: true });
    } catch (err) {
      const status = err instanceof HttpError ? err.status : 500;
      if (status >= 500) this.deps.logger.error('local API handler failed', { path: url.pathname, err });
      reply(status, { error: err instanceof Error ? err.message : String(err) });
    }
  }
}

async function readJson(req: import('node:http').IncomingMessage): Promise<unknown> {
  if (req.method === 'GET' || req.method === 'HEAD') return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, `request body over ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (err) {
    throw new HttpError(400, `body is not valid JSON: ${(err as Error).message}`);
  }
}
