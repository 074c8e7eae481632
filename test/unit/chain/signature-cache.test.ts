/**
 * The signature cache (signature-cache.ts): a transaction the mempool verified is not verified
 * again in a block, so a block that rebuilds from our own pool cannot make us check the pool's
 * signatures before its cheap fault is found; anything not verified before still is.
 */
import test from 'ava';
import { SignatureCache } from '../../../src/chain/signature-cache.js';
import { TEST_PARAMS, buildBlock, makeKey, outpoint, pay, spend } from '../../helpers/fixtures.js';
import { setupChain } from '../miner/setup.js';

test('the cache holds at most its capacity and always its newest half (bounded-hash-set.ts); a repeat is no new entry', (t) => {
  const key = makeKey();
  const txs = [1n, 2n, 3n, 4n, 5n].map((amount) => spend(key, [{ txid: Buffer.alloc(32, Number(amount)), index: 0 }], [pay(key, amount)]));
  const cache = new SignatureCache(4);
  t.false(cache.has(txs[0]!));
  cache.add(txs[0]!);
  cache.add(txs[0]!);
  t.is(cache.size, 1);
  for (const tx of txs.slice(1)) cache.add(tx);
  t.true(cache.size <= 4);
  t.true(cache.has(txs[3]!) && cache.has(txs[4]!), 'the newest two are kept');
  t.false(cache.has(txs[0]!), 'the oldest went');
});

test("a block made of pooled transactions checks none of their signatures again: an overpaying coinbase is found without them; others are still checked", async (t) => {
  const { chain, mempool, genesis, owner } = await setupChain(t);
  const bob = makeKey();
  const pooled = spend(owner, [outpoint(genesis.transactions[0]!)], [pay(bob, 600n), pay(owner, 390n)]); // fee 10
  mempool.addTransaction(pooled);
  const verified = (): number => chain.verifyStats().itemsVerified;

  // What a stranger's compact block on our tip rebuilds to: our pool's tx, a coinbase paying one too many.
  const before = verified();
  const junk = buildBlock({ parent: genesis, miner: bob, txs: [pooled], coinbaseAmount: TEST_PARAMS.blockRewardAmount + 11n });
  await t.throwsAsync(chain.processBlock(junk), { message: /coinbase pays/ });
  t.is(verified(), before, 'no signature checked for the pooled tx');

  // A tx nobody verified yet is checked in the block, and a bad signature there is still found.
  const other = spend(bob, [outpoint(pooled, 0)], [pay(owner, 590n)]);
  const forged = other.withSignature(0, Buffer.alloc(64, 1));
  const bad = buildBlock({ parent: genesis, miner: bob, txs: [pooled, forged], fees: 20n, extraData: Buffer.from('b') });
  await t.throwsAsync(chain.processBlock(bad), { message: /input 0 has an invalid signature/ });
  const good = buildBlock({ parent: genesis, miner: bob, txs: [pooled, other], fees: 20n, extraData: Buffer.from('g') });
  const checkedBefore = verified();
  t.is((await chain.processBlock(good)).status, 'connected');
  t.is(verified() - checkedBefore, other.inputCount, "only the unpooled tx's signature was checked");
  t.is(chain.tip?.height, 1);
});
