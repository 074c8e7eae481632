/**
 * Bounded work per message: announcements, requests for data, get-blocks and headers from a
 * raw peer against a real node, each limit crossed and not crossed.
 */
import test from 'ava';
import {
  GET_BLOCKS_BURST,
  MAX_GET_DATA_ITEMS,
  INV_ITEMS_BURST,
  MAX_PEER_REQUESTS_IN_FLIGHT,
  MAX_UNSOLICITED_BLOCKS_QUEUED_PER_PEER,
  MAX_UNCONNECTING_HEADERS_MSGS,
  UNKNOWN_REQUESTS_BURST,
} from '../../../src/p2p/constants.js';
import { MAX_INV_ITEMS, encodeMessageFrame, type InvItem, type WireMessage } from '../../../src/p2p/wire/index.js';
import { ZERO_HASH } from '../../../src/primitives/hash.js';
import { buildBlock, makeKey } from '../../helpers/fixtures.js';
import { startNode, waitFor } from './net-helpers.js';
import { RawPeer } from './raw-peer.js';

const genesis = buildBlock({ miner: makeKey() });
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** `count` distinct tx hashes nobody has, numbered from `from`. */
function unknownTxs(from: number, count: number, tag = 0xab): InvItem[] {
  return Array.from({ length: count }, (_, i) => {
    const hash = Buffer.alloc(32, tag);
    hash.writeUInt32BE(from + i, 0);
    return { type: 'tx' as const, hash };
  });
}

async function readyRaw(t: import('ava').ExecutionContext, node: Awaited<ReturnType<typeof startNode>>, claims: { bestHeight?: number; chainWork?: bigint } = {}): Promise<RawPeer> {
  const raw = await RawPeer.connect(node.net.tcpPort);
  t.teardown(() => raw.destroy());
  const before = node.net.peers().filter((p) => p.ready).length;
  raw.pongChainWork = claims.chainWork ?? 0n;
  raw.sendHandshake({ genesisHash: genesis.hash, ...claims });
  await waitFor(() => node.net.peers().filter((p) => p.ready).length > before, 'the raw peer to be ready');
  return raw;
}

const getDatas = (raw: RawPeer): Extract<WireMessage, { kind: 'get-data' }>[] =>
  raw.received.filter((m): m is Extract<WireMessage, { kind: 'get-data' }> => m.kind === 'get-data');

test('an inv of 50,000 unknown hashes gets a get-data of at most the per-peer in-flight cap; another announcer is not asked for the same', async (t) => {
  const node = await startNode(t, { genesis });
  const a = await readyRaw(t, node);
  const b = await readyRaw(t, node);
  a.send({ kind: 'inv', items: unknownTxs(0, MAX_INV_ITEMS) });
  await a.waitFor('get-data');
  await sleep(200);
  const asked = getDatas(a).flatMap((m) => m.items);
  t.is(asked.length, MAX_PEER_REQUESTS_IN_FLIGHT, 'not the 1.65 MB get-data of old');
  // b announces the first 150: the 100 already asked of a are not asked again
  b.send({ kind: 'inv', items: unknownTxs(0, 150) });
  await b.waitFor('get-data');
  await sleep(100);
  const askedOfB = getDatas(b).flatMap((m) => m.items.map((i) => i.hash.readUInt32BE(0)));
  t.deepEqual(askedOfB, Array.from({ length: 50 }, (_, i) => 100 + i));
  // a answers not-found for 10: 10 more of its announcements are requested
  a.send({ kind: 'not-found', items: asked.slice(0, 10) });
  await waitFor(() => getDatas(a).length >= 2, 'a second get-data to a');
  t.is(getDatas(a)[1]!.items.length, 10);
  t.false(a.closed);
  t.deepEqual(node.net.discouraged(), []);
});

test('announcing faster than the inv rate limit is an inv-flood', async (t) => {
  const node = await startNode(t, { genesis });
  const raw = await readyRaw(t, node);
  const messages = Math.ceil(INV_ITEMS_BURST / MAX_INV_ITEMS) + 1;
  for (let i = 0; i < messages; i++) raw.send({ kind: 'inv', items: unknownTxs(i * MAX_INV_ITEMS, MAX_INV_ITEMS) });
  await raw.waitClosed();
  t.true(node.net.discouraged().some((b) => b.reason.startsWith('inv-flood: ')), JSON.stringify(node.net.discouraged()));
});

