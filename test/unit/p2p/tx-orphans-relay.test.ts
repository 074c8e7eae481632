import test from 'ava';
import type { GetDataMessage, RejectMessage } from '../../../src/p2p/wire/index.js';
import { buildBlock, makeKey, outpoint, pay, spend } from '../../helpers/fixtures.js';
import { connect, startNode, type TestNode, waitFor } from './net-helpers.js';
import { RawPeer } from './raw-peer.js';

const owner = makeKey();
const middle = makeKey();
const last = makeKey();
const genesis = buildBlock({ miner: owner });
const parent = spend(owner, [outpoint(genesis.transactions[0])], [pay(middle, 900n)]);
const child = spend(middle, [outpoint(parent)], [pay(last, 800n)]);

const rawPeerOf = (t: Parameters<typeof startNode>[0], node: TestNode): Promise<RawPeer> => RawPeer.ready(t, node, genesis.hash);

const getDataFor = (raw: RawPeer, txid: Buffer): GetDataMessage | undefined =>
  raw.received.find((m): m is GetDataMessage => m.kind === 'get-data' && m.items.some((i) => i.type === 'tx' && i.hash.equals(txid)));

test('a child announced before its parent is held, the parent is fetched from the announcer, and both are relayed on', async (t) => {
  const b = await startNode(t, { genesis });
  const c = await startNode(t, { genesis });
  await connect(b, c);
  const raw = await rawPeerOf(t, b);

  raw.send({ kind: 'inv', items: [{ type: 'tx', hash: child.txid }] });
  await waitFor(() => getDataFor(raw, child.txid) !== undefined, 'B to request the announced child');
  raw.send({ kind: 'transaction', transaction: child });
  await waitFor(() => getDataFor(raw, parent.txid) !== undefined, 'B to request the missing parent from the announcer');
  t.is(b.net.stats().orphanTxs, 1);
  t.false(b.mempool.has(child.txid));
  t.false(c.mempool.has(child.txid), 'an orphan is not relayed');

  // Announced again while waiting: held already, so not requested twice.
  raw.send({ kind: 'inv', items: [{ type: 'tx', hash: child.txid }] });
  raw.send({ kind: 'transaction', transaction: parent });
  await waitFor(() => c.mempool.has(parent.txid) && c.mempool.has(child.txid), 'both txs to reach C');
  t.true(b.mempool.has(parent.txid) && b.mempool.has(child.txid));
  t.is(b.net.stats().orphanTxs, 0);
  t.is(raw.received.filter((m) => m.kind === 'get-data').length, 2);
  t.false(raw.has('inv'), 'neither tx is announced back to the peer that sent it');
  t.false(raw.closed);
  t.deepEqual(b.net.discouraged(), []);
  t.is(c.net.stats().orphanTxs, 0);
});

test('the orphans of a peer that disconnects are dropped', async (t) => {
  const b = await startNode(t, { genesis });
  const raw = await rawPeerOf(t, b);
  raw.send({ kind: 'transaction', transaction: child });
  await waitFor(() => getDataFor(raw, parent.txid) !== undefined, 'B to request the missing parent');
  t.is(b.net.stats().orphanTxs, 1);
  raw.destroy();
  await waitFor(() => b.net.stats().orphanTxs === 0, 'the orphan to be dropped with its peer');
  b.mempool.addTransaction(parent);
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.false(b.mempool.has(child.txid));
});

test('an orphan with a bad signature fails when its parent enters the mempool locally, and its sender is discouraged', async (t) => {
  const b = await startNode(t, { genesis });
  const raw = await rawPeerOf(t, b);
  const forged = child.withSignature(0, Buffer.alloc(64, 7));
  raw.send({ kind: 'transaction', transaction: forged });
  await waitFor(() => getDataFor(raw, parent.txid) !== undefined, 'B to request the missing parent');
  t.false(raw.closed, 'a missing parent alone is not punished');
  t.deepEqual(b.net.discouraged(), []);

  b.mempool.addTransaction(parent); // as the wallet would: any 'tx:added' retries the orphans
  await raw.waitClosed();
  t.true(b.mempool.has(parent.txid));
  t.false(b.mempool.has(forged.txid));
  t.is(b.net.stats().orphanTxs, 0);
  t.true(b.net.isDiscouraged('127.0.0.1'));
  const reject = raw.received.find((m): m is RejectMessage => m.kind === 'reject');
  t.is(reject?.code, 'bad-txns-signature');
  t.true(reject?.hash.equals(forged.txid));
});

