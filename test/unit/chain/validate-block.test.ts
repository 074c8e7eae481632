import test, { type ExecutionContext } from 'ava';
import type { Chain } from '../../../src/chain/chain.js';
import { ValidationError, type ValidationCode } from '../../../src/chain/errors.js';
import { Block } from '../../../src/primitives/block.js';
import { ZERO_HASH } from '../../../src/primitives/hash.js';
import { sign } from '../../../src/primitives/secp256k1.js';
import { Transaction } from '../../../src/primitives/tx.js';
import { type TestKey, TEST_PARAMS, buildBlock, makeKey, outpoint, pay, spend } from '../../helpers/fixtures.js';
import { assemble, openChain, unmine } from './setup.js';

const REWARD = TEST_PARAMS.blockRewardAmount;

interface Ctx {
  chain: Chain;
  alice: TestKey;
  bob: TestKey;
  genesis: Block;
  /** Block 1, paying Alice another reward. */
  b1: Block;
}

/** A chain g-1 where Alice owns both coinbases. */
async function setup(t: ExecutionContext, nowMs?: () => number): Promise<Ctx> {
  const chain = await openChain(t, nowMs ? { nowMs } : {});
  const alice = makeKey();
  const bob = makeKey();
  const genesis = buildBlock({ miner: alice });
  const b1 = buildBlock({ parent: genesis, miner: alice });
  await chain.processBlock(genesis);
  await chain.processBlock(b1);
  return { chain, alice, bob, genesis, b1 };
}

async function rejects(t: ExecutionContext, chain: Chain, block: Block, code: ValidationCode): Promise<ValidationError> {
  const before = chain.tip?.hash;
  const err = await t.throwsAsync(chain.processBlock(block), { instanceOf: ValidationError });
  t.is(err?.code, code, err?.message);
  t.deepEqual(chain.tip?.hash, before, 'tip must not move on a rejected block');
  return err!;
}

/** Alice's genesis coinbase output. */
const gCoin = (c: Ctx) => outpoint(c.genesis.transactions[0]!);

test('a valid chain connects and pays the coinbase', async (t) => {
  const c = await setup(t);
  t.is(c.chain.tip?.height, 1);
  t.deepEqual(c.chain.genesisHash, c.genesis.hash);
  t.is(c.chain.getBalance(c.alice.pubKeyHash), 2n * REWARD);
  const tx = spend(c.alice, [gCoin(c)], [pay(c.bob, 300n), pay(c.alice, 690n)]);
  const b2 = buildBlock({ parent: c.b1, miner: c.bob, txs: [tx], fees: 10n });
  const result = await c.chain.processBlock(b2);
  t.is(result.status, 'connected');
  t.is(c.chain.getBalance(c.bob.pubKeyHash), 300n + REWARD + 10n);
  t.is(c.chain.getBalance(c.alice.pubKeyHash), 690n + REWARD);
  t.is(c.chain.getCoin(gCoin(c)), undefined);
  t.is((await c.chain.processBlock(b2)).status, 'duplicate');
});

test('bad proof of work and wrong bits are rejected', async (t) => {
  const c = await setup(t);
  await rejects(t, c.chain, unmine(buildBlock({ parent: c.b1, miner: c.alice })), 'bad-pow');
  await rejects(t, c.chain, buildBlock({ parent: c.b1, miner: c.alice, headerOverrides: { bits: 0x207ffffe } }), 'bad-bits');
});

test('unknown parent is a non-consensus rejection', async (t) => {
  const c = await setup(t);
  const orphanParent = buildBlock({ parent: c.b1, miner: c.bob });
  const err = await rejects(t, c.chain, buildBlock({ parent: orphanParent, miner: c.bob }), 'unknown-parent');
  t.false(err.consensus);
  t.false(c.chain.hasBlock(orphanParent.hash));
});

test('height must be parent + 1 and a non-genesis block needs a previous hash', async (t) => {
  const c = await setup(t);
  const cb = Transaction.coinbase(5, [pay(c.alice, REWARD)]);
  await rejects(t, c.chain, assemble([cb], { prevHash: c.b1.hash, height: 5, timestamp: c.b1.header.timestamp + 1 }), 'bad-height');
  await rejects(t, c.chain, assemble([cb], { prevHash: ZERO_HASH, height: 5 }), 'bad-prevhash');
});

test('merkle root must match the transactions', async (t) => {
  const c = await setup(t);
  await rejects(t, c.chain, buildBlock({ parent: c.b1, miner: c.alice, headerOverrides: { merkleRoot: Buffer.alloc(32, 7) } }), 'bad-merkle-root');
});