test('an inv burst within the limit is fine', async (t) => {
  const node = await startNode(t, { genesis });
  const raw = await readyRaw(t, node);
  const messages = Math.floor(INV_ITEMS_BURST / MAX_INV_ITEMS);
  for (let i = 0; i < messages; i++) raw.send({ kind: 'inv', items: unknownTxs(i * MAX_INV_ITEMS, MAX_INV_ITEMS) });
  await raw.waitFor('get-data', 15_000); // 50,000 items to look at: seconds on a loaded 2-core machine
  await sleep(300);
  t.false(raw.closed);
  t.deepEqual(node.net.discouraged(), []);
});

test('requests for data we do not have are answered not-found up to a limit, then punished', async (t) => {
  const node = await startNode(t, { genesis });
  const raw = await readyRaw(t, node);
  const batch = 500;
  for (let i = 0; i < UNKNOWN_REQUESTS_BURST / batch; i++) raw.send({ kind: 'get-data', items: unknownTxs(i * batch, batch, 0xcd) });
  await waitFor(() => raw.received.filter((m) => m.kind === 'not-found').length === UNKNOWN_REQUESTS_BURST / batch, 'the not-founds');
  t.false(raw.closed, 'the burst is allowed');
  for (let i = 0; i < 3; i++) raw.send({ kind: 'get-data', items: unknownTxs(100_000 + i * batch, batch, 0xcd) });
  await raw.waitClosed();
  t.true(node.net.discouraged().some((b) => b.reason.startsWith('unknown-data-flood: ')), JSON.stringify(node.net.discouraged()));
});

test('a peer that requests blocks and never reads is dropped (not banned) and the node keeps serving others', async (t) => {
  // A peer that reads nothing does not answer pings either: with the helpers' 3 s ping timeout a
  // loaded machine (CI) dropped it for that before its send buffer filled, which is not what this tests.
  const node = await startNode(t, { genesis, config: { peerTimeoutMs: 60_000 } });
  const reasons: string[] = [];
  node.net.on('peer:closed', (_address, reason) => reasons.push(reason));
  const raw = await readyRaw(t, node);
  raw.socket.pause(); // from now on it reads nothing
  const request = { kind: 'get-data' as const, items: Array.from({ length: MAX_GET_DATA_ITEMS }, () => ({ type: 'block' as const, hash: genesis.hash })) };
  for (let i = 0; i < 400 && !raw.closed; i++) {
    raw.send(request);
    if (i % 10 === 0) await sleep(10);
  }
  await waitFor(() => reasons.length > 0, 'the node to drop the non-reader', 10_000);
  t.log(reasons[0]);
  t.regex(reasons[0]!, /^(serve-queue-full|send-buffer-full): /);
  t.deepEqual(node.net.discouraged(), [], 'not reading is not misbehaviour');
  const honest = await readyRaw(t, node);
  honest.send({ kind: 'get-block', by: 'height', height: 0 });
  const reply = await honest.waitFor('block');
  t.true(reply.kind === 'block' && reply.block.hash.equals(genesis.hash));
});

test('get-blocks beyond the per-peer rate are ignored', async (t) => {
  const node = await startNode(t, { genesis });
  const raw = await readyRaw(t, node);
  for (let i = 0; i < GET_BLOCKS_BURST + 30; i++) raw.send({ kind: 'get-blocks', locator: [], stopHash: ZERO_HASH });
  await waitFor(() => raw.received.filter((m) => m.kind === 'headers').length >= GET_BLOCKS_BURST, 'the burst of headers');
  await sleep(300);
  const answered = raw.received.filter((m) => m.kind === 'headers').length;
  t.true(answered >= GET_BLOCKS_BURST && answered <= GET_BLOCKS_BURST + 10, `${answered} answered`);
  t.false(raw.closed);
});

test('headers that connect to nothing are tolerated MAX_UNCONNECTING_HEADERS_MSGS times in a row, then punished', async (t) => {
  const node = await startNode(t, { genesis });
  const raw = await readyRaw(t, node);
  for (let i = 0; i < MAX_UNCONNECTING_HEADERS_MSGS; i++) raw.send({ kind: 'headers', headers: [] });
  await sleep(300);
  t.false(raw.closed);
  raw.send({ kind: 'headers', headers: [] });
  await raw.waitClosed();
  t.true(node.net.discouraged().some((b) => b.reason.startsWith('unconnecting-headers: ')), JSON.stringify(node.net.discouraged()));
});

