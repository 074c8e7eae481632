import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { Chain } from '../../../src/chain/chain.js';
import { checkHeaderBatch, findForkHeight, headersAfterLocator } from '../../../src/p2p/headers.js';
import { OrphanPool } from '../../../src/p2p/orphans.js';
import { BlockHeader } from '../../../src/primitives/block.js';
import { ZERO_HASH } from '../../../src/primitives/hash.js';
import { silentLogger } from '../../../src/util/logger.js';
import { TEST_PARAMS, buildBlock, makeKey } from '../../helpers/fixtures.js';
import { buildChain } from './net-helpers.js';

const miner = makeKey();
const genesis = buildBlock({ miner });
const main = buildChain(genesis, 40, miner, { tag: 'm' }); // heights 1..40
const side = buildChain(main[9], 15, miner, { tag: 's' }); // forks after height 10, heights 11..25

async function chainWith(t: ExecutionContext, blocks: readonly (typeof genesis)[]): Promise<Chain> {
  const dir = await mkdtemp(join(tmpdir(), 'kadchain-headers-'));
  const chain = await Chain.open({ path: dir, params: TEST_PARAMS, logger: silentLogger() });
  t.teardown(async () => {
    await chain.close();
    await rm(dir, { recursive: true, force: true });
  });
  for (const block of blocks) await chain.processBlock(block);
  return chain;
}

test('the fork point is the first locator hash on our active chain', async (t) => {
  const ours = await chainWith(t, [genesis, ...main]);
  const theirs = await chainWith(t, [genesis, ...main.slice(0, 10), ...side]);
  const locator = theirs.getLocator();
  t.is(locator.length > 10, true);
  t.is(findForkHeight(ours, locator), 10);
  const headers = headersAfterLocator(ours, locator);
  t.deepEqual(headers.map((h) => h.height), Array.from({ length: 30 }, (_, i) => 11 + i));
  t.true(headers[0].prevHash.equals(main[9].hash));
  // the other way round our sparse locator (…29, 25, 17, 1, 0) meets their chain below the fork:
  // they serve from just after that point, through their whole side branch
  const back = findForkHeight(theirs, ours.getLocator());
  t.true(back >= 0 && back <= 10);
  const served = headersAfterLocator(theirs, ours.getLocator());
  t.is(served[0].height, back + 1);
  t.deepEqual(served.slice(-15).map((h) => h.hashHex), side.map((b) => b.hash.toString('hex')));
});

test('an empty locator gets the chain from genesis; max and stopHash bound the reply', async (t) => {
  const ours = await chainWith(t, [genesis, ...main]);
  t.is(findForkHeight(ours, []), -1);
  const all = headersAfterLocator(ours, []);
  t.is(all.length, 41);
  t.true(all[0].hash.equals(genesis.hash));
  t.is(headersAfterLocator(ours, [], ZERO_HASH, 5).length, 5);
  t.deepEqual(headersAfterLocator(ours, [genesis.hash], main[2].hash).map((h) => h.height), [1, 2, 3]);
  // a locator of unknown hashes only: treated as "from genesis"
  t.is(headersAfterLocator(ours, [side[14].hash]).length, 41);
  // nothing after our tip
  t.deepEqual(headersAfterLocator(ours, [main[39].hash]), []);
  // an empty chain serves nothing
  t.deepEqual(headersAfterLocator(await chainWith(t, []), []), []);
});

test('header batches must link, meet the PoW target and connect to what we have', (t) => {
  const headers = main.slice(0, 5).map((b) => b.header);
  const knows = (hash: Buffer): boolean => hash.equals(genesis.hash);
  t.deepEqual(checkHeaderBatch(headers, knows, TEST_PARAMS.powBits, false), { ok: true });
  t.deepEqual(checkHeaderBatch([], knows, TEST_PARAMS.powBits, false), { ok: true });
  t.deepEqual(checkHeaderBatch([genesis.header, ...headers], () => false, TEST_PARAMS.powBits, true), { ok: true });
  const gap = checkHeaderBatch([headers[0], headers[2]], knows, TEST_PARAMS.powBits, false);
  t.is(gap.ok ? 'ok' : gap.code, 'bad-headers');
  const unconnected = checkHeaderBatch(headers.slice(1), knows, TEST_PARAMS.powBits, false);
  t.is(unconnected.ok ? 'ok' : unconnected.code, 'unconnected-headers');
  const easier = checkHeaderBatch(headers, knows, 0x2100ffff, false);
  t.is(easier.ok ? 'ok' : easier.code, 'bad-headers', 'bits other than the network difficulty');
  // a header that misses its target
  let bad = headers[0];
  for (let nonce = 0; ; nonce++) {
    bad = new BlockHeader({ ...headers[0], nonce });
    if (bad.hash.readUInt8(0) >= 0x80) break;
  }
  const pow = checkHeaderBatch([bad], knows, TEST_PARAMS.powBits, false);
  t.is(pow.ok ? 'ok' : pow.code, 'bad-headers');
});

test('the orphan pool is bounded in bytes too: the oldest go first, a block larger than the bound is not held', (t) => {
  const [b1, b2, b3, b4] = main;
  const size = b2!.size;
  // Room for two blocks of this size, not three: the count bound (10) is not what stops it.
  const pool = new OrphanPool<string>(10, 60_000, Date.now, 2 * size + Math.floor(size / 2));
  pool.add(b2!, 'p');
  pool.add(b3!, 'p');
  t.is(pool.bytes, b2!.size + b3!.size);
  pool.add(b4!, 'p'); // over the byte bound: the oldest (b2) leaves
  t.false(pool.has(b2!.hash));
  t.true(pool.has(b3!.hash) && pool.has(b4!.hash));
  t.true(pool.bytes <= 2 * size + Math.floor(size / 2));
  t.deepEqual(pool.takeChildren(b2!.hash).map((o) => o.block.height), [3]);
  t.is(pool.bytes, b4!.size);
  const tiny = new OrphanPool<string>(10, 60_000, Date.now, b1!.size - 1);
  tiny.add(b1!, 'q');
  t.is(tiny.size, 0, 'a block larger than the whole bound is not held');
  t.is(tiny.bytes, 0);
});

test('the orphan pool is bounded, expires entries and hands children to their parent', (t) => {
  let now = 0;
  const pool = new OrphanPool<string>(3, 1_000, () => now);
  const [b1, b2, b3, b4] = main;
  pool.add(b2, 'p');
  pool.add(b3, 'p');
  pool.add(b4, 'p');
  t.is(pool.size, 3);
  pool.add(b1, 'q'); // evicts the oldest (b2)
  t.false(pool.has(b2.hash));
  t.deepEqual(pool.takeChildren(b2.hash).map((o) => o.block.height), [3]);
  t.is(pool.size, 2);
  now = 2_000;
  t.deepEqual(pool.takeChildren(genesis.hash), [], 'expired');
  t.is(pool.size, 0);
});