test('timestamps: not too far in the future, and after the median of the previous blocks', async (t) => {
  const nowSec = Math.floor(Date.now() / 1000);
  const c = await setup(t, () => nowSec * 1000);
  const limit = nowSec + TEST_PARAMS.maxFutureBlockTimeSec;
  await rejects(t, c.chain, buildBlock({ parent: c.b1, miner: c.alice, timestamp: limit + 1 }), 'time-too-new');
  const b2 = buildBlock({ parent: c.b1, miner: c.alice });
  await c.chain.processBlock(b2);
  // Median of [g, 1, 2] is block 1's timestamp: equal is not enough.
  await rejects(t, c.chain, buildBlock({ parent: b2, miner: c.alice, timestamp: c.b1.header.timestamp }), 'bad-timestamp');
  t.is((await c.chain.processBlock(buildBlock({ parent: b2, miner: c.alice, timestamp: c.b1.header.timestamp + 1 }))).status, 'connected');
  t.is((await c.chain.processBlock(buildBlock({ parent: c.chain.getBlock(c.chain.tip!.hash)!, miner: c.alice, timestamp: limit }))).status, 'connected');
});

test('coinbase: missing, not first, more than one, wrong height', async (t) => {
  const c = await setup(t);
  const tx = spend(c.alice, [gCoin(c)], [pay(c.bob, REWARD)]);
  const at2 = { prevHash: c.b1.hash, height: 2, timestamp: c.b1.header.timestamp + 1 };
  const cb = Transaction.coinbase(2, [pay(c.alice, REWARD)]);
  await rejects(t, c.chain, assemble([tx], at2), 'bad-cb-missing');
  await rejects(t, c.chain, assemble([tx, cb], at2), 'bad-cb-missing');
  await rejects(t, c.chain, assemble([cb, Transaction.coinbase(2, [pay(c.bob, 1n)], Buffer.from('x'))], at2), 'bad-cb-multiple');
  await rejects(t, c.chain, assemble([Transaction.coinbase(3, [pay(c.alice, REWARD)])], at2), 'bad-cb-height');
});

test('coinbase may claim reward + fees, not more', async (t) => {
  const c = await setup(t);
  await rejects(t, c.chain, buildBlock({ parent: c.b1, miner: c.alice, coinbaseAmount: REWARD + 1n }), 'bad-cb-amount');
  const tx = spend(c.alice, [gCoin(c)], [pay(c.bob, REWARD - 10n)]);
  await rejects(t, c.chain, buildBlock({ parent: c.b1, miner: c.alice, txs: [tx], fees: 11n }), 'bad-cb-amount');
  t.truthy(c.chain.getCoin(gCoin(c)), 'the aborted block must not have spent anything');
  t.is((await c.chain.processBlock(buildBlock({ parent: c.b1, miner: c.alice, txs: [tx], fees: 10n }))).status, 'connected');
});

test('duplicate transactions are rejected before the merkle root is trusted (CVE-2012-2459)', async (t) => {
  const c = await setup(t);
  const t1 = spend(c.alice, [gCoin(c)], [pay(c.bob, 10n)]);
  const t2 = spend(c.alice, [outpoint(c.b1.transactions[0]!)], [pay(c.bob, 20n)]);
  const good = buildBlock({ parent: c.b1, miner: c.alice, txs: [t1, t2] });
  const mutated = new Block(good.header, [...good.transactions, t2]);
  t.deepEqual(mutated.computeMerkleRoot(), good.header.merkleRoot, 'the mutation keeps the merkle root');
  await rejects(t, c.chain, mutated, 'bad-txns-duplicate');
  // The mutated copy must not poison the real block, which has the same hash.
  t.is((await c.chain.processBlock(good)).status, 'connected');
});

test('inputs must exist and be unspent, also within one block', async (t) => {
  const c = await setup(t);
  const missing = spend(c.alice, [{ txid: Buffer.alloc(32, 9), index: 0 }], [pay(c.bob, 1n)]);
  await rejects(t, c.chain, buildBlock({ parent: c.b1, miner: c.alice, txs: [missing] }), 'bad-txns-inputs-missingorspent');
  const first = spend(c.alice, [gCoin(c)], [pay(c.bob, 5n)]);
  const second = spend(c.alice, [gCoin(c)], [pay(c.bob, 6n)]);
  await rejects(t, c.chain, buildBlock({ parent: c.b1, miner: c.alice, txs: [first, second] }), 'bad-txns-inputs-missingorspent');
  const b2 = buildBlock({ parent: c.b1, miner: c.alice, txs: [first], fees: REWARD - 5n });
  await c.chain.processBlock(b2);
  await rejects(t, c.chain, buildBlock({ parent: b2, miner: c.alice, txs: [second] }), 'bad-txns-inputs-missingorspent');
});