test('late replies to our own get-blocks never count as unconnecting headers; unasked ones still do, and a connecting one resets the count', async (t) => {
  // Stalls every 100 ms: with a peer that promises more work and does not answer, we ask it again and again.
  const node = await startNode(t, { genesis, config: { syncStallTimeoutMs: 100 } });
  const raw = await readyRaw(t, node, { bestHeight: 50, chainWork: 1n << 100n });
  const asked = (): number => raw.received.filter((m) => m.kind === 'get-blocks').length;
  await waitFor(() => asked() >= MAX_UNCONNECTING_HEADERS_MSGS + 3, 'get-blocks of several stalled syncs', 10_000);
  // The slow peer answers each: the first reply ends the current sync (nothing new), the rest are late.
  let answered = 0;
  for (; answered < asked(); answered++) raw.send({ kind: 'headers', headers: [] });
  await sleep(300);
  for (; answered < asked(); answered++) raw.send({ kind: 'headers', headers: [] }); // asked meanwhile
  await sleep(300);
  t.false(raw.closed, `${answered} late replies`);
  t.deepEqual(node.net.discouraged(), []);
  for (let i = 0; i < MAX_UNCONNECTING_HEADERS_MSGS; i++) raw.send({ kind: 'headers', headers: [] });
  raw.send({ kind: 'headers', headers: [genesis.header] }); // connects: the count starts over
  for (let i = 0; i < MAX_UNCONNECTING_HEADERS_MSGS; i++) raw.send({ kind: 'headers', headers: [] });
  await sleep(300);
  t.false(raw.closed);
  raw.send({ kind: 'headers', headers: [] });
  await raw.waitClosed();
  t.true(node.net.discouraged().some((b) => b.reason.startsWith('unconnecting-headers: ')), JSON.stringify(node.net.discouraged()));
});

test('replies to our get-blocks that never connect are counted: a peer claiming ever new work is punished', async (t) => {
  const node = await startNode(t, { genesis });
  let work = 1n << 100n;
  const raw = await readyRaw(t, node, { bestHeight: 50, chainWork: work });
  // Valid proof of work, but built on a genesis we do not have: it connects to nothing.
  const elsewhere = buildBlock({ parent: buildBlock({ miner: makeKey() }), miner: makeKey() });
  const asked = (): number => raw.received.filter((m) => m.kind === 'get-blocks').length;
  for (let i = 1; i <= MAX_UNCONNECTING_HEADERS_MSGS + 1 && !raw.closed; i++) {
    await waitFor(() => asked() >= i || raw.closed, `get-blocks number ${i}`, 5_000);
    raw.send({ kind: 'headers', headers: [elsewhere.header] });
    work += 1n; // new work, so the node picks it to sync from again
    raw.send({ kind: 'ping', nonce: BigInt(i), bestHeight: 50 + i, chainWork: work });
  }
  await raw.waitClosed();
  t.true(node.net.discouraged().some((b) => b.reason.startsWith('unconnecting-headers: ')), JSON.stringify(node.net.discouraged()));
});

test('blocks sent unasked wait at most MAX_UNSOLICITED_BLOCKS_QUEUED_PER_PEER per peer: a replay flood is dropped, not queued', async (t) => {
  const node = await startNode(t, { genesis });
  const raw = await readyRaw(t, node);
  const FLOOD = 2_000;
  // One write: every frame is read before the chain has answered the first.
  const frame = encodeMessageFrame({ kind: 'block', block: genesis });
  raw.socket.write(Buffer.concat(Array.from({ length: FLOOD }, () => frame)));
  await waitFor(() => (node.net.stats().received.block ?? 0) === FLOOD, 'the node to read the flood', 20_000);
  const { unsolicitedBlocksDropped } = node.net.stats();
  t.log(`${FLOOD} copies of a known block: ${unsolicitedBlocksDropped} dropped, at most ${MAX_UNSOLICITED_BLOCKS_QUEUED_PER_PEER} queued at once`);
  t.true(unsolicitedBlocksDropped > 0);
  t.true(unsolicitedBlocksDropped >= FLOOD - 10 * MAX_UNSOLICITED_BLOCKS_QUEUED_PER_PEER, 'nearly all of a one-write flood is dropped at the bound');
  // Another peer's new block still goes through.
  const other = await readyRaw(t, node);
  const next = buildBlock({ parent: genesis, miner: makeKey() });
  other.send({ kind: 'block', block: next });
  await waitFor(() => node.chain.tip?.hash.equals(next.hash) === true, 'the honest block to connect');
});
