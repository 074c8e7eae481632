/**
 * Txs refused for a reason a block can lift are asked again after the next block: the list's
 * bound and order, and over a real connection a chain one longer than txpool.maxAncestors,
 * whose tail is refused, then fetched again once a block confirms its oldest ancestor.
 */
import test, { type ExecutionContext } from 'ava';
import type { ChainParams } from '../../../src/chain/params.js';
import { DEFAULT_MEMPOOL_POLICY } from '../../../src/mempool/constants.js';
import { MAX_RETRY_AFTER_BLOCK_BATCH_PER_PEER, MAX_RETRY_AFTER_BLOCK_TXS_PER_PEER } from '../../../src/p2p/constants.js';
import { TxRetryList } from '../../../src/p2p/tx-retry.js';
import type { GetDataMessage, RejectMessage } from '../../../src/p2p/wire/index.js';
import type { Transaction } from '../../../src/primitives/tx.js';
import { TEST_PARAMS, buildBlock, makeKey, outpoint, pay, spend } from '../../helpers/fixtures.js';
import type { Block } from '../../../src/primitives/block.js';
import { type TestNode, startNode, waitFor } from './net-helpers.js';
import { RawPeer } from './raw-peer.js';

const id = (n: number): Buffer => Buffer.alloc(32, n);

const opts = { capacity: 3, perPeer: 3, maxAttempts: 2 };

test('the retry list forgets its oldest entry beyond its capacity and hands back txids per peer, oldest first', (t) => {
  const list = new TxRetryList<string>(opts);
  list.add(id(1), 'a');
  list.add(id(2), 'b');
  list.add(id(3), 'a');
  list.add(id(4), 'a');
  t.is(list.size, 3, 'capacity 3');
  t.deepEqual(list.take(10).get('a'), [id(3), id(4)], 'a (the peer with most) lost its oldest, id 1');
  t.deepEqual(list.take(10).get('b'), [id(2)], 'taken twice (maxAttempts 2)');
  t.is(list.size, 0, 'forgotten after the last attempt');

  list.add(id(6), 'a');
  list.add(id(7), 'b');
  list.removePeer('a');
  t.deepEqual([...list.take(10).keys()], ['b'], 'a closed peer\'s entries go with it');
});

test('a txid keeps its first sender, one peer cannot fill the list, batches are capped and confirmed txids removed', (t) => {
  const list = new TxRetryList<string>({ capacity: 8, perPeer: 2, maxAttempts: 1 });
  list.add(id(1), 'honest');
  list.add(id(1), 'attacker'); // re-sends the honest tx, then would disconnect
  list.removePeer('attacker');
  t.is(list.size, 1, 'the honest sender\'s entry survives the attacker leaving');
  for (let n = 10; n < 30; n++) list.add(id(n), 'attacker');
  t.is(list.size, 3, 'the attacker holds at most perPeer = 2 entries');
  t.deepEqual(list.take(10).get('honest'), [id(1)], 'still asked of its first sender');

  const big = new TxRetryList<string>({ capacity: 100, perPeer: 100, maxAttempts: 1 });
  for (let n = 0; n < 10; n++) big.add(id(n), 'p');
  big.remove(id(0)); // confirmed by a block
  t.deepEqual(big.take(4).get('p'), [id(1), id(2), id(3), id(4)], 'at most the batch per peer, oldest first');
  t.deepEqual(big.take(4, (txid) => txid.equals(id(5))).get('p'), [id(6), id(7), id(8), id(9)], 'skipped ones are forgotten');
  t.is(big.size, 0);
  t.log(`retry list: per-peer cap 2 of 8 held, batch 4 of 9, attempts 1`);
});

test('a full list evicts the oldest entry of the peer holding the most, not an honest one', (t) => {
  const list = new TxRetryList<string>({ capacity: 4, perPeer: 3, maxAttempts: 1 });
  list.add(id(1), 'honest');
  for (let n = 10; n < 13; n++) list.add(id(n), 'x');
  list.add(id(20), 'y'); // full: x (3 entries) loses its oldest
  const taken = list.take(10);
  t.deepEqual(taken.get('honest'), [id(1)]);
  t.deepEqual(taken.get('x'), [id(11), id(12)]);
  t.deepEqual(taken.get('y'), [id(20)]);
});

/**
 * Node B whose pool holds a chain of txs exactly at the ancestor limit, the one more that would
 * exceed it (`tail`, not yet sent), and a handshaken scripted peer to send it.
 */
