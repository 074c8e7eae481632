/**
 * A block of the sync batch that fails is held against the sync peer only when the sync peer
 * sent it. Any peer may send a block in flight, and a mutated body keeps its header's hash: a
 * helper's bad body used to make the honest source "fruitless" (not chosen again until it
 * claimed other work), and 11 such helpers in a row got the source punished (fruitless-sync).
 */
import test from 'ava';
import { MAX_FRUITLESS_SYNCS_IN_A_ROW } from '../../../src/p2p/constants.js';
import { Block } from '../../../src/primitives/block.js';
import { buildBlock, makeKey } from '../../helpers/fixtures.js';
import { buildChain, startNode, tipHash, waitFor } from './net-helpers.js';
import { RawPeer } from './raw-peer.js';

const owner = makeKey();
const genesis = buildBlock({ miner: owner });
const HEIGHT = 60;
const SYNC_TIMEOUT_MS = 60_000;

test(`${MAX_FRUITLESS_SYNCS_IN_A_ROW + 2} helpers sending mutated bodies neither stop the sync nor get the honest source punished`, async (t) => {
  const blocks = buildChain(genesis, HEIGHT, owner);
  const alt = buildChain(genesis, HEIGHT, owner, { tag: 'alt' });
  // Each block's header over another block's coinbase at its height: the same hash, a merkle root that does not match.
  const mutated = new Map(blocks.map((b, i) => [b.hashHex, new Block(b.header, alt[i]!.transactions)]));
  const source = await startNode(t, { genesis, blocks });
  const fresh = await startNode(t, { genesis });
  const helpers: RawPeer[] = [];
  let mutatedSent = 0;
  for (let i = 0; i < MAX_FRUITLESS_SYNCS_IN_A_ROW + 2; i++) {
    const raw = await RawPeer.connect(fresh.net.tcpPort);
    t.teardown(() => raw.destroy());
    // Claims every block but less work than genesis: never the header source, always given bodies to fetch.
    raw.pongBestHeight = HEIGHT;
    raw.pongChainWork = 1n;
    raw.onMessage = (msg) => {
      if (msg.kind !== 'get-data') return;
      const first = msg.items[0];
      const bad = first === undefined ? undefined : mutated.get(first.hash.toString('hex'));
      if (bad === undefined) return;
      mutatedSent++;
      raw.send({ kind: 'block', block: bad });
    };
    raw.sendHandshake({ genesisHash: genesis.hash, bestHeight: HEIGHT, chainWork: 1n });
    helpers.push(raw);
  }
  await waitFor(() => fresh.net.peers().filter((p) => p.ready).length === helpers.length, 'the helpers to be ready');
  fresh.net.addPeer('127.0.0.1', source.net.tcpPort);
  await waitFor(() => fresh.net.peers().some((p) => p.ready && p.direction === 'outbound'), 'the source to be ready');
  const sourceSession = fresh.net.peers().find((p) => p.direction === 'outbound')!.connectedSinceMs;
  await waitFor(() => tipHash(fresh) === tipHash(source), 'the fresh node to sync from the honest source', SYNC_TIMEOUT_MS);
  const outbound = fresh.net.peers().filter((p) => p.direction === 'outbound');
  t.log(`mutated bodies sent: ${mutatedSent}; helpers dropped: ${helpers.filter((h) => h.closed).length}/${helpers.length}; source sessions now: ${outbound.length}`);
  t.true(mutatedSent >= 1, 'the attack ran');
  t.is(fresh.chain.tip?.height, HEIGHT);
  t.deepEqual(
    outbound.map((p) => p.connectedSinceMs),
    [sourceSession],
    'the session to the honest source was never closed (no fruitless-sync punishment)',
  );
});
