/**
 * Header sync downloads no bodies of a branch that is not heavier than ours (Core fetches blocks
 * only of a header chain with more work than its tip). Before, a peer that claimed more work and
 * served valid-PoW headers of a lighter branch had every body fetched and stored as a side branch:
 * up to our height's worth of blocks per fruitless sync, ~256 hashes each at conf's difficulty.
 */
import test from 'ava';
import { buildBlock, makeKey } from '../../helpers/fixtures.js';
import { buildChain, startNode, waitFor } from './net-helpers.js';
import { RawPeer } from './raw-peer.js';
import { serveChain } from './serve-chain.js';

const owner = makeKey();
const genesis = buildBlock({ miner: owner });
const ours = buildChain(genesis, 20, owner);
const light = buildChain(genesis, 15, owner, { tag: 'light' });

test('a sync peer claiming more work whose headers show a lighter branch gets no body requested', async (t) => {
  const node = await startNode(t, { genesis, blocks: ours });
  const raw = await RawPeer.connect(node.net.tcpPort);
  t.teardown(() => raw.destroy());
  const claim = 1n << 100n;
  raw.pongChainWork = claim;
  raw.pongBestHeight = 1_000;
  serveChain(raw, light);
  raw.sendHandshake({ genesisHash: genesis.hash, bestHeight: 1_000, chainWork: claim });
  await raw.waitFor('get-blocks');
  await waitFor(() => raw.received.filter((m) => m.kind === 'get-blocks').length >= 2 && !node.net.syncStatus().syncing, 'the sync to end');
  t.false(raw.has('get-data'), 'no body of the light branch asked for');
  t.deepEqual(light.filter((b) => node.chain.hasBlock(b.hash)).map((b) => b.height), []);
  t.is(node.chain.tip?.height, 20);
});

test('a heavier branch forking below our tip is still downloaded and wins (control)', async (t) => {
  const heavy = buildChain(genesis, 25, owner, { tag: 'heavy' });
  const node = await startNode(t, { genesis, blocks: ours });
  const raw = await RawPeer.connect(node.net.tcpPort);
  t.teardown(() => raw.destroy());
  raw.pongChainWork = 26n; // the pong's claim only orders candidates; the handshake's starts the sync
  raw.pongBestHeight = 25;
  serveChain(raw, heavy);
  raw.sendHandshake({ genesisHash: genesis.hash, bestHeight: 25, chainWork: 1n << 100n });
  await waitFor(() => node.chain.tip?.hash.equals(heavy.at(-1)!.hash) === true, 'the node to reorganise onto the heavier branch');
  t.is(node.chain.tip?.height, 25);
});

test('an orphan that builds on a rival of our tip gets the rival fetched, though the source has not stored the orphan yet', async (t) => {
  // The soak test's race: our tip is at 20; a peer pushed on a block at 21 built on a rival at 20
  // (which we refused unasked, equal work) before storing it, so its headers stop at the rival.
  const rival = buildChain(ours[18]!, 2, owner, { tag: 'rival' });
  const [rival20, child21] = [rival[0]!, rival[1]!];
  const node = await startNode(t, { genesis, blocks: ours });
  const raw = await RawPeer.connect(node.net.tcpPort);
  t.teardown(() => raw.destroy());
  raw.pongChainWork = 21n; // equal work: no sync until the orphan
  raw.pongBestHeight = 20;
  serveChain(raw, [genesis, ...ours.slice(0, 19), rival20]);
  raw.sendHandshake({ genesisHash: genesis.hash, bestHeight: 20, chainWork: 21n });
  await waitFor(() => node.net.peers().some((p) => p.ready), 'the handshake');
  raw.send({ kind: 'block', block: child21 });
  await waitFor(() => node.chain.tip?.hash.equals(child21.hash) === true, 'the node to fetch the rival and adopt the orphan', 10_000);
  t.true(raw.received.some((m) => m.kind === 'get-data' && m.items.some((i) => i.hash.equals(rival20.hash))), 'the rival was asked for');
  t.is(node.chain.tip?.height, 21);
});
