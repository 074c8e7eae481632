/**
 * Reindex rebuilds the chain state from the stored blocks: byte for byte what connecting them
 * wrote, whatever damage the state had; an interrupted reindex continues from its last commit on
 * the next open (with or without the flag); a stored block that breaks a rule is marked invalid
 * and the best branch left is used; a block whose data is missing ends the branch before it.
 */
import test, { type ExecutionContext } from 'ava';
import { cp } from 'node:fs/promises';
import { Chain } from '../../../src/chain/chain.js';
import { connectBlock } from '../../../src/chain/connect.js';
import { REINDEX_CHUNK_BLOCKS, STORE_FORMAT_VERSION } from '../../../src/chain/constants.js';
import { loadTip } from '../../../src/chain/load-tip.js';
import { reindexChain } from '../../../src/chain/reindex.js';
import type { ChainParams } from '../../../src/chain/params.js';
import { ChainStore } from '../../../src/chain/store/store.js';
import { Block } from '../../../src/primitives/block.js';
import { type Logger, silentLogger } from '../../../src/util/logger.js';
import { buildBlockFixture, loadBlockFixture } from '../../bench/block-fixture.js';
import { TEST_PARAMS, buildBlock, makeKey, outpoint, pay, spend } from '../../helpers/fixtures.js';
import { rawBlockData, snapshotState, tempDir } from './setup.js';

/** More than one reindex chunk, so a resume lands inside the branch. */
const BLOCKS = REINDEX_CHUNK_BLOCKS + 60;
const ALL_STATE = ['coins', 'addrs', 'heights', 'undo', 'meta', 'tips'] as const;

async function open(path: string, reindex = false, params: ChainParams = TEST_PARAMS, nowMs?: () => number): Promise<Chain> {
  return Chain.open({ path, params, logger: silentLogger(), verifyThreads: 0, reindex, ...(nowMs ? { nowMs } : {}) });
}

async function fixtureChain(t: ExecutionContext, blocks = BLOCKS): Promise<{ path: string; blocks: Block[] }> {
  const path = await tempDir(t);
  const fixture = buildBlockFixture(blocks, 2);
  const chain = await open(path);
  await loadBlockFixture(chain, fixture.genesis, fixture.blocks);
  await chain.close();
  return { path, blocks: [fixture.genesis, ...fixture.blocks].map((b) => Block.decode(b)) };
}

async function copyOf(t: ExecutionContext, path: string): Promise<string> {
  const dir = await tempDir(t);
  await cp(path, dir, { recursive: true });
  return dir;
}

async function damage(path: string, fn: (store: ChainStore) => void): Promise<void> {
  const store = ChainStore.open(path);
  try {
    store.transaction(() => fn(store));
  } finally {
    await store.close();
  }
}

test('reindex repairs a damaged chain state to exactly what connecting the blocks wrote', async (t) => {
  const { path, blocks } = await fixtureChain(t);
  const reference = await snapshotState(path, ALL_STATE);
  const copy = await copyOf(t, path);
  await damage(copy, (store) => {
    store.removeCoin({ txid: blocks[9]!.transactions[0]!.txid, index: 0 });
    store.putCoin({ txid: Buffer.alloc(32, 1), index: 0 }, { amount: 77n, pubKeyHash: Buffer.alloc(20, 2), height: 3, isCoinbase: false });
    store.removeUndo(blocks[50]!.hash);
    store.removeHeight(20);
  });
  const damaged = await open(copy);
  t.false((await damaged.verifyChain(0)).ok, 'the damage is visible before the reindex');
  await damaged.close();

  const startMs = Date.now();
  const chain = await open(copy, true);
  const elapsedMs = Date.now() - startMs;
  t.is(chain.tip?.height, BLOCKS);
  const result = await chain.verifyChain(0);
  t.true(result.ok, result.failure?.reason);
  await chain.close();
  t.deepEqual(await snapshotState(copy, ALL_STATE), reference, 'coins, address index, heights, undo, tip and tips as before');
  t.log(`reindex of ${BLOCKS + 1} blocks in ${elapsedMs} ms (${Math.round(((BLOCKS + 1) * 1000) / elapsedMs)} blocks/s), digest ${result.actual?.hash.toString('hex')}`);
});

