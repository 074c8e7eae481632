import test from 'ava';
import path from 'node:path';
import { COINBASE_RESERVE_BYTES } from '../../../src/mempool/index.js';
import { silentLogger } from '../../../src/util/logger.js';
import { Wallet, createPayment } from '../../../src/wallet/index.js';
import { addressToPubKeyHash } from '../../../src/primitives/address.js';
import { buildBlock, makeKey, outpoint, pay, spend } from '../../helpers/fixtures.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { coinbaseOf, setupPool } from './setup.js';

test('blockConnected drops included txs, conflicting txs and their descendants', (t) => {
  const { chain, pool, alice, bob, blocks, removed } = setupPool();
  const included = spend(alice, [coinbaseOf(blocks[0]!)], [pay(bob, 500n), pay(alice, 500n)]);
  const childOfIncluded = spend(alice, [outpoint(included, 1)], [pay(bob, 500n)]);
  const loser = spend(alice, [coinbaseOf(blocks[1]!)], [pay(bob, 1000n)]);
  const loserChild = spend(bob, [outpoint(loser, 0)], [pay(alice, 990n)]);
  const loserGrandchild = spend(alice, [outpoint(loserChild, 0)], [pay(bob, 980n)]);
  const bystander = spend(alice, [coinbaseOf(blocks[2]!)], [pay(bob, 1000n)]);
  for (const tx of [included, childOfIncluded, loser, loserChild, loserGrandchild, bystander]) pool.addTransaction(tx);

  // A block from a peer: includes `included` and a rival spend of loser's input.
  const rival = spend(alice, [coinbaseOf(blocks[1]!)], [pay(alice, 1000n)]);
  const block = buildBlock({ parent: blocks[2]!, miner: bob, txs: [included, rival], fees: 0n });
  chain.connect(block);
  pool.blockConnected(block);

  t.deepEqual(
    pool.entries().map((e) => e.tx.txidHex),
    [childOfIncluded, bystander].map((tx) => tx.txidHex),
  );
  t.deepEqual(removed, [
    { txid: included.txidHex, reason: 'confirmed' },
    { txid: loser.txidHex, reason: 'block-conflict' },
    { txid: loserChild.txidHex, reason: 'block-conflict' },
    { txid: loserGrandchild.txidHex, reason: 'block-conflict' },
  ]);
  // bob's coins: the confirmed 500 and block reward, plus the pool outputs of childOfIncluded and bystander.
  t.is(pool.spendableCoins(bob.pubKeyHash).reduce((n, c) => n + c.coin.amount, 0n), 500n + 1000n + 500n + 1000n);
  // The conflict's inputs are no longer marked spent by the pool.
  t.is(pool.spendableCoins(alice.pubKeyHash).length, 1);
});

test('blockDisconnected puts the block transactions back, parents before children', async (t) => {
  const { chain, pool, alice, bob, blocks } = setupPool();
  const parent = spend(alice, [coinbaseOf(blocks[0]!)], [pay(bob, 1000n)]);
  const child = spend(bob, [outpoint(parent, 0)], [pay(alice, 990n)]);
  const b3 = buildBlock({ parent: blocks[2]!, miner: bob, txs: [parent] });
  chain.connect(b3);
  pool.blockConnected(b3);
  const b4 = buildBlock({ parent: b3, miner: bob, txs: [child] });
  chain.connect(b4);
  pool.blockConnected(b4);
  // Arrives while b4 is the tip: spends the confirmed child.
  const grandchild = spend(alice, [outpoint(child, 0)], [pay(bob, 980n)]);
  pool.addTransaction(grandchild);

  // Reorg as the Chain reports it: one commit, then disconnect events tip first.
  chain.disconnect(b4, b3);
  chain.disconnect(b3, blocks[2]);
  pool.blockDisconnected(b4);
  pool.blockDisconnected(b3);
  t.deepEqual(
    pool.entries().map((e) => e.tx.txidHex),
    [parent, child, grandchild].map((tx) => tx.txidHex),
  );
  t.is(pool.selectForBlock(1_000_000).fees, 0n + 10n + 10n);
  // After the reorg settles nothing valid is dropped.
  await new Promise((resolve) => setImmediate(resolve));
  t.is(pool.size, 3);
});

test('after a reorg, transactions the new branch confirmed or contradicted are not re-added', async (t) => {
  const { chain, pool, alice, bob, blocks, removed } = setupPool();
  const confirmedTwice = spend(alice, [coinbaseOf(blocks[0]!)], [pay(bob, 1000n)]);
  const contradicted = spend(alice, [coinbaseOf(blocks[1]!)], [pay(bob, 1000n)]);
  const oldTip = buildBlock({ parent: blocks[2]!, miner: bob, txs: [confirmedTwice, contradicted] });
  chain.connect(oldTip);
  pool.blockConnected(oldTip);
  // Pool tx spending the old tip's coinbase: it must go when that coinbase disappears.
  const spendsOldCoinbase = spend(bob, [coinbaseOf(oldTip)], [pay(alice, 1000n)]);
  pool.addTransaction(spendsOldCoinbase);

  const rival = spend(alice, [coinbaseOf(blocks[1]!)], [pay(alice, 1000n)]);
  const newTip = buildBlock({ parent: blocks[2]!, miner: alice, txs: [confirmedTwice, rival], extraData: Buffer.from('b') });
  // The Chain commits the whole reorg, then emits disconnected (tip first) and connected (oldest first).
  chain.disconnect(oldTip, blocks[2]);
  chain.connect(newTip);
  pool.blockDisconnected(oldTip);
  pool.blockConnected(newTip);
  t.is(pool.size, 0);
  t.true(removed.some((r) => r.txid === spendsOldCoinbase.txidHex && r.reason === 'inputs-missing'));
  await new Promise((resolve) => setImmediate(resolve));
  t.is(pool.size, 0);
});

