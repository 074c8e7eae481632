/**
 * Header sync applies the chain's timestamp rules to headers before any body is fetched: a header
 * more than maxFutureBlockTimeSec ahead of our clock is not acceptable yet (Core's time-too-new:
 * no penalty, the headers before it are used, none after it), one not after the median time of
 * its previous blocks is invalid (Core's time-too-old: the sender is punished). Before, a heavier
 * branch of future-dated blocks cost a download window before its first block was refused.
 */
import test from 'ava';
import { MEDIAN_TIME_SPAN_BLOCKS } from '../../../src/chain/constants.js';
import { checkHeaderTimes } from '../../../src/p2p/headers.js';
import { HeaderTrail } from '../../../src/p2p/sync-header-trail.js';
import type { Block } from '../../../src/primitives/block.js';
import { encodeMessageFrame } from '../../../src/p2p/wire/index.js';
import { silentLogger } from '../../../src/util/logger.js';
import { TEST_PARAMS, buildBlock, makeKey } from '../../helpers/fixtures.js';
import { buildChain, startNode, waitFor } from './net-helpers.js';
import { RawPeer } from './raw-peer.js';
import { serveChain } from './serve-chain.js';

const owner = makeKey();
const genesis = buildBlock({ miner: owner });
const ours = buildChain(genesis, 20, owner);
const nowSec = (): number => Math.floor(Date.now() / 1000);
const FUTURE_SEC = TEST_PARAMS.maxFutureBlockTimeSec + 3600;

/** `count` blocks after `parent`; `timeAt(i, parentTime)` gives each one's timestamp. */
function branch(parent: Block, count: number, timeAt: (i: number, parentTime: number) => number): Block[] {
  const blocks: Block[] = [];
  let prev = parent;
  for (let i = 0; i < count; i++) {
    prev = buildBlock({ parent: prev, miner: owner, timestamp: timeAt(i, prev.header.timestamp), extraData: Buffer.from(`t${i}`) });
    blocks.push(prev);
  }
  return blocks;
}

const ctx = (ancestorTimes: number[]): Parameters<typeof checkHeaderTimes>[1] => ({ ancestorTimes, nowSec: nowSec(), maxFutureBlockTimeSec: TEST_PARAMS.maxFutureBlockTimeSec });

test('checkHeaderTimes: the median of the previous blocks, across the batch start, and the future limit', (t) => {
  const good = branch(genesis, 15, (_i, parent) => parent + 1).map((b) => b.header);
  t.deepEqual(checkHeaderTimes(good, ctx([genesis.header.timestamp])), { ok: true });
  // Header 12 of the batch equals the median of the 11 before it (times rise by one, so the median is 5 back).
  const stale = branch(genesis, 15, (i, parent) => (i === 12 ? parent - 5 : parent + 1)).map((b) => b.header);
  const old = checkHeaderTimes(stale, ctx([genesis.header.timestamp]));
  t.like(old, { ok: false, code: 'bad-headers' });
  t.true(!old.ok && old.reason.includes(`height 13`), JSON.stringify(old));
  // One second later it is after the median: fine.
  const late = branch(genesis, 15, (i, parent) => (i === 12 ? parent - 4 : parent + 1)).map((b) => b.header);
  t.deepEqual(checkHeaderTimes(late, ctx([genesis.header.timestamp])), { ok: true });
  // The first header is checked against the ancestors given.
  const first = good[0];
  const ancestors = Array.from({ length: MEDIAN_TIME_SPAN_BLOCKS }, (_, i) => first.timestamp - 5 + i);
  t.like(checkHeaderTimes([first], ctx(ancestors)), { ok: false, code: 'bad-headers' });
  // Future: the index of the first too-new header, whatever follows.
  const future = branch(genesis, 6, (i, parent) => (i === 3 ? nowSec() + FUTURE_SEC : parent + 1)).map((b) => b.header);
  t.like(checkHeaderTimes(future, ctx([genesis.header.timestamp])), { ok: false, code: 'time-too-new', usable: 3 });
  const edge = branch(genesis, 1, () => nowSec() + TEST_PARAMS.maxFutureBlockTimeSec - 5).map((b) => b.header);
  t.deepEqual(checkHeaderTimes(edge, ctx([genesis.header.timestamp])), { ok: true }, 'within the allowed drift');
});

