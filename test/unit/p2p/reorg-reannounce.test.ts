/**
 * A tx that a reorg puts back into the pool is announced again to every peer, even one we once
 * announced it to: that peer may have dropped it since (it was confirmed), or have asked for it
 * while it was confirmed here and got not-found. Found by the partition lab test: after a cut
 * shorter than the peer timeout, the losing side's payments stayed on that side.
 */
import test from 'ava';
import type { InvMessage } from '../../../src/p2p/wire/index.js';
import { buildBlock, makeKey, outpoint, pay, spend } from '../../helpers/fixtures.js';
import { startNode, waitFor } from './net-helpers.js';
import { RawPeer } from './raw-peer.js';

const owner = makeKey();
const genesis = buildBlock({ miner: owner });

test('a tx back from a disconnected block is announced again to a peer that heard of it before', async (t) => {
  const b = await startNode(t, { genesis });
  const raw = await RawPeer.ready(t, b, genesis.hash);
  const tx = spend(owner, [outpoint(genesis.transactions[0]!)], [pay(makeKey(), 900n)]);
  const invsOfTx = (): number => raw.received.filter((m): m is InvMessage => m.kind === 'inv' && m.items.some((i) => i.hash.equals(tx.txid))).length;

  b.mempool.addTransaction(tx);
  await waitFor(() => invsOfTx() === 1, 'the first announcement');
  await b.chain.processBlock(buildBlock({ parent: genesis, miner: makeKey(), txs: [tx], fees: 100n }));
  t.false(b.mempool.has(tx.txid), 'confirmed');

  // A longer branch without it: the reorg puts it back into the pool.
  const other = buildBlock({ parent: genesis, miner: makeKey() });
  await b.chain.processBlock(other);
  await b.chain.processBlock(buildBlock({ parent: other, miner: makeKey() }));
  t.is(b.chain.tip?.height, 2);
  await waitFor(() => b.mempool.has(tx.txid), 'the tx back in the pool');
  await waitFor(() => invsOfTx() === 2, 'the tx announced again');
  t.pass();
});
