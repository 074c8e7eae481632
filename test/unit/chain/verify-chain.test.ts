/**
 * verifychain against a real chain in LMDB: a healthy chain passes with equal digests; each kind
 * of damage written directly into the store (a coin added, removed or altered; undo data missing
 * or wrong; block data missing, garbled or swapped; index and height entries) is reported as the
 * first problem, in one sentence naming where.
 */
import test, { type ExecutionContext } from 'ava';
import { open } from 'lmdb';
import { Chain } from '../../../src/chain/chain.js';
import { CHECK_SLICE_MS } from '../../../src/chain/constants.js';
import { connectBlock } from '../../../src/chain/connect.js';
import { utxoSetInfo } from '../../../src/chain/utxo-digest.js';
import { encodeUndo, heightKey } from '../../../src/chain/store/codecs.js';
import { ChainStore, type StoreDbName } from '../../../src/chain/store/store.js';
import { type VerifyChainResult, verifyChain } from '../../../src/chain/verify-chain.js';
import { Block } from '../../../src/primitives/block.js';
import { silentLogger } from '../../../src/util/logger.js';
import { buildBlockFixture, loadBlockFixture } from '../../bench/block-fixture.js';
import { TEST_PARAMS } from '../../helpers/fixtures.js';
import { rawBlockData, tempDir } from './setup.js';

const BLOCKS = 40;
const TXS_PER_BLOCK = 2;

interface Loaded {
  path: string;
  blocks: Block[];
}

/** A chain of BLOCKS blocks with transactions, written and closed. */
async function loadedChain(t: ExecutionContext, blocks = BLOCKS): Promise<Loaded> {
  const path = await tempDir(t);
  const fixture = buildBlockFixture(blocks, TXS_PER_BLOCK);
  const chain = await Chain.open({ path, params: TEST_PARAMS, logger: silentLogger(), verifyThreads: 0 });
  await loadBlockFixture(chain, fixture.genesis, fixture.blocks);
  await chain.close();
  return { path, blocks: [fixture.genesis, ...fixture.blocks].map((b) => Block.decode(b)) };
}

async function verifyAt(path: string, depth = 0): Promise<VerifyChainResult> {
  const store = ChainStore.open(path);
  const snapshot = store.snapshot();
  try {
    return await verifyChain(snapshot, { params: TEST_PARAMS, depth });
  } finally {
    snapshot.done();
    await store.close();
  }
}

async function withStore(path: string, fn: (store: ChainStore) => void): Promise<void> {
  const store = ChainStore.open(path);
  try {
    store.transaction(() => fn(store));
  } finally {
    await store.close();
  }
}

/** Raw writes below ChainStore's API (bytes it would never write itself). */
async function raw(path: string, name: StoreDbName, fn: (db: { put(k: Buffer, v: Buffer): void; remove(k: Buffer): void }) => void): Promise<void> {
  const env = open({ path, maxDbs: 16 });
  const db = env.openDB<Buffer, Buffer>({ name, keyEncoding: 'binary', encoding: 'binary' });
  env.transactionSync(() => fn({ put: (k, v) => db.putSync(k, v), remove: (k) => db.removeSync(k) }));
  await env.close();
}

test('a healthy chain passes: the replay from genesis and the stored UTXO set have the same digest', async (t) => {
  const { path } = await loadedChain(t);
  const result = await verifyAt(path, 0);
  t.true(result.ok, result.failure?.reason);
  t.is(result.height, BLOCKS);
  t.is(result.replayedBlocks, BLOCKS + 1);
  t.is(result.checkedBlocks, BLOCKS + 1);
  t.deepEqual(result.expected, result.actual);
  t.is(result.actual?.txouts, BLOCKS + 2 * TXS_PER_BLOCK, 'one reward per block (genesis paid the pairs) and the last block\'s outputs');
  const shallow = await verifyAt(path, 10);
  t.true(shallow.ok);
  t.is(shallow.checkedBlocks, 10);
  t.is(shallow.replayedBlocks, BLOCKS + 1);
  t.log(`verified ${result.replayedBlocks} blocks in ${result.elapsedMs} ms, digest ${result.actual?.hash.toString('hex')}`);
});