async function tooLongChain(t: ExecutionContext): Promise<{ genesis: Block; chain: Transaction[]; tail: Transaction; b: TestNode; raw: RawPeer }> {
  const owner = makeKey();
  const key = makeKey();
  const genesis = buildBlock({ miner: owner });
  // One longer than the limit: tx 0 … tx maxAncestors, each spending the one before.
  const chain: Transaction[] = [spend(owner, [outpoint(genesis.transactions[0]!)], [pay(key, 900n)])];
  while (chain.length <= DEFAULT_MEMPOOL_POLICY.maxAncestors) chain.push(spend(key, [outpoint(chain[chain.length - 1]!)], [pay(key, 900n)]));
  const tail = chain[chain.length - 1]!;
  const b = await startNode(t, { genesis });
  for (const tx of chain.slice(0, -1)) b.mempool.addTransaction(tx);
  const raw = await RawPeer.ready(t, b, genesis.hash);
  return { genesis, chain, tail, b, raw };
}

test('a tx refused for too many unconfirmed ancestors is asked of its sender again once a block confirms one of them', async (t) => {
  const { genesis, chain, tail, b, raw } = await tooLongChain(t);

  const askedForTail = (): number =>
    raw.received.filter((m): m is GetDataMessage => m.kind === 'get-data' && m.items.some((i) => i.hash.equals(tail.txid))).length;

  raw.send({ kind: 'transaction', transaction: tail });
  await waitFor(() => raw.received.some((m) => m.kind === 'reject'), 'B to refuse the tail');
  const reject = raw.received.find((m): m is RejectMessage => m.kind === 'reject');
  t.is(reject?.code, 'too-many-ancestors');
  t.false(b.mempool.has(tail.txid));

  // Until a block arrives nothing changes, so nothing is asked.
  await new Promise((resolve) => setTimeout(resolve, 400));
  t.is(askedForTail(), 0);

  await b.chain.processBlock(buildBlock({ parent: genesis, miner: makeKey(), txs: [chain[0]!], fees: 100n }));
  await waitFor(() => askedForTail() === 1, 'B to ask for the tail again after the block');
  raw.send({ kind: 'transaction', transaction: tail });
  await waitFor(() => b.mempool.has(tail.txid), 'the tail in B\'s pool');
  t.false(raw.closed, 'the sender is not punished');
  t.deepEqual(b.net.discouraged(), []);
});

test('a refused tx that the next block confirms is not asked again (the sender would answer not-found)', async (t) => {
  const { genesis, chain, tail, b, raw } = await tooLongChain(t);
  raw.send({ kind: 'transaction', transaction: tail });
  await waitFor(() => raw.received.some((m) => m.kind === 'reject'), 'B to refuse the tail');
  // The whole chain, tail included, confirmed.
  await b.chain.processBlock(buildBlock({ parent: genesis, miner: makeKey(), txs: chain, fees: 100n }));
  await new Promise((resolve) => setTimeout(resolve, 800));
  const asked = raw.received.filter((m): m is GetDataMessage => m.kind === 'get-data' && m.items.some((i) => i.hash.equals(tail.txid))).length;
  t.is(asked, 0, 'the confirmed tail is not requested');
  t.log(`confirmed refused tx re-requested: ${asked}`);
});

test('an entry whose refusal still holds is neither asked nor charged an attempt', (t) => {
  let lifted = false;
  const list = new TxRetryList<string>({ capacity: 8, perPeer: 8, maxAttempts: 1 });
  list.add(id(1), 'p', () => lifted);
  list.add(id(2), 'p');
  t.deepEqual(list.take(10).get('p'), [id(2)]);
  t.deepEqual([...list.take(10).keys()], [], 'still not ready');
  t.is(list.size, 1);
  lifted = true;
  t.deepEqual(list.take(10).get('p'), [id(1)], 'asked once the block lifted it');
  t.is(list.size, 0);
});

