import test from 'ava';
import type { Block } from '../../../src/primitives/block.js';
import { buildBlock, makeKey, outpoint, pay, spend } from '../../helpers/fixtures.js';
import { buildChain, connect, startNode, tipHash, waitFor } from './net-helpers.js';
import { RawPeer } from './raw-peer.js';

const owner = makeKey();
const genesis = buildBlock({ miner: owner });

test('a node with an empty chain adopts its peer genesis and syncs', async (t) => {
  const blocks = buildChain(genesis, 5, owner);
  const a = await startNode(t, { genesis, blocks });
  const b = await startNode(t);
  t.is(b.chain.tip, undefined);
  await connect(b, a);
  await waitFor(() => tipHash(b) === tipHash(a), 'B to sync A');
  t.true(b.chain.genesisHash?.equals(genesis.hash));
  t.is(b.chain.tip?.height, 5);
});

test('a node started later downloads 300 blocks, several in flight at once', async (t) => {
  const blocks = buildChain(genesis, 300, owner);
  const a = await startNode(t, { genesis, blocks });
  const b = await startNode(t, { genesis, config: { maxBlocksInFlight: 16 } });
  await connect(b, a);
  await waitFor(() => tipHash(b) === tipHash(a), 'B to reach height 300', 60_000);
  t.is(b.chain.tip?.height, 300);
  const { peakBlocksInFlight } = b.net.stats();
  t.true(peakBlocksInFlight > 1, `pipelined (peak ${peakBlocksInFlight})`);
  t.true(peakBlocksInFlight <= 16);
  // one get-blocks for the batch (+ at most one to confirm the end), not one request per block
  t.true((a.net.stats().received['get-blocks'] ?? 0) <= 3);
});

test('competing branches converge on the most work and the losing txs are not lost', async (t) => {
  const payee = makeKey();
  const tx = spend(owner, [outpoint(genesis.transactions[0])], [pay(payee, 100n), pay(owner, 890n)]);
  const withTx = buildBlock({ parent: genesis, miner: makeKey(), txs: [tx], fees: 10n, extraData: Buffer.from('a0') });
  const loser = [withTx, ...buildChain(withTx, 2, makeKey(), { tag: 'a' })];
  const winner = buildChain(genesis, 5, makeKey(), { tag: 'b' });
  const a = await startNode(t, { genesis, blocks: loser });
  const b = await startNode(t, { genesis, blocks: winner });
  t.is(a.chain.tip?.height, 3);
  await connect(a, b);
  await waitFor(() => tipHash(a) === tipHash(b), 'A to reorganise onto B’s branch');
  t.is(a.chain.tip?.hash.toString('hex'), winner[4].hash.toString('hex'));
  t.is(b.chain.tip?.height, 5);
  // the tx of the losing branch is back in A's mempool (and relayed to B)
  await waitFor(() => a.mempool.has(tx.txid) && b.mempool.has(tx.txid), 'the orphaned tx in both mempools');
  t.is(a.chain.getCoin(outpoint(tx)), undefined);
});

test('a block with an unknown parent waits in the orphan pool until the parent arrives', async (t) => {
  const a = await startNode(t, { genesis });
  const [parent, child] = buildChain(genesis, 2, owner);
  const raw = await RawPeer.connect(a.net.tcpPort);
  t.teardown(() => raw.destroy());
  raw.sendHandshake({ genesisHash: genesis.hash, bestHeight: 0, chainWork: 1n });
  await waitFor(() => a.net.peers().some((p) => p.ready), 'the raw peer to be ready');
  raw.send({ kind: 'block', block: child });
  await waitFor(() => a.net.stats().orphans === 1, 'the orphan to be held');
  t.is(a.chain.tip?.height, 0);
  // the unknown parent makes A ask the sender for the blocks leading to it
  await raw.waitFor('get-blocks');
  raw.send({ kind: 'block', block: parent });
  await waitFor(() => tipHash(a) === child.hash.toString('hex'), 'parent then orphan to connect');
  t.is(a.net.stats().orphans, 0);
  t.deepEqual(a.net.discouraged(), []);
});

test('an invalid block from a peer discourages it while policy refusals do not', async (t) => {
  const a = await startNode(t, { genesis });
  const raw = await RawPeer.connect(a.net.tcpPort);
  t.teardown(() => raw.destroy());
  raw.sendHandshake({ genesisHash: genesis.hash });
  await waitFor(() => a.net.peers().some((p) => p.ready), 'the raw peer to be ready');
  raw.send({ kind: 'block', block: genesis }); // duplicate: fine
  const tooRich: Block = buildBlock({ parent: genesis, miner: makeKey(), coinbaseAmount: 5_000n });
  raw.send({ kind: 'block', block: tooRich });
  await raw.waitClosed();
  t.false(a.net.isDiscouraged(raw.key.nodeId.toString('hex')), 'the address is discouraged, never the node id');
  t.true(a.net.isDiscouraged('127.0.0.1'));
  t.is(a.chain.tip?.height, 0);
});

test('a sync peer that stalls is abandoned for another peer with more work', async (t) => {
  const blocks = buildChain(genesis, 20, owner);
  const a = await startNode(t, { genesis, blocks });
  const b = await startNode(t, { genesis, config: { syncStallTimeoutMs: 500 } });
  // claims far more work than anyone, then never answers get-blocks
  const liar = await RawPeer.connect(b.net.tcpPort);
  t.teardown(() => liar.destroy());
  liar.sendHandshake({ genesisHash: genesis.hash, bestHeight: 1_000, chainWork: 1n << 100n });
  await liar.waitFor('get-blocks');
  t.is(b.net.stats().syncPeer, `127.0.0.1:${liar.socket.localPort}`);
  await connect(b, a);
  await waitFor(() => tipHash(b) === tipHash(a), 'B to sync from A after the stall', 10_000);
  t.is(b.chain.tip?.height, 20);
  t.false(liar.closed, 'stalling is not misbehaviour');
});
