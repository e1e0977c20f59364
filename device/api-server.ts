// The local HTTP API (127.0.0.1 by default) for technicians, CLI subcommands and the simulator page.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../core/logger.ts';
import { ApiRouter, HttpError } from '../core/http-router.ts';

const MAX_BODY = 256 * 1024;

export class ApiServer {
  private server: Server | undefined;
  constructor(private readonly deps: { host: string; port: number; router: ApiRouter; logger: Logger }) {}

  /** Listens; resolves with the port actually bound (port 0 picks a free one). */
  async start(): Promise<number> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err) => {
        this.deps.logger.error('local API request failed', { err });
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify({ error: 'internal error' }));
      });
    });
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
    const reply = (status: number, body: unknown) => {
      if (res.headersSent) return;
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...(status === 413 ? { connection: 'close' } : {}) });
      res.end(JSON.stringify(body));
    };
    let url: URL;
    let found: ReturnType<ApiRouter['match']>;
    try {
      url = new URL(req.url ?? '/', 'http://local');
      found = this.deps.router.match(req.method ?? 'GET', url.pathname);
    } catch {
      return reply(400, { error: `malformed request path: ${String(req.url).slice(0, 200)}` });
    }
    // Browsers may be tricked into calling a local API (CSRF, DNS rebinding): only loopback host
    // names are served, and state changes need a JSON body, which a cross-site form cannot send.
    if (!isLoopbackHost(req.headers.host)) return reply(403, { error: `host ${String(req.headers.host).slice(0, 100)} is not served; use 127.0.0.1` });
    const refusal = crossSiteRefusal(req);
    if (refusal) return reply(refusal.status, { error: refusal.error });
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

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A page on another origin can make the browser send a "simple" request (text/plain or form body,
 * or no body at all) without a CORS preflight. Such a request carries a foreign Origin (or
 * Sec-Fetch-Site: cross-site), and can never carry content-type: application/json. So: a foreign
 * origin is refused on every route, and a state-changing method needs a JSON content type even
 * when its body is empty (an empty text/plain POST was enough to reload the config).
 */
function crossSiteRefusal(req: import('node:http').IncomingMessage): { status: number; error: string } | undefined {
  const origin = req.headers.origin;
  if (origin !== undefined && !isSameOrigin(origin, req.headers.host)) {
    return { status: 403, error: `requests from origin ${origin.slice(0, 100)} are not served` };
  }
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return { status: 403, error: `cross-site requests are not served (sec-fetch-site: ${String(site).slice(0, 40)})` };
  }
  if (!SAFE_METHODS.has((req.method ?? 'GET').toUpperCase()) && !/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) {
    return { status: 415, error: `${req.method} requests must be sent with content-type: application/json (an empty body too)` };
  }
  return undefined;
}

/** The simulator page is served by this server, so its requests carry exactly http://<Host>. */
function isSameOrigin(origin: string, host: string | undefined): boolean {
  if (!host) return false;
  try {
    const from = new URL(origin);
    return from.protocol === 'http:' && from.host === new URL(`http://${host}`).host && isLoopbackHost(from.host);
  } catch {
    return false; // "null" (sandboxed frames, file: pages) and anything unparsable
  }
}

function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return true;
  const name = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return name === 'localhost' || name === '::1' || /^127\.\d+\.\d+\.\d+$/.test(name);
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
