/**
 * The /ws bounds that make a request pay for what it costs the node: block reads and decodes
 * charged by size, one request of a client at a time with a bounded queue, no answer built for a
 * client that has not read the last, clients per address, slots kept for loopback, and refusals
 * that do not flood the log.
 */
import { request as httpRequest, Agent } from 'node:http';
import test from 'ava';
import { pino } from 'pino';
import { WebSocket } from 'ws';
import { waitFor } from '../../integration/harness.js';
import { AUTH, startWebServer } from './web-server.js';
import { ask, open, stalledSender } from './ws-client.js';

const errorCode = (m: Record<string, unknown>): string | undefined => (m['error'] as { code?: string } | undefined)?.code;

test('blocks costs by the summaries it must read from the store: a cached page is a plain request', async (t) => {
  const uncached = await startWebServer(t, { requestsPerSec: 0.001, requestBurst: 15 }, { uncachedSummaries: (_start, count) => count });
  const c = await open(uncached.port);
  t.truthy((await ask(c, { id: 1, op: 'blocks', start: 0, count: 100 }))['result'], '1 + 100/10 = 11 units of 15');
  const second = await ask(c, { id: 2, op: 'blocks', start: 0, count: 100 });
  t.is(errorCode(second), 'rate-limited', 'the 4 units left do not pay for 100 more reads');
  t.is(second['op'], 'blocks', 'the refusal names the request it answers');
  t.truthy((await ask(c, { id: 3, op: 'status' }))['result'], 'a plain request still fits');

  const cached = await startWebServer(t, { requestsPerSec: 0.001, requestBurst: 15 }, { uncachedSummaries: () => 0 });
  const d = await open(cached.port);
  for (let i = 0; i < 12; i++) t.truthy((await ask(d, { id: i, op: 'blocks', start: 0, count: 100 }))['result'], `cached page ${i}`);
});

test('block and tx cost by the size of the block they decode; the dearest request still fits a full burst', async (t) => {
  let bytes = 1_000_000;
  const { port } = await startWebServer(t, { requestsPerSec: 0.001, requestBurst: 40 }, { blockBytes: () => bytes, tx: () => ({}) });
  const c = await open(port);
  t.truthy((await ask(c, { id: 1, op: 'block', height: 1 }))['result'], 'a 1 MB block: 21 units of 40');
  t.is(errorCode(await ask(c, { id: 2, op: 'block', height: 2 })), 'rate-limited');
  t.is(errorCode(await ask(c, { id: 3, op: 'tx', txid: 'ab'.repeat(32) })), 'rate-limited', 'a confirmed tx decodes its block: same price');
  t.truthy((await ask(c, { id: 4, op: 'status' }))['result']);

  bytes = 50_000_000;
  const fresh = await open(port);
  t.truthy((await ask(fresh, { id: 1, op: 'block', height: 1 }))['result'], 'a request dearer than the burst is capped at it, not refused forever');
  t.is(errorCode(await ask(fresh, { id: 2, op: 'status' })), 'rate-limited');
});

test('clients not on loopback share one budget besides their own; the owner\'s loopback page is not charged to it', async (t) => {
  const loopback = (a: string | undefined): boolean => a === '127.0.0.1' || a === '::ffff:127.0.0.1';
  const { port } = await startWebServer(t, { requestsPerSec: 0.001, requestBurst: 40, remoteCostPerSec: 0.001, remoteCostBurst: 25 }, { blockBytes: () => 1_000_000 }, { isLoopback: loopback });
  const a = await open(port, {}, '/ws', '127.0.0.2');
  const b = await open(port, {}, '/ws', '127.0.0.3');
  t.truthy((await ask(a, { id: 1, op: 'block', height: 1 }))['result'], '21 of the shared 25');
  t.is(errorCode(await ask(b, { id: 1, op: 'block', height: 1 })), 'rate-limited', 'its own budget is full, the shared one is not');
  t.truthy((await ask(b, { id: 2, op: 'status' }))['result'], 'a plain request still fits both');
  const owner = await open(port);
  t.truthy((await ask(owner, { id: 1, op: 'block', height: 1 }))['result'], 'loopback pays only its own budget');
});

