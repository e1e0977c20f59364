// A tiny router for the local API (127.0.0.1 only). Handlers get parsed JSON and return JSON;
// throwing an HttpError sets the status. Parts of the service register their own routes.
import type { IncomingMessage, ServerResponse } from 'node:http';

export class HttpError extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}

export interface ApiRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
}

export type ApiHandler = (req: ApiRequest) => Promise<unknown> | unknown;

/** A raw handler writes the response itself (PNG images, the simulator page, event streams). */
export type RawHandler = (req: IncomingMessage, res: ServerResponse, params: Record<string, string>) => void | Promise<void>;

interface Route { method: string; parts: string[]; json?: ApiHandler; raw?: RawHandler }

export class ApiRouter {
  private routes: Route[] = [];

  /** path like /api/fingerprint/:staff — ':name' segments become params. */
  route(method: string, path: string, handler: ApiHandler): void {
    this.routes.push({ method: method.toUpperCase(), parts: path.split('/').filter(Boolean), json: handler });
  }

  raw(method: string, path: string, handler: RawHandler): void {
    this.routes.push({ method: method.toUpperCase(), parts: path.split('/').filter(Boolean), raw: handler });
  }

  match(method: string, path: string): { route: Route; params: Record<string, string> } | { allowed: string[] } | undefined {
    const segs = path.split('/').filter(Boolean);
    const allowed: string[] = [];
    for (const r of this.routes) {
      if (r.parts.length !== segs.length) continue;
      const params: Record<string, string> = {};
      const ok = r.parts.every((p, i) => (p.startsWith(':') ? ((params[p.slice(1)] = safeDecode(segs[i]!)), true) : p === segs[i]));
      if (!ok) continue;
      if (r.method === method.toUpperCase()) return { route: r, params };
      allowed.push(r.method);
    }
    return allowed.length ? { allowed } : undefined;
  }
}

function safeDecode(s: string): string {
  try { return decodeURIComponent(s); } catch { return s; }
}