test('an interrupted reindex continues from its last commit on the next open, with or without the flag', async (t) => {
  const { path, blocks } = await fixtureChain(t);
  const reference = await snapshotState(path, ALL_STATE);
  for (const [committed, flag, progressIn] of [
    [0, false, 'reindex-tip'],
    [REINDEX_CHUNK_BLOCKS, false, 'reindex-tip'],
    [REINDEX_CHUNK_BLOCKS, true, 'reindex-tip'],
    [REINDEX_CHUNK_BLOCKS, false, 'tip'],
  ] as const) {
    const copy = await copyOf(t, path);
    // The state a kill -9 leaves: the wipe and marker committed, then `committed` blocks connected
    // chunk by chunk, their progress under 'reindex-tip' (or 'tip', as an earlier build of the reindex kept it).
    await damage(copy, (store) => {
      store.setReindexPending(true);
      store.clearChainState(true);
    });
    await damage(copy, (store) => {
      for (const block of blocks.slice(0, committed)) connectBlock(store, block, TEST_PARAMS);
      if (progressIn === 'reindex-tip' && committed > 0) {
        store.setReindexTip(blocks[committed - 1]!.hash);
        store.removeTipHash();
      }
    });
    const partial = ChainStore.open(copy);
    t.true(partial.reindexPending(), 'the marker stays until the reindex finishes');
    await partial.close();
    const chain = await open(copy, flag);
    t.is(chain.tip?.height, BLOCKS, `continued after ${committed} blocks (flag ${flag}, progress in ${progressIn})`);
    await chain.close();
    t.deepEqual(await snapshotState(copy, ALL_STATE), reference, `after ${committed} blocks (flag ${flag})`);
  }
});

test('a stored block that breaks a rule (tightened since) is marked invalid and the branch ends before it', async (t) => {
  const path = await tempDir(t);
  const miner = makeKey();
  const other = makeKey();
  const chain = await open(path);
  const blocks: Block[] = [buildBlock({ miner })];
  for (let h = 1; h <= 6; h++) {
    // Block 3 spends block 1's reward: fine at maturity 1, premature at maturity 5.
    const txs = h === 3 ? [spend(miner, [outpoint(blocks[1]!.transactions[0]!)], [pay(other, 1000n)])] : [];
    blocks.push(buildBlock({ parent: blocks[h - 1]!, miner, txs }));
  }
  for (const block of blocks) await chain.processBlock(block);
  t.is(chain.tip?.height, 6);
  await chain.close();

  const strict = { ...TEST_PARAMS, coinbaseMaturity: 5 };
  const reindexed = await open(path, true, strict);
  t.is(reindexed.tip?.height, 2, 'the chain ends before the block that breaks the rule');
  t.is(reindexed.getHeader(blocks[3]!.hash), undefined, 'block 3 is marked invalid');
  t.true((await reindexed.verifyChain(0)).ok);
  await reindexed.close();
});

test('reindex uses the best branch whose blocks all have their data, and works on an empty chain', async (t) => {
  const { path, blocks } = await fixtureChain(t, 30);
  await rawBlockData(path, (db) => db.remove(blocks[30]!.hash));
  const chain = await open(path, true);
  t.is(chain.tip?.height, 29);
  t.deepEqual(chain.tip?.hash, blocks[29]!.hash);
  t.true((await chain.verifyChain(0)).ok);
  await chain.close();

  const empty = await open(await tempDir(t), true);
  t.is(empty.tip, undefined);
  await empty.close();
});

