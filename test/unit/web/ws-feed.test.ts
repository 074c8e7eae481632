import test from 'ava';
import { WebSocket } from 'ws';
import { waitFor } from '../../integration/harness.js';
import { summary } from './fake-source.js';
import { ask, open, stalledClient } from './ws-client.js';
import { startWebServer } from './web-server.js';

test('Origin: absent or the page\'s own is accepted, another site\'s is refused; only /ws upgrades', async (t) => {
  const { port } = await startWebServer(t);
  await t.notThrowsAsync(open(port));
  await t.notThrowsAsync(open(port, { Origin: `http://127.0.0.1:${port}` }));
  for (const origin of ['http://evil.example', `http://localhost:${port}`, `https://127.0.0.1:${port}`, 'null', `http://127.0.0.1:${port + 1}`]) {
    await t.throwsAsync(open(port, { Origin: origin }), { message: 'refused with 403' }, origin);
  }
  await t.throwsAsync(open(port, { Host: `evil.example:${port}` }), { message: 'refused with 403' });
  await t.throwsAsync(open(port, {}, '/other'), { message: 'refused with 404' });
});

test('read-only ops answer with their id; unknown ops and bad params get a clear error', async (t) => {
  const { port } = await startWebServer(t);
  const c = await open(port);
  const status = await ask(c, { id: 1, op: 'status' });
  t.is((status['result'] as { chain: { height: number } }).chain.height, 5);
  const blocks = await ask(c, { id: 'b', op: 'blocks', start: 3, count: 10 });
  t.deepEqual(blocks['result'], [summary(3), summary(4), summary(5)]);
  const address = await ask(c, { id: 3, op: 'address', address: 'kAddr' });
  t.is((address['result'] as { confirmed: unknown }).confirmed, 0, 'values pass through toJsonSafe (amounts as JSON integers)');
  const unknown = await ask(c, { id: 4, op: 'register' });
  t.deepEqual(unknown['error'], { code: 'unknown-op', message: 'unknown op "register"; the ops are status, peers, pool, blocks, block, tx, address' });
  const tooMany = await ask(c, { id: 5, op: 'blocks', start: 0, count: 101 });
  t.is((tooMany['error'] as { code: string }).code, 'bad-param');
  t.regex((tooMany['error'] as { message: string }).message, /from 1 to 100/);
  const missing = await ask(c, { id: 6, op: 'block', height: 99 });
  t.deepEqual(missing['error'], { code: 'not-found', message: 'there is no such block on this node' });
  const both = await ask(c, { id: 7, op: 'block', height: 1, hash: 'ab' });
  t.is((both['error'] as { code: string }).code, 'bad-param');
  c.ws.send('not json');
  await waitFor('the parse error', async () => c.messages.some((m) => (m['error'] as { code?: string } | undefined)?.code === 'bad-request'), 5_000, 5);
});

test('events are built once per event, whatever the number of clients', async (t) => {
  const { port, fake } = await startWebServer(t);
  const clients = await Promise.all([open(port), open(port), open(port)]);
  fake.emit('block-connected', () => summary(6));
  await waitFor('the event at every client', async () => clients.every((c) => c.messages.length === 1), 5_000, 5);
  t.is(fake.builds(), 1);
  for (const c of clients) t.deepEqual(c.messages[0], { event: 'block-connected', data: summary(6) });
});

test('clients beyond the limit are refused with a close reason', async (t) => {
  const { port, page } = await startWebServer(t, { maxClients: 2 });
  await open(port);
  await open(port);
  const third = await open(port);
  const closed = await third.closed;
  t.is(closed.code, 1013);
  t.regex(closed.reason, /too many status page clients \(2\)/);
  t.is(page.stats.clients, 2);
  t.is(page.stats.refusedFull, 1);
});

test('a message larger than maxPayload closes the connection with 1009', async (t) => {
  const { port } = await startWebServer(t, { maxPayloadBytes: 4096 });
  const c = await open(port);
  const ok = await ask(c, { id: 1, op: 'status', pad: 'x'.repeat(3000) });
  t.truthy(ok['result']);
  c.ws.send(JSON.stringify({ id: 2, op: 'status', pad: 'x'.repeat(5000) }));
  t.is((await c.closed).code, 1009);
});

test('requests over the rate are refused, and a client that keeps on is dropped', async (t) => {
  const { port } = await startWebServer(t, { requestsPerSec: 0.001, requestBurst: 3, maxRefusedInARow: 5 });
  const c = await open(port);
  for (let i = 0; i < 3; i++) t.truthy((await ask(c, { id: i, op: 'status' }))['result']);
  for (let i = 3; i < 20; i++) c.ws.send(JSON.stringify({ id: i, op: 'status' }));
  const closed = await c.closed;
  const answered = c.messages.filter((m) => m['result'] !== undefined).length;
  const refused = c.messages.filter((m) => (m['error'] as { code?: string } | undefined)?.code === 'rate-limited').length;
  t.log(`answered ${answered}, refused ${refused}, then closed ${closed.code} "${closed.reason}"`);
  t.is(answered, 3);
  t.is(refused, 5);
  t.is(closed.code, 1008);
  t.regex(closed.reason, /too many requests/);
});

test('a burst of events is coalesced to the latest, with how many it replaced', async (t) => {
  const { port, fake } = await startWebServer(t, { eventsPerSec: 0.001, eventBurst: 2, eventFlushMs: 50 });
  const c = await open(port);
  for (let h = 1; h <= 10; h++) fake.emit('block-connected', () => summary(h));
  await waitFor('the coalesced event', async () => c.messages.length === 3, 5_000, 5);
  t.deepEqual(c.messages[0], { event: 'block-connected', data: summary(1) });
  t.deepEqual(c.messages[1], { event: 'block-connected', data: summary(2) });
  t.deepEqual(c.messages[2], { event: 'block-connected', data: summary(10), skipped: 7 });
  t.is(fake.builds(), 3, 'the replaced events were never built');
});

test('a client that stops reading is dropped once its unsent data passes the limit; others keep their feed', async (t) => {
  const { port, fake, page } = await startWebServer(t, { maxBufferedBytes: 256 * 1024, eventBurst: 100_000, eventsPerSec: 100_000 });
  const reader = await open(port);
  await stalledClient(port);
  await waitFor('two clients', async () => page.stats.clients === 2, 5_000, 5);
  const big = 'x'.repeat(64 * 1024);
  let sent = 0;
  // The kernel's socket buffers take a few MB first; then the server's own buffer grows to the limit.
  while (page.stats.droppedSlow === 0 && sent < 2_000) {
    fake.emit('tx-accepted', () => ({ txid: String(sent), pad: big }));
    sent++;
    if (sent % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  t.log(`dropped after ${sent} events of 64 KiB (${((sent * 64) / 1024).toFixed(1)} MiB)`);
  t.is(page.stats.droppedSlow, 1);
  t.is(page.stats.clients, 1);
  await waitFor('the reader to get every event', async () => reader.messages.length === sent, 20_000, 10);
  t.is(reader.ws.readyState, WebSocket.OPEN);
});

test('stop closes every client with "going away" and unsubscribes from the node', async (t) => {
  const { port, fake, page } = await startWebServer(t);
  const c = await open(port);
  t.is(fake.listeners(), 1);
  page.stop();
  const closed = await c.closed;
  t.is(closed.code, 1001);
  t.is(fake.listeners(), 0);
});
