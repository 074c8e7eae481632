import test from 'ava';
import { type Socket, createServer } from 'node:net';
import { callRpc } from '../../../src/cli/client.js';
import { CliError } from '../../../src/cli/errors.js';

/** A TCP server that answers each connection's first bytes with `reply(socket)`; its port. */
async function rawServer(t: { teardown: (fn: () => unknown) => void }, reply: (socket: Socket, request: string) => void): Promise<number> {
  const server = createServer((socket) => {
    let request = '';
    socket.on('data', (chunk: Buffer) => {
      request += chunk.toString('latin1');
      if (request.includes('\r\n\r\n') && request.endsWith('}')) reply(socket, request);
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => server.close(resolve)));
  return (server.address() as { port: number }).port;
}

const target = (port: number, extra: object = {}): Parameters<typeof callRpc>[0] => ({ host: '127.0.0.1', port, cookie: 'c', cookieFile: '/x/.cookie', startHint: './kadchain start', ...extra });

test('the request: one HTTP/1.1 POST with Host, the cookie as Basic auth and the JSON-RPC body; a Content-Length reply is read', async (t) => {
  let seen = '';
  const port = await rawServer(t, (socket, request) => {
    seen = request;
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, result: { ok: 'é' } });
    socket.end(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  });
  t.deepEqual(await callRpc(target(port), 'getinfo', { a: 1 }, 5_000), { ok: 'é' });
  t.regex(seen, /^POST \/ HTTP\/1\.1\r\n/);
  t.true(seen.includes(`\r\nHost: 127.0.0.1:${port}\r\n`));
  t.true(seen.includes(`\r\nAuthorization: Basic ${Buffer.from('__cookie__:c').toString('base64')}\r\n`));
  t.true(seen.endsWith('\r\n\r\n{"jsonrpc":"2.0","id":1,"method":"getinfo","params":{"a":1}}'));
});

test('a chunked reply, and one delimited by the close, are read whole', async (t) => {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, result: [1, 2, 3] });
  const chunked = await rawServer(t, (socket) => {
    socket.end(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n${body.slice(0, 5)}\r\n${(body.length - 5).toString(16)}\r\n${body.slice(5)}\r\n0\r\n\r\n`);
  });
  t.deepEqual(await callRpc(target(chunked), 'x', {}, 5_000), [1, 2, 3]);
  const closed = await rawServer(t, (socket) => socket.end(`HTTP/1.0 200 OK\r\n\r\n${body}`));
  t.deepEqual(await callRpc(target(closed), 'x', {}, 5_000), [1, 2, 3]);
});

test('a reply past the bound, a server that says nothing, and a non-HTTP answer each fail with one line', async (t) => {
  const big = await rawServer(t, (socket) => socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n${'x'.repeat(5_000)}`));
  const err = await t.throwsAsync(callRpc(target(big, { maxReplyBytes: 1_000 }), 'listunspent', {}, 5_000), { instanceOf: CliError });
  t.is(err?.message, `the node at 127.0.0.1:${big} answered "listunspent" with more than 1000 bytes (is --rpc-host/--rpc-port a kadchain node?)`);
  const silent = await rawServer(t, () => undefined);
  const started = Date.now();
  await t.throwsAsync(callRpc(target(silent), 'mine', {}, 300), { message: `the node at 127.0.0.1:${silent} did not answer "mine" within 0 s` });
  t.log(`a silent server: refused after ${Date.now() - started} ms (timeout 300 ms)`);
  const garbage = await rawServer(t, (socket) => socket.end('SSH-2.0-OpenSSH\r\n'));
  await t.throwsAsync(callRpc(target(garbage), 'getinfo', {}, 5_000), { message: `the node at 127.0.0.1:${garbage} answered HTTP 0 without a JSON-RPC reply` });
});
