// The local API never dies of a request, and a browser page elsewhere cannot drive it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { ApiServer } from '../../device/api-server.ts';
import { ApiRouter, HttpError } from '../../core/http-router.ts';
import { memoryLogger } from '../../core/logger.ts';

async function withServer(fn: (port: number) => Promise<void>) {
  const router = new ApiRouter();
  router.route('POST', '/api/echo', (req) => ({ got: req.body }));
  router.route('GET', '/api/thing/:id', (req) => ({ id: req.params.id }));
  router.route('GET', '/api/teapot', () => { throw new HttpError(418, 'short and stout'); });
  router.route('GET', '/api/bug', () => { throw new Error('boom'); });
  const server = new ApiServer({ host: '127.0.0.1', port: 0, router, logger: memoryLogger() });
  const port = await server.start();
  try { await fn(port); } finally { await server.stop(); }
}

function raw(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.end(text));
    let out = '';
    s.on('data', (d) => { out += d.toString(); });
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
}

test('JSON in, JSON out; params decoded; errors carry their status', async () => {
  await withServer(async (port) => {
    const base = `http://127.0.0.1:${port}`;
    const echo = await fetch(`${base}/api/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":"你好"}' });
    assert.deepEqual(await echo.json(), { got: { a: '你好' } });
    assert.deepEqual(await (await fetch(`${base}/api/thing/A%2007`)).json(), { id: 'A 07' });
    assert.equal((await fetch(`${base}/api/thing/%E0%A4%A`)).status, 200, 'a bad escape is kept as it is, not a crash');
    assert.equal((await fetch(`${base}/api/teapot`)).status, 418);
    const bug = await fetch(`${base}/api/bug`);
    assert.equal(bug.status, 500);
    assert.equal((await fetch(`${base}/api/nope`)).status, 404);
    assert.equal((await fetch(`${base}/api/echo`)).status, 405);
    const bad = await fetch(`${base}/api/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /not valid JSON/);
    const big = await fetch(`${base}/api/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ x: 'y'.repeat(300_000) }) });
    assert.equal(big.status, 413);
  });
});

test('a malformed request line is answered, and the server keeps serving', async () => {
  await withServer(async (port) => {
    const answer = await raw(port, 'GET //[ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    assert.match(answer, /^HTTP\/1\.1 400/);
    assert.equal((await fetch(`http://127.0.0.1:${port}/api/thing/1`)).status, 200);
  });
});

test('cross-site requests are refused: foreign Host names and non-JSON POST bodies', async () => {
  await withServer(async (port) => {
    const rebinding = await raw(port, 'GET /api/thing/1 HTTP/1.1\r\nHost: evil.example:8480\r\nConnection: close\r\n\r\n');
    assert.match(rebinding, /^HTTP\/1\.1 403/);
    const form = await fetch(`http://127.0.0.1:${port}/api/echo`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"a":1}' });
    assert.equal(form.status, 415);
    const local = await raw(port, 'GET /api/thing/1 HTTP/1.1\r\nHost: localhost:8480\r\nConnection: close\r\n\r\n');
    assert.match(local, /^HTTP\/1\.1 200/);
  });
});

test('state-changing routes refuse foreign origins and bodies without a JSON content type, empty ones too', async () => {
  const router = new ApiRouter();
  let reloads = 0;
  router.route('POST', '/api/config/reload', () => { reloads++; return { status: 'unchanged' }; });
  router.route('GET', '/api/thing/:id', (req) => ({ id: req.params.id }));
  const server = new ApiServer({ host: '127.0.0.1', port: 0, router, logger: memoryLogger() });
  const port = await server.start();
  try {
    const post = (headers: Record<string, string>, body = '') =>
      raw(port, `POST /api/config/reload HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    // The report: a page on evil.example posts an empty text/plain body (no CORS preflight needed).
    assert.match(await post({ Origin: 'http://evil.example', 'Content-Type': 'text/plain' }), /^HTTP\/1\.1 403/);
    assert.match(await post({ 'Content-Type': 'text/plain' }), /^HTTP\/1\.1 415/, 'an empty text/plain body');
    assert.match(await post({}), /^HTTP\/1\.1 415/, 'an empty body without a content type');
    assert.match(await post({ 'Content-Type': 'application/x-www-form-urlencoded' }, 'a=1'), /^HTTP\/1\.1 415/);
    assert.match(await post({ 'Content-Type': 'multipart/form-data; boundary=x' }, '--x--'), /^HTTP\/1\.1 415/);
    assert.match(await post({ 'Content-Type': 'application/jsonp' }, '{}'), /^HTTP\/1\.1 415/, 'only application/json itself');
    // A JSON content type from a foreign or opaque origin, or a cross-site fetch, is refused too.
    assert.match(await post({ Origin: 'http://evil.example', 'Content-Type': 'application/json' }, '{}'), /^HTTP\/1\.1 403/);
    assert.match(await post({ Origin: 'null', 'Content-Type': 'application/json' }, '{}'), /^HTTP\/1\.1 403/);
    assert.match(await post({ Origin: `http://127.0.0.1:${port + 1}`, 'Content-Type': 'application/json' }, '{}'), /^HTTP\/1\.1 403/, 'another local port is another origin');
    assert.match(await post({ 'Sec-Fetch-Site': 'cross-site', 'Content-Type': 'application/json' }, '{}'), /^HTTP\/1\.1 403/);
    assert.match(await post({ 'Sec-Fetch-Site': 'same-site', 'Content-Type': 'application/json' }, '{}'), /^HTTP\/1\.1 403/);
    const foreignRead = await raw(port, `GET /api/thing/1 HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: http://evil.example\r\nConnection: close\r\n\r\n`);
    assert.match(foreignRead, /^HTTP\/1\.1 403/);
    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      const other = await raw(port, `${method} /api/config/reload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      assert.match(other, /^HTTP\/1\.1 415/, `${method} is state-changing too`);
    }
    assert.equal(reloads, 0, 'none of those reached the handler');
    // The simulator page (same origin), the CLI (no Origin) and an empty JSON POST still work.
    assert.match(await post({ Origin: `http://127.0.0.1:${port}`, 'Sec-Fetch-Site': 'same-origin', 'Content-Type': 'application/json' }, '{}'), /^HTTP\/1\.1 200/);
    assert.match(await post({ 'Content-Type': 'application/json; charset=utf-8' }), /^HTTP\/1\.1 200/);
    assert.match(await post({ 'Content-Type': 'application/json' }, '{}'), /^HTTP\/1\.1 200/);
    assert.equal(reloads, 3);
  } finally {
    await server.stop();
  }
});
