import test from 'ava';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Chain } from '../../../src/chain/chain.js';
import { ValidationError } from '../../../src/chain/errors.js';
import { ChainStore } from '../../../src/chain/store/store.js';
import type { Block } from '../../../src/primitives/block.js';
import { silentLogger } from '../../../src/util/logger.js';
import { TEST_PARAMS, buildBlock, makeKey, outpoint, pay, spend } from '../../helpers/fixtures.js';
import { openChain, snapshotState, tempDir } from './setup.js';

const hex = (blocks: readonly Block[]): string[] => blocks.map((b) => b.hashHex);

/** g-1 shared; A: 2-3 (2 carries a tx only A has); B: 2'-3'-4'. */
function fork() {
  const alice = makeKey();
  const bob = makeKey();
  const miner = makeKey();
  const g = buildBlock({ miner: alice });
  const b1 = buildBlock({ parent: g, miner: bob });
  const onlyInA = spend(alice, [outpoint(g.transactions[0]!)], [pay(bob, 250n), pay(alice, 750n)]);
  const a2 = buildBlock({ parent: b1, miner, txs: [onlyInA] });
  const a3 = buildBlock({ parent: a2, miner });
  const inB = spend(bob, [outpoint(b1.transactions[0]!)], [pay(alice, 100n), pay(bob, 890n)]);
  const b2 = buildBlock({ parent: b1, miner, txs: [inB], fees: 10n, extraData: Buffer.from('B') });
  const b3 = buildBlock({ parent: b2, miner, extraData: Buffer.from('B') });
  const b4 = buildBlock({ parent: b3, miner, extraData: Buffer.from('B') });
  return { alice, bob, miner, g, b1, a2, a3, b2, b3, b4, onlyInA, inB };
}

test('reorg to a heavier branch: result, events, UTXO set equal to a node that only saw B', async (t) => {
  const f = fork();
  const path = await tempDir(t);
  const chain = await openChain(t, { path });
  for (const b of [f.g, f.b1, f.a2, f.a3]) t.not((await chain.processBlock(b)).status, 'side-branch');
  t.is(chain.getBalance(f.bob.pubKeyHash), 1000n + 250n);

  const events: string[] = [];
  chain.on('block:connected', (b) => events.push(`+${b.height}:${b.hashHex}`));
  chain.on('block:disconnected', (b) => events.push(`-${b.height}:${b.hashHex}`));

  t.is((await chain.processBlock(f.b2)).status, 'side-branch');
  const equal = await chain.processBlock(f.b3);
  t.is(equal.status, 'side-branch', 'equal work keeps the first-seen chain');
  t.deepEqual(chain.tip?.hash, f.a3.hash);
  t.deepEqual(events, []);

  const result = await chain.processBlock(f.b4);
  t.is(result.status, 'reorganized');
  t.deepEqual(hex(result.disconnected), hex([f.a3, f.a2]));
  t.deepEqual(hex(result.connected), hex([f.b2, f.b3, f.b4]));
  t.deepEqual(events, [
    ...[f.a3, f.a2].map((b) => `-${b.height}:${b.hashHex}`),
    ...[f.b2, f.b3, f.b4].map((b) => `+${b.height}:${b.hashHex}`),
  ]);
  const returned = result.disconnected.flatMap((b) => b.transactions.filter((tx) => !tx.isCoinbase).map((tx) => tx.txidHex));
  t.deepEqual(returned, [f.onlyInA.txidHex], 'the A-only transaction comes back for the mempool');

  t.is(chain.tip?.height, 4);
  t.deepEqual(chain.getHashAtHeight(2), f.b2.hash);
  t.deepEqual(chain.getHeaderAtHeight(3)?.hash, f.b3.hash);
  t.truthy(chain.getCoin(outpoint(f.g.transactions[0]!)), "A's spend is undone");
  t.is(chain.getCoin(outpoint(f.onlyInA)), undefined);
  t.is(chain.getBalance(f.alice.pubKeyHash), 1000n + 100n);
  t.is(chain.getBalance(f.bob.pubKeyHash), 890n);
  t.is(chain.getBalance(f.miner.pubKeyHash), 3n * 1000n + 10n);
  t.true(chain.hasBlock(f.a3.hash), 'the old branch stays stored');

  // A node that only ever saw branch B must hold exactly the same state, byte for byte.
  const refPath = await tempDir(t);
  const ref = await openChain(t, { path: refPath });
  for (const b of [f.g, f.b1, f.b2, f.b3, f.b4]) await ref.processBlock(b);
  await chain.close();
  await ref.close();
  t.deepEqual(await snapshotState(path), await snapshotState(refPath));
});