test('a reorg to a longer branch keeps pool txs whose parent only a later block of that branch confirms', async (t) => {
  const { chain, pool, alice, bob, blocks, removed } = setupPool();
  const parent = spend(alice, [coinbaseOf(blocks[0]!)], [pay(bob, 1000n)]);
  const child = spend(bob, [outpoint(parent, 0)], [pay(alice, 990n)]);
  pool.addTransaction(parent);
  pool.addTransaction(child);
  const oldTip = buildBlock({ parent: blocks[2]!, miner: bob });
  chain.connect(oldTip);
  pool.blockConnected(oldTip);

  // The new branch: an empty block, then one confirming `parent` (not `child`). The Chain commits
  // both before it announces either, so the pool hears of the first while the chain already has the second.
  const newA = buildBlock({ parent: blocks[2]!, miner: alice, extraData: Buffer.from('a') });
  const newB = buildBlock({ parent: newA, miner: alice, txs: [parent] });
  chain.disconnect(oldTip, blocks[2]);
  chain.connect(newA);
  chain.connect(newB);
  pool.blockDisconnected(oldTip);
  pool.blockConnected(newA);
  pool.blockConnected(newB);
  await new Promise((resolve) => setImmediate(resolve));
  t.deepEqual(pool.entries().map((e) => e.tx.txidHex), [child.txidHex], 'child stays: its input is now a confirmed coin');
  t.deepEqual(removed, [{ txid: parent.txidHex, reason: 'confirmed' }]);
});

test('spendableCoins lists a coin once while the chain has committed a block the pool has not heard of yet', (t) => {
  const { chain, pool, alice, bob, blocks } = setupPool();
  const paid = spend(alice, [coinbaseOf(blocks[0]!)], [pay(bob, 600n), pay(alice, 400n)]);
  pool.addTransaction(paid);
  // The block is committed (its coins are in the chain) and its event not yet delivered to the pool.
  chain.connect(buildBlock({ parent: blocks[2]!, miner: alice, txs: [paid] }));
  const keys = [alice, bob].flatMap((who) => pool.spendableCoins(who.pubKeyHash)).map((c) => `${c.outpoint.txid.toString('hex')}:${c.outpoint.index}`);
  t.is(new Set(keys).size, keys.length, `no outpoint twice: ${keys.join(', ')}`);
  t.is(keys.filter((k) => k.startsWith(paid.txidHex)).length, 2, 'both outputs of the tx, once each');
});

test('spendableCoins lets one address send twice in a row (the second spends the change)', async (t) => {
  const { chain, pool, blocks } = setupPool(0);
  const dir = await tempDir(t, 'kadchain-pool-');
  const wallet = await Wallet.open({ path: path.join(dir, 'wallet.json'), logger: silentLogger() });
  const from = await wallet.createKey();
  const fromPkh = addressToPubKeyHash(from);
  const to = makeKey();
  const genesis = buildBlock({ miner: { ...to, pubKeyHash: fromPkh } });
  chain.connect(genesis);
  blocks.push(genesis);

  const first = createPayment({ wallet, from, to: to.address, amount: 300n, fee: 1n, coins: pool.spendableCoins(fromPkh) });
  pool.addTransaction(first);
  const coins = pool.spendableCoins(fromPkh);
  t.is(coins.length, 1, 'only the unconfirmed change is left');
  t.true(coins[0]!.outpoint.txid.equals(first.txid));
  t.is(coins[0]!.coin.amount, 699n);
  t.is(coins[0]!.coin.height, 1);

  const second = createPayment({ wallet, from, to: to.address, amount: 400n, fee: 1n, coins });
  t.notThrows(() => pool.addTransaction(second));
  t.deepEqual(
    pool.spendableCoins(fromPkh).map((c) => c.coin.amount),
    [298n],
  );
  t.deepEqual(
    pool.spendableCoins(to.pubKeyHash).map((c) => c.coin.amount).sort(),
    [300n, 400n],
  );
});

test('selectForBlock puts parents first, prefers higher fee rates and respects the size limit', (t) => {
  const { pool, alice, bob, blocks } = setupPool(4);
  const parent = spend(alice, [coinbaseOf(blocks[0]!)], [pay(bob, 999n)]); // fee 1
  const child = spend(bob, [outpoint(parent, 0)], [pay(alice, 899n)]); // fee 100
  const rich = spend(alice, [coinbaseOf(blocks[1]!)], [pay(bob, 950n)]); // fee 50
  const poor = spend(alice, [coinbaseOf(blocks[2]!)], [pay(bob, 998n)]); // fee 2
  for (const tx of [child, parent].reverse()) pool.addTransaction(tx);
  pool.addTransaction(poor);
  pool.addTransaction(rich);

  const all = pool.selectForBlock(1_000_000);
  t.deepEqual(
    all.txs.map((tx) => tx.txidHex),
    [rich, poor, parent, child].map((tx) => tx.txidHex),
  );
  t.is(all.fees, 153n);

  // Room for exactly two transactions after the coinbase reserve: the two best that fit.
  const two = pool.selectForBlock(COINBASE_RESERVE_BYTES + rich.size + poor.size);
  t.deepEqual(
    two.txs.map((tx) => tx.txidHex),
    [rich, poor].map((tx) => tx.txidHex),
  );
  t.is(two.fees, 52n);
  t.deepEqual(pool.selectForBlock(COINBASE_RESERVE_BYTES - 1).txs, []);
});