test('after reorganisations with side branches stored, verifychain passes and a reindex gives back the same state, candidate tips included', async (t) => {
  const path = await tempDir(t);
  const miner = makeKey();
  const payee = makeKey();
  const chain = await open(path);
  const g = buildBlock({ miner });
  const a1 = buildBlock({ parent: g, miner, extraData: Buffer.from('a') });
  const a2 = buildBlock({ parent: a1, miner, txs: [spend(miner, [outpoint(a1.transactions[0]!)], [pay(payee, 600n), pay(miner, 400n)])], extraData: Buffer.from('a') });
  const a3 = buildBlock({ parent: a2, miner, extraData: Buffer.from('a') });
  // Branch b forks after a1 and spends the same reward differently; it ends heavier.
  const b2 = buildBlock({ parent: a1, miner, txs: [spend(miner, [outpoint(a1.transactions[0]!)], [pay(payee, 100n), pay(miner, 900n)])], extraData: Buffer.from('b') });
  const b3 = buildBlock({ parent: b2, miner, extraData: Buffer.from('b') });
  const b4 = buildBlock({ parent: b3, miner, txs: [spend(payee, [outpoint(b2.transactions[1]!)], [pay(miner, 100n)])], extraData: Buffer.from('b') });
  const c1 = buildBlock({ parent: g, miner, extraData: Buffer.from('c') });
  for (const block of [g, a1, a2, a3, c1, b2, b3, b4]) await chain.processBlock(block);
  t.deepEqual(chain.tip?.hash, b4.hash, 'branch b won');
  const verified = await chain.verifyChain(0);
  t.true(verified.ok, verified.failure?.reason);
  await chain.close();
  const reference = await snapshotState(path, ALL_STATE);

  const reindexed = await open(path, true);
  t.deepEqual(reindexed.tip?.hash, b4.hash);
  t.true((await reindexed.verifyChain(0)).ok);
  await reindexed.close();
  t.deepEqual(await snapshotState(path, ALL_STATE), reference);
});

test('between branches of equal work the reindex keeps the one that was active (first seen), whichever it is', async (t) => {
  const miner = makeKey();
  const g = buildBlock({ miner });
  const x = buildBlock({ parent: g, miner, extraData: Buffer.from('x') });
  const y = buildBlock({ parent: g, miner, extraData: Buffer.from('y') });
  for (const [first, second] of [
    [x, y],
    [y, x],
  ] as const) {
    const path = await tempDir(t);
    const chain = await open(path);
    for (const block of [g, first, second]) await chain.processBlock(block);
    t.deepEqual(chain.tip?.hash, first.hash, 'first seen wins a tie');
    await chain.close();
    const reference = await snapshotState(path, ALL_STATE);
    const reindexed = await open(path, true);
    t.deepEqual(reindexed.tip?.hash, first.hash, 'the reindex keeps it');
    await reindexed.close();
    t.deepEqual(await snapshotState(path, ALL_STATE), reference);
  }
});

test('a chain that refuses to open for a broken tip says to reindex, and the reindex repairs it', async (t) => {
  const { path, blocks } = await fixtureChain(t, 20);
  await damage(path, (store) => store.putTipHash(Buffer.alloc(32, 0xab)));
  await t.throwsAsync(open(path), { code: 'storage-corrupt', message: /tip abab.* is unusable \(its block index entry is missing\); rebuild the chain state from the stored blocks with: cli start --reindex$/ });
  const chain = await open(path, true);
  t.deepEqual(chain.tip?.hash, blocks[20]!.hash);
  t.true((await chain.verifyChain(0)).ok);
  await chain.close();
});