test('a heavier branch with an invalid block is rolled back and the old tip kept', async (t) => {
  const f = fork();
  const path = await tempDir(t);
  const chain = await openChain(t, { path });
  for (const b of [f.g, f.b1, f.a2, f.a3]) await chain.processBlock(b);
  // 3' spends block 1's coinbase again, which 2' already spent on branch B: valid context-free,
  // so it is stored as a side branch, and only fails when B is connected.
  const bogus = spend(f.bob, [outpoint(f.b1.transactions[0]!)], [pay(f.bob, 5n)]);
  const bad3 = buildBlock({ parent: f.b2, miner: f.miner, txs: [bogus], extraData: Buffer.from('bad') });
  const bad4 = buildBlock({ parent: bad3, miner: f.miner, extraData: Buffer.from('bad') });
  t.is((await chain.processBlock(f.b2)).status, 'side-branch');
  t.is((await chain.processBlock(bad3)).status, 'side-branch', 'context-free checks cannot see the double spend');
  await chain.close();
  const before = await snapshotState(path);

  const reopened = await openChain(t, { path });
  const events: string[] = [];
  reopened.on('block:connected', (b) => events.push(b.hashHex));
  reopened.on('block:disconnected', (b) => events.push(b.hashHex));
  const err = await t.throwsAsync(reopened.processBlock(bad4), { instanceOf: ValidationError });
  t.is(err?.code, 'bad-prevblk');
  t.true(err?.consensus);
  t.regex(err?.message ?? '', new RegExp(bad3.hashHex));
  t.deepEqual(reopened.tip?.hash, f.a3.hash);
  t.deepEqual(events, []);
  t.is(reopened.getBalance(f.bob.pubKeyHash), 1000n + 250n);

  // Both are now known invalid; a block on top of them is refused without a reorg attempt.
  t.is((await t.throwsAsync(reopened.processBlock(bad3), { instanceOf: ValidationError }))?.code, 'duplicate-invalid');
  t.is((await t.throwsAsync(reopened.processBlock(bad4), { instanceOf: ValidationError }))?.code, 'duplicate-invalid');
  const bad5 = buildBlock({ parent: bad4, miner: f.miner });
  t.is((await t.throwsAsync(reopened.processBlock(bad5), { instanceOf: ValidationError }))?.code, 'bad-prevblk');
  await reopened.close();
  t.deepEqual(await snapshotState(path), before, 'UTXO set, address index, heights, undo and tip untouched');
});

test('reopening keeps tip, balances and the block index; a broken tip is reported with the path', async (t) => {
  const f = fork();
  const path = await tempDir(t);
  const chain = await openChain(t, { path });
  for (const b of [f.g, f.b1, f.a2, f.a3, f.b2]) await chain.processBlock(b);
  const tip = chain.tip;
  await chain.close();
  await t.throwsAsync(chain.processBlock(f.b3), { code: 'storage-closed' });

  const reopened = await openChain(t, { path });
  t.deepEqual(reopened.tip, tip);
  t.deepEqual(reopened.genesisHash, f.g.hash);
  t.is(reopened.getBalance(f.bob.pubKeyHash), 1250n);
  t.deepEqual(reopened.getHeader(f.b2.hash)?.hash, f.b2.hash, 'side-branch header kept');
  t.is((await reopened.processBlock(f.b3)).status, 'side-branch');
  t.is((await reopened.processBlock(f.b4)).status, 'reorganized');
  await reopened.close();

  const store = ChainStore.open(path);
  store.transaction(() => store.putTipHash(Buffer.alloc(32, 0xab)));
  await store.close();
  const err = await t.throwsAsync(Chain.open({ path, params: TEST_PARAMS, logger: silentLogger() }));
  t.is((err as { code?: string } | undefined)?.code, 'storage-corrupt');
  t.true(err?.message.includes(path));
});

test('concurrent processBlock calls are serialised in arrival order', async (t) => {
  const chain = await openChain(t);
  const miner = makeKey();
  const blocks: Block[] = [buildBlock({ miner })];
  for (let i = 1; i < 8; i++) blocks.push(buildBlock({ parent: blocks[i - 1]!, miner }));
  const results = await Promise.all(blocks.map((b) => chain.processBlock(b)));
  t.deepEqual(results.map((r) => r.status), Array(8).fill('connected'));
  t.is(chain.tip?.height, 7);
  t.is(chain.getBalance(miner.pubKeyHash), 8n * TEST_PARAMS.blockRewardAmount);
});

test('a database that cannot be opened fails with StorageError naming the path', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'not-a-dir'), 'x');
  const path = join(dir, 'not-a-dir', 'chain');
  const err = await t.throwsAsync(Chain.open({ path, params: TEST_PARAMS, logger: silentLogger() }));
  t.is((err as { code?: string } | undefined)?.code, 'storage-open-failed');
  t.true(err?.message.includes(path));
});
