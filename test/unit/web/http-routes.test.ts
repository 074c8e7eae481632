import { request } from 'node:http';
import test from 'ava';
import { AUTH, startWebServer } from './web-server.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw request: the path goes out exactly as written (fetch would resolve `..` itself). */
function get(port: number, path: string, headers: Record<string, string> = {}, method = 'GET', body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers: { Host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('GET / serves the page without a cookie, with CSP, nosniff and a revalidating cache', async (t) => {
  const { port } = await startWebServer(t);
  const r = await get(port, '/');
  t.is(r.status, 200);
  t.is(r.headers['content-type'], 'text/html; charset=utf-8');
  const csp = String(r.headers['content-security-policy']);
  t.regex(csp, /default-src 'self'/);
  t.regex(csp, new RegExp(`connect-src 'self' ws://127\\.0\\.0\\.1:${port}`));
  t.regex(csp, /frame-ancestors 'none'/);
  t.is(r.headers['x-content-type-options'], 'nosniff');
  t.is(r.headers['cache-control'], 'no-cache');
  t.regex(r.body, /<title>kadchain node<\/title>/);
  t.notRegex(r.body, /https?:\/\/(?!www\.w3\.org)/, 'no CDN or other outside URL in the page');
  const again = await get(port, '/', { 'If-None-Match': String(r.headers['etag']) });
  t.is(again.status, 304);
  t.is(again.body, '');
  const head = await get(port, '/app.js', {}, 'HEAD');
  t.is(head.status, 200);
  t.is(head.headers['content-type'], 'text/javascript; charset=utf-8');
  t.true(Number(head.headers['content-length']) > 0);
  t.is(head.body, '');
});

test('the chart library is served from the uplot package', async (t) => {
  const { port } = await startWebServer(t);
  const js = await get(port, '/vendor/uPlot.iife.min.js');
  t.is(js.status, 200);
  t.is(js.headers['content-type'], 'text/javascript; charset=utf-8');
  t.regex(js.body, /uPlot/);
  const css = await get(port, '/vendor/uPlot.min.css');
  t.is(css.status, 200);
  t.is(css.headers['content-type'], 'text/css; charset=utf-8');
});

test('only the allow-listed paths are served: unknown paths and traversal attempts are 404', async (t) => {
  const { port } = await startWebServer(t);
  const paths = ['/nope', '/../package.json', '/%2e%2e/package.json', '/vendor/../../package.json', '/vendor/uPlot.cjs.js', '/public/app.js', '/src/web/status-page.ts', '//etc/passwd', '/app.js/..', '/..%2f..%2fpackage.json', '/index.html%00.js', '/.cookie'];
  for (const path of paths) {
    const r = await get(port, path);
    t.is(r.status, 404, path);
    t.notRegex(r.body, /"name": "kadchain"|cookie/, path);
  }
  t.is((await get(port, '/app.js?v=1')).status, 200, 'a query string does not change the path');
});

test('a Host header that does not name this server is refused (DNS rebinding)', async (t) => {
  const { port } = await startWebServer(t);
  for (const host of ['evil.example', `evil.example:${port}`, `127.0.0.1:${port + 1}`, '127.0.0.1', `127.0.0.1.evil.example:${port}`, `localhost.:${port}`, `user@127.0.0.1:${port}`]) {
    const r = await get(port, '/', { Host: host });
    t.is(r.status, 403, `Host: ${host}`);
  }
  for (const host of [`localhost:${port}`, `LOCALHOST:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) {
    t.is((await get(port, '/', { Host: host })).status, 200, `Host: ${host}`);
  }
});

test('every POST is JSON-RPC and still needs the cookie; other methods do too', async (t) => {
  const { port } = await startWebServer(t);
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getinfo', params: {} });
  t.is((await get(port, '/', { 'Content-Type': 'application/json' }, 'POST', body)).status, 401);
  t.is((await get(port, '/ws', {}, 'POST', body)).status, 401);
  t.is((await get(port, '/index.html', {}, 'PUT', body)).status, 401);
  const ok = await get(port, '/', { 'Content-Type': 'application/json', Authorization: AUTH }, 'POST', body);
  t.is(ok.status, 200);
  t.deepEqual(JSON.parse(ok.body), { jsonrpc: '2.0', id: 1, result: { ok: true } });
});

test('GET /ws without an upgrade says to use a WebSocket', async (t) => {
  const { port } = await startWebServer(t);
  const r = await get(port, '/ws');
  t.is(r.status, 426);
  t.regex(r.body, /WebSocket/);
});
