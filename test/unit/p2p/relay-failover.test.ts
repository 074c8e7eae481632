/**
 * An announced tx is fetched even when its first announcer leaves, or answers not-found: the
 * node asks the next peer that announced it (a raw peer announcing first and never answering
 * must not blackhole the tx).
 */
import test from 'ava';
import type { GetDataMessage } from '../../../src/p2p/wire/index.js';
import { buildBlock, makeKey, outpoint, pay, spend } from '../../helpers/fixtures.js';
import { startNode, type TestNode, waitFor } from './net-helpers.js';
import { RawPeer } from './raw-peer.js';

const owner = makeKey();
const genesis = buildBlock({ miner: owner });
const tx = spend(owner, [outpoint(genesis.transactions[0])], [pay(makeKey(), 900n)]);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const rawPeerOf = (t: Parameters<typeof startNode>[0], node: TestNode): Promise<RawPeer> => RawPeer.ready(t, node, genesis.hash);

const askedFor = (raw: RawPeer, txid: Buffer): boolean =>
  raw.received.some((m): m is GetDataMessage => m.kind === 'get-data' && m.items.some((i) => i.hash.equals(txid)));

/** A announces the tx and is asked for it; B announces it too and is not asked (yet). */
async function twoAnnouncers(t: Parameters<typeof startNode>[0]): Promise<{ node: TestNode; a: RawPeer; b: RawPeer }> {
  const node = await startNode(t, { genesis });
  const a = await rawPeerOf(t, node);
  const b = await rawPeerOf(t, node);
  a.send({ kind: 'inv', items: [{ type: 'tx', hash: tx.txid }] });
  await waitFor(() => askedFor(a, tx.txid), 'the node to ask A');
  b.send({ kind: 'inv', items: [{ type: 'tx', hash: tx.txid }] });
  await sleep(200);
  t.false(askedFor(b, tx.txid), 'one request per tx at a time');
  return { node, a, b };
}

test('a tx whose first announcer disconnects without answering is fetched from the second', async (t) => {
  const { node, a, b } = await twoAnnouncers(t);
  a.destroy();
  await waitFor(() => askedFor(b, tx.txid), 'the node to ask B once A is gone');
  b.send({ kind: 'transaction', transaction: tx });
  await waitFor(() => node.mempool.has(tx.txid), 'the tx to be accepted from B');
  t.false(b.closed);
  t.deepEqual(node.net.discouraged(), []);
});

test('a tx whose first announcer answers not-found is fetched from the second', async (t) => {
  const { node, a, b } = await twoAnnouncers(t);
  a.send({ kind: 'not-found', items: [{ type: 'tx', hash: tx.txid }] });
  await waitFor(() => askedFor(b, tx.txid), 'the node to ask B after A\'s not-found');
  b.send({ kind: 'transaction', transaction: tx });
  await waitFor(() => node.mempool.has(tx.txid), 'the tx to be accepted from B');
  t.false(a.closed);
  t.deepEqual(node.net.discouraged(), []);
});
