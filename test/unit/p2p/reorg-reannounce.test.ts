/**
 * A tx that a reorg puts back into the pool is announced again to every peer, even one we once
 * announced it to: that peer may have dropped it since (it was confirmed), or have asked for it
 * while it was confirmed here and got not-found. Found by the partition lab test: after a cut
 * shorter than the peer timeout, the losing side's payments stayed on that side.
 * Only once the reorg settles: only those still in the pool (not confirmed by the new branch,
 * not evicted), in one inv per peer, at most MAX_REORG_REANNOUNCE_TXS items — never one inv per
 * tx during the disconnect, which let an honest peer discourage us for inv-flood and made us
 * announce txs we then answered not-found.
 */
import test from 'ava';
import type { MempoolEntry } from '../../../src/mempool/mempool.js';
import { MAX_PEER_PENDING_ANNOUNCEMENTS, MAX_REORG_REANNOUNCE_TXS } from '../../../src/p2p/constants.js';
import { MAX_INV_ITEMS, type InvMessage, type WireMessage } from '../../../src/p2p/wire/index.js';
import { buildBlock, makeKey, outpoint, pay, spend } from '../../helpers/fixtures.js';
import { startNode, waitFor } from './net-helpers.js';
import { RawPeer } from './raw-peer.js';

const owner = makeKey();
const genesis = buildBlock({ miner: owner });
const invsOf = (received: readonly WireMessage[]): InvMessage[] => received.filter((m): m is InvMessage => m.kind === 'inv');

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

test('after a reorg the re-added txs still in the pool are re-announced in one inv; the one the new branch confirms is not', async (t) => {
  const key = makeKey();
  const tx1 = spend(owner, [outpoint(genesis.transactions[0]!)], [pay(key, 300n), pay(key, 300n), pay(key, 300n)]);
  const tx2 = spend(key, [outpoint(tx1, 1)], [pay(key, 290n)]);
  const tx3 = spend(key, [outpoint(tx1, 2)], [pay(key, 290n)]);
  const a1 = buildBlock({ parent: genesis, miner: makeKey(), txs: [tx1, tx2, tx3], fees: 120n });
  const b1 = buildBlock({ parent: genesis, miner: makeKey(), txs: [tx1], fees: 100n, extraData: Buffer.from('b1') });
  const b2 = buildBlock({ parent: b1, miner: makeKey(), extraData: Buffer.from('b2') });

  const b = await startNode(t, { genesis });
  await b.chain.processBlock(a1);
  const raw = await RawPeer.ready(t, b, genesis.hash);
  await b.chain.processBlock(b1); // a side branch: no reorg yet
  const before = raw.received.length;
  await b.chain.processBlock(b2); // reorg: a1 out, b1 and b2 in
  t.true(b.mempool.has(tx2.txid) && b.mempool.has(tx3.txid) && !b.mempool.has(tx1.txid));

  const txInvs = (): InvMessage[] => invsOf(raw.received.slice(before)).filter((m) => m.items.some((i) => i.type === 'tx'));
  await waitFor(() => txInvs().length > 0, 'the re-announcement');
  await new Promise((resolve) => setTimeout(resolve, 300));
  const invs = txInvs();
  t.is(invs.length, 1, 'one inv for the whole reorg');
  const hashes = invs[0]!.items.map((i) => i.hash.toString('hex')).sort();
  t.deepEqual(hashes, [tx2.txidHex, tx3.txidHex].sort(), 'the confirmed tx1 is not announced');
  t.log(`reorg re-announce: ${invs.length} inv, ${hashes.length} items, confirmed announced 0`);
});

test('a deep reorg re-adding many txs is re-announced once settled, capped, and never names an evicted tx', async (t) => {
  const b = await startNode(t, { genesis });
  const raw = await RawPeer.ready(t, b, genesis.hash);
  const before = raw.received.length;
  // Stand-ins for what a deep reorg re-adds: more than the cap; every 7th is evicted by the trim.
  const count = MAX_REORG_REANNOUNCE_TXS * 2;
  const txids = Array.from({ length: count }, (_, n) => {
    const txid = Buffer.alloc(32);
    txid.writeUInt32BE(n + 1);
    return txid;
  });
  const evicted = new Set(txids.filter((_, n) => n % 7 === 0).map((h) => h.toString('hex')));
  Object.assign(b.mempool, { has: (txid: Buffer) => !evicted.has(txid.toString('hex')) });
  for (const txid of txids) b.mempool.emit('tx:added', { tx: { txid } } as unknown as MempoolEntry, true);
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.is(invsOf(raw.received.slice(before)).length, 0, 'nothing announced while the reorg is in progress');

  b.mempool.emit('reorg:settled');
  await waitFor(() => invsOf(raw.received.slice(before)).length > 0, 'the re-announcement');
  await new Promise((resolve) => setTimeout(resolve, 300));
  const invs = invsOf(raw.received.slice(before));
  const items = invs.flatMap((m) => m.items);
  t.is(invs.length, 1, 'one inv');
  t.true(invs.every((m) => m.items.length <= MAX_INV_ITEMS));
  t.is(items.length, MAX_REORG_REANNOUNCE_TXS, 'capped');
  t.true(items.length <= MAX_PEER_PENDING_ANNOUNCEMENTS, 'within what the receiver keeps pending per announcer');
  t.is(items.filter((i) => evicted.has(i.hash.toString('hex'))).length, 0, 'no evicted tx');
  t.false(raw.closed);
  t.log(`deep reorg re-announce: re-added ${count}, evicted ${evicted.size}, invs ${invs.length}, items ${items.length} (cap ${MAX_REORG_REANNOUNCE_TXS}), evicted announced 0`);
});