test('a clock behind the blocks during a reindex marks none of them invalid (the future-time rule is not re-checked)', async (t) => {
  const { path, blocks } = await fixtureChain(t, 20);
  const reference = await snapshotState(path, ALL_STATE);
  // A clock a day behind the newest block: every block, genesis included, is "from the future".
  const slowClockMs = (): number => (blocks[0]!.header.timestamp - 86_400) * 1000;
  const chain = await open(path, true, TEST_PARAMS, slowClockMs);
  t.is(chain.tip?.height, 20);
  t.truthy(chain.getHeader(blocks[0]!.hash), 'genesis is still valid');
  await chain.close();
  t.deepEqual(await snapshotState(path, ALL_STATE), reference);
  const later = await open(path);
  t.is(later.tip?.height, 20, 'nothing was marked invalid for a later start with a right clock');
  await later.close();
  t.log(`reindex with the clock 1 day behind genesis: tip ${chain.tip?.height}, invalid 0`);
});

test('a stored block whose data is damaged (undecodable, or another block) is treated as missing: the reindex finishes before it', async (t) => {
  const { path, blocks } = await fixtureChain(t, 20);
  const cases: Array<[string, number, (db: { put(k: Buffer, v: Buffer): void }) => void]> = [
    ['undecodable', 10, (db) => db.put(blocks[10]!.hash, blocks[10]!.encode().subarray(0, 60))],
    ['another block', 12, (db) => db.put(blocks[12]!.hash, blocks[5]!.encode())],
  ];
  for (const [name, at, garble] of cases) {
    const copy = await copyOf(t, path);
    await rawBlockData(copy, garble);
    const chain = await open(copy, true);
    t.is(chain.tip?.height, at - 1, `${name}: the chain ends before the damaged block`);
    t.false(chain.hasBlock(blocks[at]!.hash), `${name}: the damaged data was dropped`);
    t.true((await chain.verifyChain(0)).ok, name);
    await chain.close();
    const store = ChainStore.open(copy);
    t.false(store.reindexPending(), `${name}: the reindex finished`);
    await store.close();
    const again = await open(copy);
    t.is(again.tip?.height, at - 1, `${name}: the next start opens normally`);
    await again.close();
    t.log(`${name} data at height ${at}: reindex finished at tip ${at - 1}, marker off`);
  }
});

test('after a reindex that ends early because a block\'s data is missing, offering that block and the next ones makes the tip advance', async (t) => {
  const { path, blocks } = await fixtureChain(t, 30);
  await rawBlockData(path, (db) => db.remove(blocks[15]!.hash));
  const chain = await open(path, true);
  t.teardown(() => chain.close());
  t.is(chain.tip?.height, 14);
  t.false(chain.hasBlock(blocks[16]!.hash), 'descendants of the gap are forgotten too, so a sync requests them again');
  const statuses: string[] = [];
  for (const block of blocks.slice(15)) statuses.push((await chain.processBlock(block)).status);
  t.is(chain.tip?.height, 30, `the tip advanced past the gap (statuses: ${[...new Set(statuses)].join(', ')})`);
  t.false(statuses.includes('duplicate'));
  t.true((await chain.verifyChain(0)).ok);
  t.log(`gap at height 15: reindex tip 14, after re-offering 16 blocks tip ${chain.tip?.height}`);
});

test('mid-reindex, the database has no tip but keeps height 0 (an older build refuses it: "blocks but no tip"), and the progress has its own key', async (t) => {
  const { path } = await fixtureChain(t);
  const reference = await snapshotState(path, ALL_STATE);
  // A logger that "crashes" the reindex right after its first chunk commit, as a kill -9 would.
  const base = silentLogger();
  const crashing = Object.assign(Object.create(base) as Logger, {
    debug: (_obj: unknown, msg?: string) => {
      if (msg === 'reindex chunk committed') throw new Error('killed after the first chunk');
    },
  });
  const store = ChainStore.open(path);
  await t.throwsAsync(reindexChain({ store, params: TEST_PARAMS, logger: crashing, verifyThreads: 0 }), { message: 'killed after the first chunk' });
  t.true(store.reindexPending());
  t.is(store.getTipHash(), undefined, 'no tip until the final commit');
  t.truthy(store.getHashAtHeight(0), 'height 0 stays indexed');
  t.truthy(store.getHashAtHeight(REINDEX_CHUNK_BLOCKS - 1), 'the first chunk is committed');
  t.truthy(store.getReindexTip(), 'progress under its own key');
  t.is(store.formatVersion(), STORE_FORMAT_VERSION);
  // loadTip is what a33da99 (no marker knowledge) runs at open.
  t.throws(() => loadTip(store), { message: /has blocks but no tip/ });
  await store.close();
  const chain = await open(path);
  t.is(chain.tip?.height, BLOCKS, 'the next start finishes it');
  await chain.close();
  t.deepEqual(await snapshotState(path, ALL_STATE), reference);
  t.log(`killed after ${REINDEX_CHUNK_BLOCKS} of ${BLOCKS + 1} blocks: tip absent, heights[0] kept, resumed to ${BLOCKS}`);
});

