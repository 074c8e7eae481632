/**
 * Txs refused for a reason a block can lift are asked again after the next block: the list's
 * bound and order, and over a real connection a chain one longer than txpool.maxAncestors,
 * whose tail is refused, then fetched again once a block confirms its oldest ancestor.
 */
import test from 'ava';
import { DEFAULT_MEMPOOL_POLICY } from '../../../src/mempool/constants.js';
import { TxRetryList } from '../../../src/p2p/tx-retry.js';
import type { GetDataMessage, RejectMessage } from '../../../src/p2p/wire/index.js';
import type { Transaction } from '../../../src/primitives/tx.js';
import { buildBlock, makeKey, outpoint, pay, spend } from '../../helpers/fixtures.js';
import { startNode, waitFor } from './net-helpers.js';
import { RawPeer } from './raw-peer.js';

const id = (n: number): Buffer => Buffer.alloc(32, n);

test('the retry list forgets its oldest entry beyond its capacity and hands back txids per peer, oldest first', (t) => {
  const list = new TxRetryList<string>(3);
  list.add(id(1), 'a');
  list.add(id(2), 'b');
  list.add(id(3), 'a');
  list.add(id(4), 'a');
  t.is(list.size, 3, 'capacity 3');
  list.add(id(2), 'b'); // again: now the newest, so id 3 is the oldest
  list.add(id(5), 'b');
  t.is(list.size, 3);
  const byPeer = list.takeByPeer();
  t.deepEqual(byPeer.get('a'), [id(4)], 'ids 1 and 3 were forgotten, oldest first');
  t.deepEqual(byPeer.get('b'), [id(2), id(5)]);
  t.is(list.size, 0, 'taking empties it');

  list.add(id(6), 'a');
  list.add(id(7), 'b');
  list.removePeer('a');
  t.deepEqual([...list.takeByPeer().keys()], ['b'], 'a closed peer\'s entries go with it');
});

test('a tx refused for too many unconfirmed ancestors is asked of its sender again once a block confirms one of them', async (t) => {
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
