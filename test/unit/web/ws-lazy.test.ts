import { execFile } from 'node:child_process';
import test from 'ava';

/**
 * In a fresh process (ws is already loaded in this one): a status page behind an HTTP server,
 * started and idle, has not loaded the ws package; the first /ws upgrade loads it and is answered
 * 101. ws is CommonJS, so require.cache shows whether it was loaded.
 */
const script = (statusPage: string, logger: string, fake: string): string => `
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { createRequire } from 'node:module';
const { StatusPage } = await import(${JSON.stringify(statusPage)});
const { silentLogger } = await import(${JSON.stringify(logger)});
const { fakeSource } = await import(${JSON.stringify(fake)});
const wsLoaded = () => Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('/node_modules/ws/'));
const page = new StatusPage({ source: fakeSource().source, logger: silentLogger(), bindHost: '127.0.0.1' });
page.start();
const server = createServer((req, res) => { if (!page.handleHttp(req, res)) res.writeHead(404).end(); });
server.on('upgrade', (req, socket, head) => page.handleUpgrade(req, socket, head));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();
await fetch('http://127.0.0.1:' + port + '/');
const idle = wsLoaded();
const status = await new Promise((resolve, reject) => {
  const socket = connect(port, '127.0.0.1', () => socket.write('GET /ws HTTP/1.1\\r\\nHost: 127.0.0.1:' + port + '\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\\r\\nSec-WebSocket-Version: 13\\r\\n\\r\\n'));
  socket.once('data', (d) => { resolve(String(d).split('\\r\\n')[0]); socket.destroy(); });
  socket.once('error', reject);
});
console.log(JSON.stringify({ idle, status, after: wsLoaded() }));
page.stop();
server.close();
server.closeAllConnections();
`;

test('an idle status page does not load ws; the first /ws upgrade loads it and is answered', async (t) => {
  const url = (path: string): string => new URL(path, import.meta.url).href;
  const code = script(url('../../../src/web/status-page.js'), url('../../../src/util/logger.js'), url('./fake-source.js'));
  const out = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, ['--input-type=module', '-e', code], { timeout: 60_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout))),
  );
  const result = JSON.parse(out.trim()) as { idle: boolean; status: string; after: boolean };
  t.log(result);
  t.false(result.idle, 'ws loaded before any upgrade');
  t.is(result.status, 'HTTP/1.1 101 Switching Protocols');
  t.true(result.after);
});