test('a corrupted UTXO set is reported: a coin added, removed or altered', async (t) => {
  const { path, blocks } = await loadedChain(t);
  const reward = { txid: blocks[7]!.transactions[0]!.txid, index: 0 };
  const cases: Array<[string, (store: ChainStore) => void, RegExp]> = [
    ['added', (s) => s.putCoin({ txid: Buffer.alloc(32, 0x5a), index: 3 }, { amount: 5n, pubKeyHash: Buffer.alloc(20, 1), height: 2, isCoinbase: false }), /holds coin 5a5a.*:3, which the blocks never created or already spent/],
    ['removed', (s) => void s.removeCoin(reward), new RegExp(`coin ${reward.txid.toString('hex')}:0 is missing from the stored UTXO set`)],
    ['altered', (s) => {
      const coin = s.removeCoin(reward)!;
      s.putCoin(reward, { ...coin, amount: coin.amount + 1n });
    }, /differs from the one its block created/],
  ];
  for (const [name, damage, reason] of cases) {
    const copy = await loadedChainCopy(t, path);
    await withStore(copy, damage);
    const result = await verifyAt(copy, 6);
    t.false(result.ok, name);
    t.regex(result.failure?.reason ?? '', reason, name);
    t.notDeepEqual(result.expected?.hash, result.actual?.hash, `${name}: the digests differ`);
  }
});

test('missing or wrong undo data, and missing, garbled or swapped block data, are reported at their height', async (t) => {
  const { path, blocks } = await loadedChain(t);
  const at = 30;
  const hash = blocks[at]!.hash;
  const cases: Array<[string, (copy: string) => Promise<void>, RegExp]> = [
    ['undo missing', (p) => withStore(p, (s) => s.removeUndo(hash)), new RegExp(`undo data of block ${hash.toString('hex')} at height ${at} is missing`)],
    // An empty record, not no record: putUndo writes none for a block that spent nothing.
    ['undo wrong', (p) => raw(p, 'undo', (db) => db.put(hash, encodeUndo([]))), /undo data of block .* at height 30 does not match the 4 coin\(s\) the block spent/],
    ['block missing', (p) => rawBlockData(p, (db) => db.remove(hash)), /the data of block .* at height 30 is missing/],
    ['block garbled', (p) => rawBlockData(p, (db) => db.put(hash, blocks[at]!.encode().subarray(0, 50))), /stored data of block .* at height 30 does not decode/],
    ['block swapped', (p) => rawBlockData(p, (db) => db.put(hash, blocks[at - 1]!.encode())), new RegExp(`stored for block .* at height 30 is block ${blocks[at - 1]!.hashHex}`)],
    ['index missing', (p) => raw(p, 'index', (db) => db.remove(hash)), /block index has no entry for block .* at height 30/],
    ['height missing', (p) => raw(p, 'heights', (db) => db.remove(heightKey(at))), /height index has no block at height 30, below the tip/],
  ];
  for (const [name, damage, reason] of cases) {
    const copy = await loadedChainCopy(t, path);
    await damage(copy);
    const result = await verifyAt(copy, 0);
    t.false(result.ok, name);
    t.regex(result.failure?.reason ?? '', reason, name);
    t.is(result.failure?.height, at, name);
    t.is(result.expected, undefined, `${name}: stops at the first problem`);
  }
});

test('a damaged address index (what balances are read from) is reported', async (t) => {
  const { path, blocks } = await loadedChain(t);
  const reward = blocks[12]!.transactions[0]!;
  const coinKey = Buffer.concat([reward.txid, Buffer.from([0, 0, 0, 0])]);
  const owner = reward.outputs[0]!.pubKeyHash;
  const height = heightKey(blocks[12]!.height);
  const cases: Array<[string, (db: { put(k: Buffer, v: Buffer): void; remove(k: Buffer): void }) => void, RegExp]> = [
    ['entry missing', (db) => db.remove(Buffer.concat([owner, height, coinKey])), new RegExp(`address index holds ${BLOCKS + 2 * TXS_PER_BLOCK - 1} entries for ${BLOCKS + 2 * TXS_PER_BLOCK} coins`)],
    ['wrong owner', (db) => db.put(Buffer.concat([Buffer.alloc(20, 0x99), height, coinKey]), Buffer.alloc(0)), /address index lists coin .*:0 of height 12 for owner (99){20}, which the UTXO set does not give it/],
    ['wrong height', (db) => db.put(Buffer.concat([owner, heightKey(13), coinKey]), Buffer.alloc(0)), /address index lists coin .*:0 of height 13 for owner [0-9a-f]{40}, which the UTXO set does not give it/],
  ];
  for (const [name, damage, reason] of cases) {
    const copy = await loadedChainCopy(t, path);
    await raw(copy, 'addrs', damage);
    const result = await verifyAt(copy, 1);
    t.false(result.ok, name);
    t.regex(result.failure?.reason ?? '', reason, name);
    t.deepEqual(result.expected?.hash, result.actual?.hash, `${name}: the coins themselves are intact`);
  }
});