test('an address view costs its coin scan unless it is cached', async (t) => {
  let cached = false;
  const { port } = await startWebServer(t, { requestsPerSec: 0.001, requestBurst: 30 }, { addressCached: () => cached });
  const c = await open(port);
  t.truthy((await ask(c, { id: 1, op: 'address', address: 'kMining' }))['result'], '21 units of 30');
  t.is(errorCode(await ask(c, { id: 2, op: 'address', address: 'kMining' })), 'rate-limited');
  cached = true;
  for (let i = 3; i < 10; i++) t.truthy((await ask(c, { id: i, op: 'address', address: 'kMining' }))['result'], `cached ${i}`);
});

test('a client\'s requests run one at a time, in order; the queue behind them is bounded', async (t) => {
  let running = 0;
  let most = 0;
  const held: Array<() => void> = [];
  const { port } = await startWebServer(
    t,
    { requestBurst: 1_000, maxQueuedRequests: 3 },
    {
      address: async (address) => {
        running++;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => held.push(resolve));
        running--;
        return { address };
      },
    },
  );
  const c = await open(port);
  for (let i = 0; i < 8; i++) c.ws.send(JSON.stringify({ id: i, op: 'address', address: `a${i}` }));
  await waitFor("the requests beyond the queue to be refused", async () => c.messages.length === 4, 5_000, 5);
  t.true(c.messages.every((m) => errorCode(m) === 'rate-limited' && /too many requests waiting \(3\)/.test((m['error'] as { message: string }).message)));
  // Release them one by one: never more than one in the making.
  for (let i = 0; i < 4; i++) {
    await waitFor('the next request to run', async () => held.length > 0, 5_000, 5);
    t.is(held.length, 1, 'one in the making');
    held.shift()!();
  }
  await waitFor('the last answer', async () => c.messages.length === 8, 5_000, 5);
  const answered = c.messages.filter((m) => m['result'] !== undefined).map((m) => m['id']);
  t.log(`answered ${JSON.stringify(answered)}, at most ${most} running at once`);
  t.deepEqual(answered, [0, 1, 2, 3]);
  t.is(most, 1);
});

test('no answer is built for a client that has not read the last one; it is dropped after the wait', async (t) => {
  let builds = 0;
  const big = 'x'.repeat(8 * 1024 * 1024);
  const { port, page } = await startWebServer(
    t,
    { requestBurst: 1_000, maxBufferedBytes: 256 * 1024, drainWaitMs: 1_000, drainPollMs: 10 },
    {
      block: () => {
        builds++;
        return { pad: big };
      },
    },
  );
  const stalled = await stalledSender(port);
  t.teardown(() => stalled.close());
  for (let i = 0; i < 10; i++) stalled.send(JSON.stringify({ id: i, op: 'block', height: 1 }));
  await waitFor('the stalled client to be dropped', async () => page.stats.droppedSlow === 1, 10_000, 10);
  t.log(`${builds} answers of 8 MiB built for a client that read none of 10 asked`);
  t.true(builds <= 3, `built ${builds}`);
  t.is(page.stats.clients, 0);
});

test('a client that reads gets every large answer, each built once it has read the last', async (t) => {
  const big = 'y'.repeat(2 * 1024 * 1024);
  const { port, page } = await startWebServer(t, { requestBurst: 1_000, maxBufferedBytes: 256 * 1024 }, { block: () => ({ pad: big }) });
  const c = await open(port);
  for (let i = 0; i < 6; i++) c.ws.send(JSON.stringify({ id: i, op: 'block', height: 1 }));
  await waitFor('six answers of 2 MiB', async () => c.messages.length === 6, 20_000, 10);
  t.deepEqual(c.messages.map((m) => m['id']), [0, 1, 2, 3, 4, 5]);
  t.is(page.stats.droppedSlow, 0);
});

test('one address holds at most its share of the clients; another address still gets in', async (t) => {
  const { port, page } = await startWebServer(t, { maxClientsPerIp: 2 });
  await open(port);
  await open(port);
  const third = await open(port);
  const closed = await third.closed;
  t.is(closed.code, 1013);
  t.regex(closed.reason, /too many status page clients from your address \(2\)/);
  const other = await open(port, {}, '/ws', '127.0.0.2');
  t.truthy((await ask(other, { id: 1, op: 'status' }))['result']);
  t.is(page.stats.clients, 3);
});

