// Local API for the nameplate: the last frame the panel got, for the simulator page.
import type { ApiRouter } from '../../core/http-router.ts';
import type { EinkDriver } from './types.ts';

export function registerEinkRoutes(router: ApiRouter, driver: Pick<EinkDriver, 'lastPng' | 'status'>): void {
  router.raw('GET', '/api/nameplate.png', (_req, res) => {
    const png = driver.lastPng();
    if (!png) {
      res.writeHead(404, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ error: 'the nameplate has not been drawn yet', status: driver.status() }));
      return;
    }
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length, 'cache-control': 'no-store' });
    res.end(png);
  });
}
