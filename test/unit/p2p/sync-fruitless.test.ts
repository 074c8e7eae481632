/**
 * Claimed chain work only orders the sync candidates: a peer that answers every get-blocks with
 * nothing and claims more work in the same write must not keep the sync slot from an honest peer
 * that has the chain, and is punished after MAX_FRUITLESS_SYNCS_IN_A_ROW such syncs.
 */
import test from 'ava';
import { MAX_FRUITLESS_SYNCS_IN_A_ROW } from '../../../src/p2p/constants.js';
import { encodeMessageFrame } from '../../../src/p2p/wire/index.js';
import { buildBlock, makeKey } from '../../helpers/fixtures.js';
import { buildChain, connect, startNode, tipHash, waitFor, type TestNode } from './net-helpers.js';
import { RawPeer } from './raw-peer.js';

const owner = makeKey();
const genesis = buildBlock({ miner: owner });

/** A raw peer claiming ever more work: each get-blocks gets an empty headers reply and, in the same write, a ping with more work. */
async function liar(t: { teardown(fn: () => void): void }, node: TestNode): Promise<{ raw: RawPeer; asked: () => number }> {
  const raw = await RawPeer.connect(node.net.tcpPort);
  t.teardown(() => raw.destroy());
  let work = 1n << 100n;
  raw.pongChainWork = work;
  raw.pongBestHeight = 1_000;
  let asked = 0;
  raw.onMessage = (msg) => {
    if (msg.kind !== 'get-blocks') return;
    asked++;
    work += 1n;
    raw.pongChainWork = work;
    // One write: the empty reply ends the sync, and the new claim arrives before the next choice.
    raw.socket.write(Buffer.concat([encodeMessageFrame({ kind: 'headers', headers: [] }), encodeMessageFrame({ kind: 'ping', nonce: BigInt(asked), bestHeight: 1_000, chainWork: work })]));
  };
  raw.sendHandshake({ genesisHash: genesis.hash, bestHeight: 1_000, chainWork: work });
  await raw.waitFor('get-blocks');
  return { raw, asked: () => asked };
}

test('a peer claiming ever more work with empty headers cannot keep an honest peer from syncing us', async (t) => {
  const honest = await startNode(t, { genesis, blocks: buildChain(genesis, 20, owner) });
  const node = await startNode(t, { genesis });
  const { asked } = await liar(t, node);
  await connect(node, honest);
  await waitFor(() => tipHash(node) === tipHash(honest), 'the node to sync the honest chain', 15_000);
  t.is(node.chain.tip?.height, 20);
  t.log(`the liar was asked ${asked()} times by then`);
  t.true(asked() <= MAX_FRUITLESS_SYNCS_IN_A_ROW + 1);
});

test('a peer whose syncs gain nothing while it claims ever more work is punished after MAX_FRUITLESS_SYNCS_IN_A_ROW', async (t) => {
  const node = await startNode(t, { genesis });
  const { raw, asked } = await liar(t, node);
  await raw.waitClosed(15_000);
  t.is(asked(), MAX_FRUITLESS_SYNCS_IN_A_ROW + 1);
  t.true(node.net.discouraged().some((d) => d.reason.startsWith('fruitless-sync: ')), JSON.stringify(node.net.discouraged()));
});

// Serial: it builds and loads a 2,150-block chain (a full 2,000-header batch is the attack), which would
// slow the file's timed tests running beside it.
test.serial("a peer replaying a full batch of our own headers to every get-blocks cannot hold the sync slot: the batch must continue the last", async (t) => {
  const common = buildChain(genesis, 2_100, owner);
  const node = await startNode(t, { genesis, blocks: common });
  // 2,000 headers of the node's own chain: they link, their PoW and times are fine, none is missing.
  const replay = encodeMessageFrame({ kind: 'headers', headers: common.slice(0, 2_000).map((b) => b.header) });
  const raw = await RawPeer.connect(node.net.tcpPort);
  t.teardown(() => raw.destroy());
  raw.pongChainWork = 1n << 200n;
  raw.pongBestHeight = 1_000_000;
  let asked = 0;
  raw.onMessage = (msg) => {
    if (msg.kind !== 'get-blocks') return;
    asked++;
    raw.socket.write(replay);
  };
  raw.sendHandshake({ genesisHash: genesis.hash, bestHeight: 1_000_000, chainWork: 1n << 200n });
  await raw.waitFor('get-blocks');
  const honest = await startNode(t, { genesis, blocks: [...common, ...buildChain(common.at(-1)!, 50, owner, { tag: 'h' })] });
  await connect(node, honest);
  await waitFor(() => tipHash(node) === tipHash(honest), 'the node to sync the honest chain past the replayer', 15_000);
  t.is(node.chain.tip?.height, 2_150);
  t.log(`the replayer was asked ${asked} times`);
  // It was asked once per session (the second batch of each is refused) for at most the fruitless syncs allowed.
  t.true(asked <= 2 * (MAX_FRUITLESS_SYNCS_IN_A_ROW + 1), `asked ${asked} times`);
});