test('a refused client that goes on sending, even a frame over the size limit, is closed without taking the node down', async (t) => {
  const { port, page } = await startWebServer(t, { maxClientsPerIp: 2, maxPayloadBytes: 1024 });
  await open(port);
  await open(port);
  // Refused after the handshake (the per-address cap); its frames still reach ws until the close completes.
  const refused = await stalledSender(port);
  refused.send('x'.repeat(8 * 1024));
  // ws reports the too-big frame as an 'error' on the refused socket: with no listener there, the
  // process died of an uncaught exception (which fails this test).
  await waitFor('the refused client closed', async () => page.stats.refusedFull >= 1, 5_000, 5);
  await new Promise((resolve) => setTimeout(resolve, 200));
  const other = await open(port, {}, '/ws', '127.0.0.2');
  t.truthy((await ask(other, { id: 1, op: 'status' }))['result'], 'the node still answers');
  t.is(page.stats.clients, 3);
  refused.close();
});

test('other hosts cannot take the slots kept for loopback, where the owner\'s browser is', async (t) => {
  const loopback = (a: string | undefined): boolean => a === '127.0.0.1' || a === '::ffff:127.0.0.1';
  const { port, page } = await startWebServer(t, { maxClients: 4, loopbackReservedClients: 2 }, {}, { isLoopback: loopback });
  await open(port, {}, '/ws', '127.0.0.2');
  await open(port, {}, '/ws', '127.0.0.3');
  const refused = await open(port, {}, '/ws', '127.0.0.4');
  const closed = await refused.closed;
  t.is(closed.code, 1013);
  t.regex(closed.reason, /full for other hosts \(2\)/);
  const owner = [await open(port), await open(port)];
  for (const c of owner) t.is(c.ws.readyState, WebSocket.OPEN);
  const fifth = await open(port);
  t.regex((await fifth.closed).reason, /too many status page clients \(4\)/);
  t.is(page.stats.clients, 4);
});

interface Line {
  level: number;
  msg: string;
  alsoRefusedSinceLastWarning?: number;
}
const WARN = 40;
const DEBUG = 20;

function get(port: number, agent: Agent, headers: Record<string, string>, method = 'GET'): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/', method, headers, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(method === 'POST' ? '{"jsonrpc":"2.0","id":1,"method":"getinfo"}' : undefined);
  });
}

test('1,000 refused requests (foreign Host, no cookie) give one warn line each kind; the rest go to debug', async (t) => {
  const lines: Line[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as Line) });
  const { port } = await startWebServer(t, {}, {}, { logger });
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  t.teardown(() => agent.destroy());
  const statuses: number[] = [];
  for (let round = 0; round < 50; round++) {
    statuses.push(...(await Promise.all(Array.from({ length: 20 }, () => get(port, agent, { Host: `evil.example:${port}` })))));
    statuses.push(...(await Promise.all(Array.from({ length: 20 }, () => get(port, agent, { 'Content-Type': 'application/json' }, 'POST')))));
  }
  t.is(statuses.filter((s) => s === 403).length, 1_000);
  t.is(statuses.filter((s) => s === 401).length, 1_000);
  t.is(await get(port, agent, { Authorization: AUTH, 'Content-Type': 'application/json' }, 'POST'), 200, 'the owner still gets in');
  const host = lines.filter((l) => l.msg.includes('foreign Host'));
  const cookie = lines.filter((l) => l.msg.includes('without a valid cookie'));
  const warns = (ls: Line[]): number => ls.filter((l) => l.level === WARN).length;
  t.log(`foreign Host: ${warns(host)} warn, ${host.length - warns(host)} debug; no cookie: ${warns(cookie)} warn, ${cookie.length - warns(cookie)} debug`);
  t.is(warns(host), 1);
  t.is(warns(cookie), 1);
  t.is(host.filter((l) => l.level === DEBUG).length, 999, 'still there at debug');
  t.is(cookie.filter((l) => l.level === DEBUG).length, 999);
});