test('a child whose parent is missing is not remembered as rejected: sent again after the parent, it is accepted', async (t) => {
  const b = await startNode(t, { genesis });
  const first = await rawPeerOf(t, b);
  first.send({ kind: 'transaction', transaction: child });
  await waitFor(() => getDataFor(first, parent.txid) !== undefined, 'B to request the missing parent');
  first.destroy(); // drops the orphan: only the filter could still refuse the child now
  await waitFor(() => b.net.stats().orphanTxs === 0, 'the orphan to be dropped');
  b.mempool.addTransaction(parent);
  const second = await rawPeerOf(t, b);
  second.send({ kind: 'inv', items: [{ type: 'tx', hash: child.txid }] });
  await waitFor(() => getDataFor(second, child.txid) !== undefined, 'B to request the child again');
  second.send({ kind: 'transaction', transaction: child });
  await waitFor(() => b.mempool.has(child.txid), 'the child in the mempool');
  t.true(b.mempool.has(child.txid) && b.mempool.has(parent.txid));
});

test('a chain of orphans connects in order once the oldest ancestor arrives', async (t) => {
  const b = await startNode(t, { genesis });
  const raw = await rawPeerOf(t, b);
  const grandchild = spend(last, [outpoint(child)], [pay(makeKey(), 700n)]);
  raw.send({ kind: 'transaction', transaction: grandchild });
  await waitFor(() => getDataFor(raw, child.txid) !== undefined, 'B to request the child');
  raw.send({ kind: 'transaction', transaction: child });
  await waitFor(() => getDataFor(raw, parent.txid) !== undefined, 'B to request the parent');
  t.is(b.net.stats().orphanTxs, 2);
  raw.send({ kind: 'transaction', transaction: parent });
  await waitFor(() => b.mempool.size === 3 || raw.closed, 'all three in the mempool');
  t.is(b.net.stats().orphanTxs, 0);
  t.deepEqual(b.mempool.entries().map((e) => e.tx.txidHex), [parent, child, grandchild].map((tx) => tx.txidHex));
});

test('an orphan whose parent is confirmed in a block (never pooled here) enters the mempool', async (t) => {
  const b = await startNode(t, { genesis });
  const raw = await rawPeerOf(t, b);
  raw.send({ kind: 'transaction', transaction: child });
  await waitFor(() => getDataFor(raw, parent.txid) !== undefined, 'B to request the missing parent');
  await b.chain.processBlock(buildBlock({ parent: genesis, miner: makeKey(), txs: [parent], fees: 100n }));
  await waitFor(() => b.mempool.has(child.txid), 'the child in the mempool');
  t.false(b.mempool.has(parent.txid));
  t.is(b.net.stats().orphanTxs, 0);
});

test('a tx refused by policy is not fetched again until a block connects, then it is', async (t) => {
  const b = await startNode(t, { genesis });
  const raw = await rawPeerOf(t, b);
  const rival = spend(owner, [outpoint(genesis.transactions[0])], [pay(last, 900n)]);
  b.mempool.addTransaction(parent); // spends the coin `rival` spends too
  const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 100));

  raw.send({ kind: 'transaction', transaction: rival });
  await pause();
  t.false(b.mempool.has(rival.txid), 'a conflict with a pooled tx is refused');
  raw.send({ kind: 'inv', items: [{ type: 'tx', hash: rival.txid }] });
  await pause();
  t.is(getDataFor(raw, rival.txid), undefined, 'a recently refused tx is not requested again');
  t.false(raw.closed, 'a policy refusal is not punished');

  await b.chain.processBlock(buildBlock({ parent: genesis, miner: owner }));
  raw.send({ kind: 'inv', items: [{ type: 'tx', hash: rival.txid }] });
  await waitFor(() => getDataFor(raw, rival.txid) !== undefined, 'B to request the tx again after the new tip');
});

test("an orphan's parent already being fetched from another peer is not asked twice; that peer gone, the orphan's sender is asked", async (t) => {
  const b = await startNode(t, { genesis });
  const first = await rawPeerOf(t, b);
  first.send({ kind: 'inv', items: [{ type: 'tx', hash: parent.txid }] });
  await waitFor(() => getDataFor(first, parent.txid) !== undefined, 'B to request the announced parent (after the inbound delay)');
  // `first` never delivers. A second peer sends the child: its parent is in flight already.
  const second = await rawPeerOf(t, b);
  second.send({ kind: 'transaction', transaction: child });
  await waitFor(() => b.net.stats().orphanTxs === 1, 'the child held as an orphan');
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.is(getDataFor(second, parent.txid), undefined, 'the parent is not requested twice (it was a direct get-data to every orphan sender)');
  first.destroy(); // its request ends: the next announcer, the orphan's sender, is asked
  await waitFor(() => getDataFor(second, parent.txid) !== undefined, "B to ask the orphan's sender for the parent");
  second.send({ kind: 'transaction', transaction: parent });
  await waitFor(() => b.mempool.has(child.txid), 'both txs in the mempool');
  t.true(b.mempool.has(parent.txid));
  t.is(b.net.stats().orphanTxs, 0);
});