test('a transaction may spend an output of an earlier transaction in the same block, not a later one', async (t) => {
  const c = await setup(t);
  const parent = spend(c.alice, [gCoin(c)], [pay(c.bob, REWARD)]);
  const child = spend(c.bob, [outpoint(parent)], [pay(c.alice, 400n), pay(c.bob, 600n)]);
  await rejects(t, c.chain, buildBlock({ parent: c.b1, miner: c.alice, txs: [child, parent] }), 'bad-txns-inputs-missingorspent');
  t.is((await c.chain.processBlock(buildBlock({ parent: c.b1, miner: c.alice, txs: [parent, child] }))).status, 'connected');
  t.is(c.chain.getCoin(outpoint(parent)), undefined);
  t.is(c.chain.getBalance(c.bob.pubKeyHash), 600n);
  t.deepEqual(
    c.chain.getCoinsByPubKeyHash(c.bob.pubKeyHash).map((e) => e.coin.amount),
    [600n],
  );
});

test('outputs worth more than inputs are rejected', async (t) => {
  const c = await setup(t);
  const tx = spend(c.alice, [gCoin(c)], [pay(c.bob, REWARD + 1n)]);
  await rejects(t, c.chain, buildBlock({ parent: c.b1, miner: c.alice, txs: [tx] }), 'bad-txns-in-belowout');
});

test('bad signatures and keys that do not own the coin are rejected', async (t) => {
  const c = await setup(t);
  const tx = spend(c.alice, [gCoin(c)], [pay(c.bob, 10n)]);
  const forged = tx.withSignature(0, sign(tx.sighash(0), c.bob.privateKey));
  await rejects(t, c.chain, buildBlock({ parent: c.b1, miner: c.alice, txs: [forged] }), 'bad-txns-signature');
  const stolen = spend(c.bob, [gCoin(c)], [pay(c.bob, 10n)]);
  await rejects(t, c.chain, buildBlock({ parent: c.b1, miner: c.alice, txs: [stolen] }), 'bad-txns-pubkey-mismatch');
});

test('a block larger than maxBlockBytes is rejected', async (t) => {
  const params = { ...TEST_PARAMS, maxBlockBytes: 250 };
  const chain = await openChain(t, { params });
  const alice = makeKey();
  const genesis = buildBlock({ miner: alice, params });
  await chain.processBlock(genesis);
  const big = buildBlock({ parent: genesis, miner: alice, params, extraData: Buffer.alloc(90, 1) });
  t.true(big.size > 250);
  await rejects(t, chain, big, 'bad-blk-length');
});

test('genesis: becomes the tip on an empty chain, a second one is refused, its coinbase is capped', async (t) => {
  const chain = await openChain(t);
  const alice = makeKey();
  t.is(chain.tip, undefined);
  t.deepEqual(chain.getLocator(), []);
  await rejects(t, chain, buildBlock({ miner: alice, coinbaseAmount: REWARD + 1n }), 'bad-cb-amount');
  await rejects(t, chain, unmine(buildBlock({ miner: alice })), 'bad-pow');
  t.is(chain.tip, undefined);
  const genesis = buildBlock({ miner: alice });
  const result = await chain.processBlock(genesis);
  t.is(result.status, 'connected');
  t.deepEqual(result.connected.map((b) => b.hash), [genesis.hash]);
  t.deepEqual(chain.tip?.hash, genesis.hash);
  t.is(chain.tip?.height, 0);
  t.is(chain.getBalance(alice.pubKeyHash), REWARD);
  await rejects(t, chain, buildBlock({ miner: makeKey() }), 'bad-genesis');
  t.is((await chain.processBlock(genesis)).status, 'duplicate');
});

test('an invalid block is remembered: resending it or building on it is refused', async (t) => {
  const c = await setup(t);
  const tx = spend(c.alice, [gCoin(c)], [pay(c.bob, REWARD + 1n)]);
  const bad = buildBlock({ parent: c.b1, miner: c.alice, txs: [tx] });
  await rejects(t, c.chain, bad, 'bad-txns-in-belowout');
  const again = await rejects(t, c.chain, bad, 'duplicate-invalid');
  t.true(again.consensus);
  await rejects(t, c.chain, buildBlock({ parent: bad, miner: c.alice }), 'bad-prevblk');
  t.false(c.chain.hasBlock(bad.hash));
  t.is(c.chain.getHeader(bad.hash), undefined);
});