test('depth decides which blocks get the full checks: a wrong chain work deep down is found only by a deep check', async (t) => {
  const { path, blocks } = await loadedChain(t);
  const store = ChainStore.open(path);
  const entry = store.getIndex(blocks[5]!.hash)!;
  await store.close();
  await withStore(path, (s) => s.transaction(() => s.putIndex({ ...entry, chainWork: entry.chainWork + 1n })));
  t.true((await verifyAt(path, 10)).ok, 'the last 10 blocks are fine');
  const deep = await verifyAt(path, 0);
  t.false(deep.ok);
  t.regex(deep.failure?.reason ?? '', /index entry of block .* at height 5 records chain work/);
});

test('Chain.verifyChain reads one snapshot while blocks keep being connected, and close() stops it cleanly', async (t) => {
  const path = await tempDir(t);
  const fixture = buildBlockFixture(120, TXS_PER_BLOCK);
  const chain = await Chain.open({ path, params: TEST_PARAMS, logger: silentLogger(), verifyThreads: 0 });
  await loadBlockFixture(chain, fixture.genesis, fixture.blocks.slice(0, 60));
  const running = chain.verifyChain(0);
  for (const bytes of fixture.blocks.slice(60)) await chain.processBlock(Block.decode(bytes));
  const result = await running;
  t.true(result.ok, result.failure?.reason);
  t.is(result.height, 60, 'the snapshot taken at the call');
  t.is(chain.tip?.height, 120);
  t.true((await chain.verifyChain(0)).ok);
  const info = await chain.utxoSetInfo();
  t.is(info.height, 120);

  // close() called while a check runs (from its progress callback, so certainly mid-run): the
  // check stops at its next pause with storage-closed, and close() waits for it.
  let closing: Promise<void> | undefined;
  const late = chain.verifyChain(0, () => {
    closing ??= chain.close();
  });
  const outcome = await late.then(
    (r) => (r.ok ? 'finished' : 'failed'),
    (err: { code?: string }) => err.code,
  );
  t.truthy(closing, 'close() was called during the check');
  await closing;
  t.is(outcome, 'storage-closed', 'a check running at close ends cleanly, stopped');
  await t.throwsAsync(() => chain.verifyChain(0), { message: /is closed/ });
});

test('verifychain yields to the event loop between slices of work, even with signatures checked inline', async (t) => {
  const { path } = await loadedChain(t, 150);
  const store = ChainStore.open(path);
  const snapshot = store.snapshot();
  t.teardown(async () => {
    snapshot.done();
    await store.close();
  });
  // Event-loop turns counted by a setImmediate chain: a check that never yielded would leave it at 0.
  let turns = 0;
  let counting = true;
  const count = (): void => {
    turns++;
    if (counting) setImmediate(count);
  };
  setImmediate(count);
  // sliceMs 0: a yield after every block, whatever the machine's speed.
  const result = await verifyChain(snapshot, { params: TEST_PARAMS, depth: 0, sliceMs: 0 });
  counting = false;
  t.true(result.ok);
  t.true(turns >= result.replayedBlocks, `${turns} event-loop turns during a replay of ${result.replayedBlocks} blocks`);
  const slices: number[] = [];
  const timed = await verifyChain(snapshot, { params: TEST_PARAMS, depth: 0, onProgress: (height) => void slices.push(height) });
  t.true(timed.ok);
  t.is(slices.at(-1), 150, 'progress ends at the tip');
  t.log(`${result.replayedBlocks} blocks, ${turns} event-loop turns with a yield per block; ${slices.length} progress report(s) at the default ${CHECK_SLICE_MS} ms slices in ${timed.elapsedMs} ms`);
});

