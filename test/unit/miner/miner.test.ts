import test from 'ava';
import { once } from 'node:events';
import { Chain } from '../../../src/chain/chain.js';
import { Mempool } from '../../../src/mempool/mempool.js';
import { Miner, MinerError, createGenesisBlock } from '../../../src/miner/index.js';
import { ZERO_HASH } from '../../../src/primitives/hash.js';
import { compactToTarget, hashMeetsTarget } from '../../../src/primitives/pow.js';
import type { Block } from '../../../src/primitives/block.js';
import { silentLogger } from '../../../src/util/logger.js';
import { TEST_PARAMS, makeKey, outpoint, pay, spend } from '../../helpers/fixtures.js';
import { reopenWith, setupChain, tempDir } from './setup.js';

/** Bitcoin's difficulty-1 target: ~2^32 hashes, never found during a test. */
const HARD_POW_BITS = 0x1d00ffff;

test('createGenesisBlock mines a height-0 block the chain accepts', async (t) => {
  const key = makeKey();
  const genesis = await createGenesisBlock({ rewardPubKeyHash: key.pubKeyHash, params: TEST_PARAMS, timestampSec: 1_700_000_000 });
  t.is(genesis.height, 0);
  t.true(genesis.header.prevHash.equals(ZERO_HASH));
  t.is(genesis.header.timestamp >= 1_700_000_000, true);
  t.true(hashMeetsTarget(genesis.hash, compactToTarget(TEST_PARAMS.powBits)));
  t.is(genesis.transactions.length, 1);
  t.is(genesis.transactions[0]!.coinbaseHeight, 0);
  t.deepEqual(genesis.transactions[0]!.outputs.map((o) => [o.amount, o.pubKeyHash.toString('hex')]), [[TEST_PARAMS.blockRewardAmount, key.pubKeyHash.toString('hex')]]);
  const chain = await Chain.open({ path: await tempDir(t), params: TEST_PARAMS, logger: silentLogger() });
  t.is((await chain.processBlock(genesis)).status, 'connected');
  t.true(chain.genesisHash?.equals(genesis.hash));
  await chain.close();
});

test('mineBlock connects a block with the pool transactions and a coinbase of reward + fees', async (t) => {
  const { chain, mempool, genesis, owner } = await setupChain(t);
  const minerKey = makeKey();
  const bob = makeKey();
  const a = spend(owner, [outpoint(genesis.transactions[0]!)], [pay(bob, 600n), pay(owner, 390n)]); // fee 10
  const b = spend(owner, [outpoint(a, 1)], [pay(bob, 385n)]); // fee 5, spends unconfirmed change
  mempool.addTransaction(a);
  mempool.addTransaction(b);
  const miner = new Miner({ chain, mempool, logger: silentLogger(), txpoolSize: 100, rewardPubKeyHash: () => minerKey.pubKeyHash });
  const mined: Block[] = [];
  miner.on('block:mined', (blk) => mined.push(blk));

  const block = await miner.mineBlock();
  t.is(block.height, 1);
  t.true(chain.tip?.hash.equals(block.hash));
  t.true(block.header.prevHash.equals(genesis.hash));
  t.true(block.header.timestamp > genesis.header.timestamp);
  t.deepEqual(block.transactions.slice(1).map((tx) => tx.txidHex), [a.txidHex, b.txidHex]);
  const coinbase = block.transactions[0]!;
  t.is(coinbase.coinbaseHeight, 1);
  t.is(coinbase.totalOutput(), TEST_PARAMS.blockRewardAmount + 15n);
  t.true(coinbase.outputs[0]!.pubKeyHash.equals(minerKey.pubKeyHash));
  t.is(chain.getBalance(minerKey.pubKeyHash), 1015n);
  t.is(chain.getBalance(bob.pubKeyHash), 985n);
  t.is(mempool.size, 0, 'the wired pool dropped the confirmed transactions');
  t.deepEqual(mined, [block]);

  // An empty pool still gives a block (coinbase only) with a fresh coinbase.
  const empty = await miner.mineBlock();
  t.is(empty.height, 2);
  t.is(empty.transactions.length, 1);
  await miner.stop();
  await chain.close();
});

test('mineBlock explains what is missing: a genesis block or a mining address', async (t) => {
  const chain = await Chain.open({ path: await tempDir(t), params: TEST_PARAMS, logger: silentLogger() });
  const mempool = new Mempool({ chain, logger: silentLogger(), maxTxs: 10, coinbaseMaturity: chain.params.coinbaseMaturity });
  const noGenesis = new Miner({ chain, mempool, logger: silentLogger(), txpoolSize: 1, rewardPubKeyHash: () => makeKey().pubKeyHash });
  t.is((await t.throwsAsync(noGenesis.mineBlock(), { instanceOf: MinerError }))?.code, 'no-genesis');
  await chain.close();

  const setup = await setupChain(t);
  const noAddress = new Miner({ chain: setup.chain, mempool: setup.mempool, logger: silentLogger(), txpoolSize: 1, rewardPubKeyHash: () => undefined });
  t.is((await t.throwsAsync(noAddress.mineBlock(), { instanceOf: MinerError }))?.code, 'no-mining-address');
  await noAddress.stop();
  await setup.chain.close();
});