test('a tx refused for spending an immature block reward is asked again only once the reward matures', async (t) => {
  const maturity = 5;
  const params: ChainParams = { ...TEST_PARAMS, coinbaseMaturity: maturity };
  const owner = makeKey();
  const genesis = buildBlock({ miner: owner, params });
  const block1 = buildBlock({ parent: genesis, miner: owner, params });
  const tx = spend(owner, [outpoint(block1.transactions[0]!)], [pay(makeKey(), 900n)]);
  const b = await startNode(t, { genesis, blocks: [block1], params });
  const raw = await RawPeer.ready(t, b, genesis.hash);
  const asked = (): number => raw.received.filter((m): m is GetDataMessage => m.kind === 'get-data' && m.items.some((i) => i.hash.equals(tx.txid))).length;
  raw.send({ kind: 'transaction', transaction: tx });
  await waitFor(() => raw.received.some((m) => m.kind === 'reject'), 'B to refuse it');
  t.is(raw.received.find((m): m is RejectMessage => m.kind === 'reject')?.code, 'bad-txns-premature-spend-of-coinbase');
  // Spendable from height 1 + 5 = 6: the blocks at heights 2, 3 and 4 cannot lift the refusal.
  let tip: Block = block1;
  for (let height = 2; height <= 4; height++) {
    tip = buildBlock({ parent: tip, miner: makeKey(), params });
    await b.chain.processBlock(tip);
    await new Promise((resolve) => setTimeout(resolve, 400));
  }
  t.is(asked(), 0, 'not asked while the reward is immature');
  tip = buildBlock({ parent: tip, miner: makeKey(), params });
  await b.chain.processBlock(tip); // height 5: the next block (6) may hold it
  await waitFor(() => asked() === 1, 'B to ask for it once the reward matures');
  raw.send({ kind: 'transaction', transaction: tx });
  await waitFor(() => b.mempool.has(tx.txid), 'the tx in the pool');
  t.log(`immature reward: asked 0 times at heights 2-4, once at height 5, then admitted`);
});

test(`a peer is asked for at most ${MAX_RETRY_AFTER_BLOCK_BATCH_PER_PEER} refused txs per block, and holds at most ${MAX_RETRY_AFTER_BLOCK_TXS_PER_PEER} in the list`, async (t) => {
  const owner = makeKey();
  const key = makeKey();
  const genesis = buildBlock({ miner: owner });
  const tails = MAX_RETRY_AFTER_BLOCK_TXS_PER_PEER + 8;
  // maxAncestors txs in B's pool, the last with one output per tail: every tail has one ancestor too many.
  const chain: Transaction[] = [spend(owner, [outpoint(genesis.transactions[0]!)], [pay(key, 900n)])];
  while (chain.length < DEFAULT_MEMPOOL_POLICY.maxAncestors - 1) chain.push(spend(key, [outpoint(chain[chain.length - 1]!)], [pay(key, 900n)]));
  chain.push(spend(key, [outpoint(chain[chain.length - 1]!)], Array.from({ length: tails }, () => pay(key, 10n))));
  const last = chain[chain.length - 1]!;
  const tailTxs = Array.from({ length: tails }, (_, i) => spend(key, [outpoint(last, i)], [pay(key, 10n)]));
  const b = await startNode(t, { genesis });
  for (const tx of chain) b.mempool.addTransaction(tx);
  const raw = await RawPeer.ready(t, b, genesis.hash);
  for (const tx of tailTxs) raw.send({ kind: 'transaction', transaction: tx });
  await new Promise((resolve) => setTimeout(resolve, 500));
  t.is(tailTxs.filter((tx) => b.mempool.has(tx.txid)).length, 0, 'every tail refused');
  const retries = (): GetDataMessage[] => raw.received.filter((m): m is GetDataMessage => m.kind === 'get-data');

  // A block that confirms nothing of the chain: the refusals still hold, but the retry is made (too-many-ancestors has no recorded condition).
  let tip = buildBlock({ parent: genesis, miner: makeKey() });
  await b.chain.processBlock(tip);
  await waitFor(() => retries().length === 1, 'the first retry');
  t.is(retries()[0]!.items.length, MAX_RETRY_AFTER_BLOCK_BATCH_PER_PEER, 'one batch');
  tip = buildBlock({ parent: tip, miner: makeKey() });
  await b.chain.processBlock(tip);
  await waitFor(() => retries().length >= 2, 'the second retry');
  await new Promise((resolve) => setTimeout(resolve, 300));
  const asked = new Set(retries().flatMap((m) => m.items.map((i) => i.hash.toString('hex'))));
  t.true(retries().every((m) => m.items.length <= MAX_RETRY_AFTER_BLOCK_BATCH_PER_PEER));
  t.is(asked.size, MAX_RETRY_AFTER_BLOCK_TXS_PER_PEER, 'only the peer\'s share was kept');
  t.false(raw.closed);
  t.log(`${tails} refused from one peer: kept ${asked.size}, get-data sizes ${retries().map((m) => m.items.length).join(', ')} (batch cap ${MAX_RETRY_AFTER_BLOCK_BATCH_PER_PEER})`);
});