test('the trail carries the median time past from one batch into the next (parents not in the chain yet)', (t) => {
  const blocks = branch(genesis, 30, (i, parent) => (i === 20 ? parent - 5 : parent + 1));
  const chain = {
    hasBlock: (hash: Buffer) => hash.equals(genesis.hash),
    getHeader: (hash: Buffer) => (hash.equals(genesis.hash) ? genesis.header : undefined),
    getLocator: () => [genesis.hash],
    params: TEST_PARAMS,
    tip: { height: 0 },
  } as unknown as ConstructorParameters<typeof HeaderTrail>[0];
  const trail = new HeaderTrail(chain, undefined, silentLogger());
  const batch1 = blocks.slice(0, 20).map((b) => b.header);
  t.deepEqual(trail.check(batch1), { ok: true });
  trail.accept(batch1, batch1);
  // Alone, the second batch's first header (time = parent - 5) has no ancestors to break; after batch 1 it does.
  const batch2 = blocks.slice(20).map((b) => b.header);
  t.like(trail.check(batch2), { ok: false, code: 'bad-headers' });
});

/** A raw peer serving `heavy` (25 blocks on genesis) that claims more work than our 20 blocks: its handshake starts a sync. */
async function heavierSource(t: { teardown(fn: () => void): void }, port: number, heavy: readonly Block[]): Promise<RawPeer> {
  const raw = await RawPeer.connect(port);
  t.teardown(() => raw.destroy());
  raw.pongChainWork = 26n;
  raw.pongBestHeight = 25;
  serveChain(raw, [genesis, ...heavy]);
  raw.sendHandshake({ genesisHash: genesis.hash, bestHeight: 25, chainWork: 1n << 100n });
  return raw;
}

test('a heavier branch whose last headers are future-dated: the blocks before them are fetched, none after, and no penalty', async (t) => {
  // Heights 1..21 ordinary (heavier than our 20 from 21 on), 22..25 three hours ahead of our clock.
  const heavy = branch(genesis, 25, (i, parent) => (i >= 21 ? nowSec() + FUTURE_SEC + i : parent + 1));
  const node = await startNode(t, { genesis, blocks: ours });
  const raw = await heavierSource(t, node.net.tcpPort, heavy);
  await waitFor(() => node.chain.tip?.hash.equals(heavy[20].hash) === true, 'the node to take the branch up to its last acceptable block');
  await waitFor(() => !node.net.syncStatus().syncing, 'the sync to end');
  const requested = new Set<string>();
  for (const m of raw.received) if (m.kind === 'get-data') for (const i of m.items) requested.add(i.hash.toString('hex'));
  const futureAsked = heavy.slice(21).filter((b) => requested.has(b.hash.toString('hex'))).map((b) => b.height);
  t.log(`bodies asked for: ${requested.size}, future-dated among them: [${futureAsked.join(', ')}]`);
  t.deepEqual(futureAsked, [], 'no body of a future-dated header asked for');
  t.is(node.chain.tip?.height, 21);
  t.false(raw.closed, 'not disconnected');
  t.false(node.net.isDiscouraged('127.0.0.1'), 'time-too-new costs the sender nothing');
});

test('headers breaking the median-time-past rule: no body fetched, the sender is discouraged', async (t) => {
  const heavy = branch(genesis, 25, (i, parent) => (i === 15 ? parent - 20 : parent + 1));
  const node = await startNode(t, { genesis, blocks: ours });
  const raw = await heavierSource(t, node.net.tcpPort, heavy);
  await waitFor(() => node.net.isDiscouraged('127.0.0.1'), 'the sender to be discouraged');
  t.false(raw.has('get-data'), 'no body of the branch asked for');
  t.is(node.chain.tip?.height, 20);
});

test('a source whose next header is future-dated is not synced from again for a while, whatever it claims, and not punished', async (t) => {
  const node = await startNode(t, { genesis });
  const future = branch(genesis, 1, () => nowSec() + FUTURE_SEC)[0]!;
  const raw = await RawPeer.connect(node.net.tcpPort);
  t.teardown(() => raw.destroy());
  let work = 1n << 100n;
  raw.pongChainWork = work;
  raw.pongBestHeight = 1_000;
  let asked = 0;
  raw.onMessage = (msg) => {
    if (msg.kind !== 'get-blocks') return;
    asked++;
    work += 1n;
    raw.pongChainWork = work;
    // One write: the future header ends the sync, and a new claim arrives before the next choice (as sync-fruitless.test.ts's liar).
    raw.socket.write(Buffer.concat([encodeMessageFrame({ kind: 'headers', headers: [future.header] }), encodeMessageFrame({ kind: 'ping', nonce: BigInt(asked), bestHeight: 1_000, chainWork: work })]));
  };
  raw.sendHandshake({ genesisHash: genesis.hash, bestHeight: 1_000, chainWork: work });
  await raw.waitFor('get-blocks');
  await waitFor(() => !node.net.syncStatus().syncing, 'the sync to end');
  await new Promise((resolve) => setTimeout(resolve, 500)); // pings with ever more work keep coming (pingIntervalMs 200)
  t.log(`get-blocks sent in 500 ms after the future header: ${asked - 1}`);
  t.is(asked, 1, 'not synced from again');
  t.false(raw.closed);
  t.deepEqual(node.net.discouraged(), []);
  t.false(raw.has('get-data'));
});