test('a database with a newer layout version is refused in one sentence', async (t) => {
  const path = await tempDir(t);
  await damage(path, (store) => store.setFormatVersion(STORE_FORMAT_VERSION + 1));
  await t.throwsAsync(open(path), { code: 'storage-open-failed', message: new RegExp(`has layout version ${STORE_FORMAT_VERSION + 1}, newer than this build reads \\(${STORE_FORMAT_VERSION}\\)`) });
});

test('a format-1 database (empty undo records for blocks that spent nothing) opens as it is and is marked current', async (t) => {
  const path = await tempDir(t);
  await damage(path, (store) => store.setFormatVersion(1));
  const chain = await open(path);
  await chain.close();
  const store = ChainStore.open(path);
  t.is(store.formatVersion(), STORE_FORMAT_VERSION);
  t.true(STORE_FORMAT_VERSION > 1);
  await store.close();
});

test('a wrong genesis pin is refused before the reindex touches anything', async (t) => {
  const { path, blocks } = await fixtureChain(t, 20);
  // A damaged state (what a reindex would repair): it must still be there after the refusal.
  await damage(path, (store) => store.removeCoin({ txid: blocks[9]!.transactions[0]!.txid, index: 0 }));
  const before = await snapshotState(path, ALL_STATE);
  const pinned = { ...TEST_PARAMS, genesisHash: Buffer.alloc(32, 0x42) };
  await t.throwsAsync(open(path, true, pinned), { code: 'genesis-mismatch', message: new RegExp(`starts at genesis ${blocks[0]!.hashHex}, but this node is pinned to genesis (42){32}`) });
  t.deepEqual(await snapshotState(path, ALL_STATE), before, 'no wipe, no marker: the state is as it was');
});

test('a stop asked for during a reindex ends it after the current chunk, logging that it continues on the next start', async (t) => {
  const { path } = await fixtureChain(t);
  const reference = await snapshotState(path, ALL_STATE);
  const aborter = new AbortController();
  const warnings: string[] = [];
  const base = silentLogger();
  const logger = Object.assign(Object.create(base) as Logger, {
    debug: (_obj: unknown, msg?: string) => {
      if (msg === 'reindex chunk committed') aborter.abort(); // SIGINT arrives during the first chunk
    },
    warn: (_obj: unknown, msg?: string) => void warnings.push(msg ?? ''),
  });
  const store = ChainStore.open(path);
  await t.throwsAsync(reindexChain({ store, params: TEST_PARAMS, logger, verifyThreads: 0, signal: aborter.signal }), {
    code: 'reindex-interrupted',
    message: new RegExp(`was interrupted at height ${REINDEX_CHUNK_BLOCKS - 1} of ${BLOCKS}; it continues on the next start$`),
  });
  t.deepEqual(warnings, ['reindex interrupted; it continues from this height on the next start']);
  t.true(store.reindexPending());
  await store.close();
  const chain = await open(path);
  t.is(chain.tip?.height, BLOCKS);
  await chain.close();
  t.deepEqual(await snapshotState(path, ALL_STATE), reference);
});
