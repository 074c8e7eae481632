/**
 * What a stranger can hold of the RPC / status-page HTTP server (connection-gate.ts): silent or
 * stalled sockets are closed after the idle timeout (Node's requestTimeout leaves them open), a
 * long-running method's socket is not, and clients not on loopback are capped in all and per address.
 */
import test, { type ExecutionContext } from 'ava';
import { type Socket, connect } from 'node:net';
import { WebSocket } from 'ws';
import { RpcServer } from '../../../src/rpc/server.js';
import { silentLogger } from '../../../src/util/logger.js';
import { StatusPage } from '../../../src/web/status-page.js';
import { fakeSource } from '../web/fake-source.js';

const COOKIE = 'ef'.repeat(32);
const AUTH = `Basic ${Buffer.from(`__cookie__:${COOKIE}`).toString('base64')}`;
const IDLE_MS = 300;
/** 127.0.0.1 is a stranger here (the caps exempt loopback), ::1 and the rest of 127/8 stay loopback. */
const REMOTE_127 = (address: string | undefined): boolean => address !== undefined && address !== '127.0.0.1' && address !== '::ffff:127.0.0.1' && (address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.'));

let release: () => void = () => undefined;
const methods = {
  getinfo: () => ({ ok: true }),
  /** Runs until the test releases it: longer than the idle timeout, sending nothing meanwhile. */
  slow: () => new Promise((resolve) => (release = () => resolve({ done: true }))),
};

async function start(t: ExecutionContext, connections: { maxRemote?: number; maxPerAddress?: number } = {}, web?: StatusPage): Promise<number> {
  const server = new RpcServer({ host: '127.0.0.1', port: 0, cookie: COOKIE, methods, logger: silentLogger(), connections: { idleTimeoutMs: IDLE_MS, isLoopback: REMOTE_127, ...connections }, ...(web ? { web } : {}) });
  const { port } = await server.start();
  t.teardown(() => server.stop());
  return port;
}

function open(port: number, localAddress = '127.0.0.1'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress }, () => resolve(socket));
    socket.on('error', reject);
  });
}

const closed = (socket: Socket): Promise<number> => {
  const started = Date.now();
  return new Promise((resolve) => (socket.destroyed ? resolve(0) : socket.once('close', () => resolve(Date.now() - started))));
};
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/** The client sees a refusal when the server's close reaches it: at once on a quiet machine, later on a loaded one (CI). */
async function closedSoon(socket: Socket, timeoutMs = 5_000): Promise<void> {
  await Promise.race([closed(socket), sleep(timeoutMs)]);
}
/** A new socket from `localAddress` that the server keeps; retried while a slot just freed is still counted (the server reads the close on its next turn). */
async function openKept(port: number, localAddress = '127.0.0.1', attempts = 20): Promise<Socket> {
  for (let i = 1; ; i++) {
    const socket = await open(port, localAddress);
    await sleep(100);
    if (!socket.destroyed || i === attempts) return socket;
  }
}

test('a socket that sends nothing, or stops in its request line or headers, is closed after the idle timeout', async (t) => {
  const port = await start(t);
  const silent = await open(port);
  const requestLine = await open(port);
  requestLine.write('POST / HTTP/1.1\r\n');
  const headers = await open(port);
  headers.write(`POST / HTTP/1.1\r\nHost: x\r\nAuthorization: ${AUTH}\r\n`);
  const waits = await Promise.race([Promise.all([closed(silent), closed(requestLine), closed(headers)]), sleep(IDLE_MS * 10).then(() => undefined)]);
  t.truthy(waits, `all three closed within ${IDLE_MS * 10} ms`);
});

test('the socket of a method running longer than the idle timeout is kept, and gets its answer', async (t) => {
  const port = await start(t);
  const answer = fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers: { Authorization: AUTH, 'Content-Type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'slow', params: {} }) });
  await sleep(IDLE_MS * 4);
  release();
  const res = await answer;
  t.is(res.status, 200);
  t.deepEqual(((await res.json()) as { result: unknown }).result, { done: true });
});

test('a /ws client that stays quiet longer than the idle timeout is not cut', async (t) => {
  const page = new StatusPage({ source: fakeSource().source, logger: silentLogger(), bindHost: '127.0.0.1' });
  page.start();
  t.teardown(() => page.stop());
  const port = await start(t, {}, page);
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let wasClosed = false;
  ws.once('close', () => (wasClosed = true));
  await sleep(IDLE_MS * 4);
  t.false(wasClosed);
  ws.close();
});

test('clients not on loopback hold at most maxPerAddress sockets from one address and maxRemote in all; loopback is never capped', async (t) => {
  const port = await start(t, { maxRemote: 5, maxPerAddress: 3 });
  const fromA = await Promise.all([open(port), open(port), open(port), open(port)]);
  await closedSoon(fromA[3]!);
  await sleep(100);
  t.deepEqual(fromA.map((s) => s.destroyed), [false, false, false, true], 'the 4th from one address is closed at once');
  // Another stranger (127.0.0.1 is the only "remote" address here, so the total cap is shown with it closed and reopened).
  fromA[3]!.destroy();
  const more = await Promise.all([open(port, '127.0.0.2'), open(port, '127.0.0.3')]);
  await sleep(100);
  t.true(more.every((s) => !s.destroyed), 'loopback (127.0.0.2, 127.0.0.3) is not counted');
  fromA[0]!.destroy();
  const again = await openKept(port);
  t.false(again.destroyed, 'a slot freed by a close is taken again');
  for (const s of [...fromA, ...more, again]) s.destroy();
});

test('the total cap on strangers holds whatever their addresses', async (t) => {
  // Every address but ::1 and 127.0.0.1's loopback siblings is a stranger: 127.0.0.1 plus maxRemote 2.
  const port = await start(t, { maxRemote: 2, maxPerAddress: 10 });
  const sockets = await Promise.all([open(port), open(port), open(port)]);
  await closedSoon(sockets[2]!);
  await sleep(100);
  t.deepEqual(sockets.map((s) => s.destroyed), [false, false, true]);
  for (const s of sockets) s.destroy();
});