test('a half-finished reindex fails verifychain and gettxoutsetinfo, though the partial state is consistent with itself', async (t) => {
  const { path, blocks } = await loadedChain(t, 20);
  // What a kill -9 leaves mid-reindex: the marker, and a state rebuilt up to block 10 (which alone would pass).
  await withStore(path, (store) => {
    store.setReindexPending(true);
    store.clearChainState();
  });
  await withStore(path, (store) => {
    for (const block of blocks.slice(0, 11)) connectBlock(store, block, TEST_PARAMS);
  });
  const result = await verifyAt(path, 0);
  t.false(result.ok);
  t.is(result.failure?.reason, 'a reindex has not finished; start the node to complete it');
  const store = ChainStore.open(path);
  const snapshot = store.snapshot();
  try {
    await t.throwsAsync(utxoSetInfo(snapshot), { code: 'reindex-pending', message: /a reindex has not finished; start the node to complete it$/ });
  } finally {
    snapshot.done();
    await store.close();
  }
  t.log(`partial state at height ${result.height}: ok ${result.ok}, reason "${result.failure?.reason}"`);
});

test('one verifychain and one gettxoutsetinfo at a time: a second call is refused with check-busy until the first ends', async (t) => {
  const { path } = await loadedChain(t, 20);
  const chain = await Chain.open({ path, params: TEST_PARAMS, logger: silentLogger(), verifyThreads: 0 });
  t.teardown(() => chain.close());
  // All four calls before any await: the first of each kind is certainly still running.
  const first = chain.verifyChain(0);
  const info = chain.utxoSetInfo();
  const secondVerify = chain.verifyChain(0);
  const secondInfo = chain.utxoSetInfo();
  await t.throwsAsync(secondVerify, { name: 'CheckError', code: 'check-busy', message: /^verifychain is already running \(started \d{4}-\d\d-\d\dT[0-9:.]+Z, \d+ s ago\); wait for it to finish$/ });
  await t.throwsAsync(secondInfo, { code: 'check-busy', message: /^gettxoutsetinfo is already running/ });
  t.true((await first).ok, 'the running one is unaffected');
  t.is((await info).height, 20, 'a gettxoutsetinfo may run beside a verifychain');
  t.true((await chain.verifyChain(1)).ok, 'the next call runs once the first ended');
  t.is((await chain.utxoSetInfo()).height, 20);
  t.log('concurrent verifychain: 1 running, 1 refused (check-busy); concurrent gettxoutsetinfo: 1 running, 1 refused');
});

test('a verifychain whose caller went away (its signal aborted) stops and releases its slot', async (t) => {
  const { path } = await loadedChain(t, 20);
  const chain = await Chain.open({ path, params: TEST_PARAMS, logger: silentLogger(), verifyThreads: 0 });
  t.teardown(() => chain.close());
  const aborter = new AbortController();
  let progressCalls = 0;
  const run = chain.verifyChain(0, () => {
    progressCalls++;
    aborter.abort();
  }, aborter.signal);
  await t.throwsAsync(run, { code: 'check-aborted', message: /^verifychain stopped: whoever asked for it went away/ });
  t.true(progressCalls >= 1);
  await t.throwsAsync(chain.verifyChain(0, undefined, aborter.signal), { code: 'check-aborted' }, 'an already aborted caller does not start one');
  t.true((await chain.verifyChain(0)).ok, 'the slot is free again');
});

test('a height entry far above the tip and malformed keys in the coins or address index are reported, not thrown', async (t) => {
  const { path, blocks } = await loadedChain(t, 20);
  const record = Buffer.alloc(33);
  const cases: Array<[string, StoreDbName, (db: { put(k: Buffer, v: Buffer): void }) => void, RegExp]> = [
    ['height above the tip', 'heights', (db) => db.put(heightKey(25), blocks[3]!.hash), /the height index holds a block at height 25, above the tip/],
    ['short coin key', 'coins', (db) => db.put(Buffer.alloc(35, 1), record), /the stored UTXO set holds a coin with malformed key (01){35}/],
    ['long coin key', 'coins', (db) => db.put(Buffer.alloc(40, 0xfe), record), /the stored UTXO set holds a coin with malformed key (fe){40}/],
    ['short address key', 'addrs', (db) => db.put(Buffer.alloc(30, 2), Buffer.alloc(0)), /the address index holds a malformed key (02){30}/],
  ];
  for (const [name, db, damage, reason] of cases) {
    const copy = await loadedChainCopy(t, path);
    await raw(copy, db, damage);
    const result = await verifyAt(copy, 1);
    t.false(result.ok, name);
    t.regex(result.failure?.reason ?? '', reason, name);
  }
});

/** A fresh copy of a closed chain directory (each damage case gets its own). */
async function loadedChainCopy(t: ExecutionContext, path: string): Promise<string> {
  const { cp } = await import('node:fs/promises');
  const dir = await tempDir(t);
  await cp(path, dir, { recursive: true });
  return dir;
}