test('auto-mining mines once the pool holds txpoolSize transactions', async (t) => {
  const { chain, mempool, genesis, owner } = await setupChain(t);
  const minerKey = makeKey();
  const miner = new Miner({ chain, mempool, logger: silentLogger(), txpoolSize: 2, rewardPubKeyHash: () => minerKey.pubKeyHash });
  miner.start();
  const first = spend(owner, [outpoint(genesis.transactions[0]!)], [pay(minerKey, 100n), pay(owner, 899n)]);
  mempool.addTransaction(first);
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.is(chain.tip?.height, 0, 'one transaction is not enough');

  const minedEvent = once(miner, 'block:mined');
  const second = spend(owner, [outpoint(first, 1)], [pay(minerKey, 100n), pay(owner, 798n)]);
  mempool.addTransaction(second);
  const [block] = (await minedEvent) as [Block];
  t.is(block.height, 1);
  t.deepEqual(block.transactions.slice(1).map((tx) => tx.txidHex), [first.txidHex, second.txidHex]);
  t.is(block.transactions[0]!.totalOutput(), TEST_PARAMS.blockRewardAmount + 2n);
  // Nothing left to mine: the miner does not keep producing empty blocks.
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.is(chain.tip?.height, 1);
  t.is(mempool.size, 0);
  await miner.stop();
  await chain.close();
});

test('auto-mining counts only the transactions the block template takes, and never mines an empty block for the rule', async (t) => {
  // Room for ~2000 bytes of transactions per block: two 1.45 kB txs do not fit together.
  const { chain, mempool, genesis, owner } = await setupChain(t, { ...TEST_PARAMS, maxBlockBytes: 3000 });
  const minerKey = makeKey();
  const miner = new Miner({ chain, mempool, logger: silentLogger(), txpoolSize: 2, rewardPubKeyHash: () => minerKey.pubKeyHash });
  const mined: Block[] = [];
  miner.on('block:mined', (b) => mined.push(b));
  miner.start();
  const ones = (n: number) => Array.from({ length: n }, () => pay(owner, 1n));
  const big = spend(owner, [outpoint(genesis.transactions[0]!)], [...ones(50), pay(owner, 950n)]);
  const bigChild = spend(owner, [outpoint(big, 50)], [...ones(50), pay(owner, 900n)]);
  mempool.addTransaction(big);
  mempool.addTransaction(bigChild);
  t.true(big.size > 1400 && big.size + bigChild.size > 3000 - 1000);
  t.is(mempool.size, 2);
  t.is(mempool.countForBlock(3000, 2), 1);
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.is(chain.tip?.height, 0, 'two pooled txs, but the template holds one: the rule does not fire');

  const minedEvent = once(miner, 'block:mined');
  const small = spend(owner, [outpoint(big, 0)], [pay(minerKey, 1n)]);
  mempool.addTransaction(small);
  const [block] = (await minedEvent) as [Block];
  t.deepEqual(block.transactions.slice(1).map((tx) => tx.txidHex), [big.txidHex, small.txidHex]);
  // bigChild alone is left: one tx, no more blocks, and none of them empty.
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.is(chain.tip?.height, 1);
  t.is(mempool.size, 1);
  t.true(mined.every((b) => b.transactions.length > 1));
  await miner.stop();
  await chain.close();
});

test('the event loop stays responsive during a long nonce search, and stop() aborts it', async (t) => {
  const setup = await reopenWith(t, await setupChain(t), { ...TEST_PARAMS, powBits: HARD_POW_BITS });
  const { chain, mempool } = setup;
  const miner = new Miner({ chain, mempool, logger: silentLogger(), txpoolSize: 100, rewardPubKeyHash: () => makeKey().pubKeyHash });
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  const mining = miner.mineBlock();
  const rejected = t.throwsAsync(mining, { instanceOf: MinerError });
  await new Promise((resolve) => setTimeout(resolve, 500));
  clearInterval(timer);
  // ~50 ticks if nothing blocks; a search on the main thread would allow ~0.
  t.true(ticks >= 25, `only ${ticks} timer ticks in 500 ms`);

  const stopStarted = Date.now();
  await miner.stop();
  t.true(Date.now() - stopStarted < 1000, 'stop() returns promptly');
  t.is((await rejected)?.code, 'mining-stopped');
  t.is(chain.tip?.height, 0);
  await chain.close();
});
