/**
 * Blocks a peer sends unasked (not sync's) are stored only when their branch has more work than
 * our chain (Bitcoin Core's AcceptBlock for !fRequested). Before, each light side block was
 * signature-checked and written for ever: where the PoW is easy (conf's 0x1f00ffff is ~256 hashes
 * a block) a peer could fill our disk with side branches forking off genesis at wire speed.
 */
import test from 'ava';
import type { WireMessage } from '../../../src/p2p/wire/index.js';
import { buildBlock, makeKey } from '../../helpers/fixtures.js';
import { buildChain, connect, startNode, tipHash, waitFor } from './net-helpers.js';
import { RawPeer } from './raw-peer.js';

const miner = makeKey();
const genesis = buildBlock({ miner });
const [b1, b2, b3] = buildChain(genesis, 3, miner) as [ReturnType<typeof buildBlock>, ReturnType<typeof buildBlock>, ReturnType<typeof buildBlock>];

test('unasked side blocks lighter than our chain are not stored and cost their sender nothing', async (t) => {
  const node = await startNode(t, { genesis, blocks: [b1, b2, b3] });
  const raw = await RawPeer.ready(t, node, genesis.hash);
  // Distinct side blocks at height 1, each a branch off genesis with a third of our work (fewer
  // than MAX_UNSOLICITED_BLOCKS_QUEUED_PER_PEER with the two below: none is dropped for the queue).
  const light = Array.from({ length: 12 }, (_, i) => buildBlock({ parent: genesis, miner, extraData: Buffer.from(`light${i}`) }));
  for (const block of light) raw.send({ kind: 'block', block });
  // A rival of our tip (equal work) is not stored either: it would cost the sender ~256 hashes.
  const rival = buildBlock({ parent: b2, miner, extraData: Buffer.from('rival') });
  raw.send({ kind: 'block', block: rival });
  // The intake handles a peer's blocks in order: once this one connected, the others were judged.
  const b4 = buildBlock({ parent: b3, miner });
  raw.send({ kind: 'block', block: b4 });
  await waitFor(() => tipHash(node) === b4.hashHex, 'b4 to connect');

  t.deepEqual(light.filter((b) => node.chain.hasBlock(b.hash)).map((b) => b.hashHex), [], 'no light side block stored');
  t.false(node.chain.hasBlock(rival.hash), 'nor the equal-work rival');
  t.false(raw.socket.destroyed, 'not punished: a stale rival is a race');
  t.true(node.net.peers().some((p) => p.ready && p.address.includes(String(raw.socket.localPort))), 'session kept');
});

test('a rival tip dropped as unasked still wins once its branch is heavier: its child starts a sync', async (t) => {
  const rival3 = buildBlock({ parent: b2, miner, extraData: Buffer.from('rival') });
  const a = await startNode(t, { genesis, blocks: [b1, b2, b3] });
  const b = await startNode(t, { genesis, blocks: [b1, b2, rival3] });
  await connect(a, b);
  // Equal work: neither syncs from the other, and B's tip is no block A would store unasked.
  const rival4 = buildBlock({ parent: rival3, miner, extraData: Buffer.from('rival') });
  await b.chain.processBlock(rival4); // B's miner found the next block: relayed to A
  await waitFor(() => tipHash(a) === rival4.hashHex, 'A to reorganise onto the heavier branch');
  t.true(a.chain.hasBlock(rival3.hash), 'the rival came through sync, asked for');
});

test('a light block refused once is not fetched again when another peer announces it', async (t) => {
  const node = await startNode(t, { genesis, blocks: [b1, b2, b3] });
  const first = await RawPeer.ready(t, node, genesis.hash);
  const second = await RawPeer.ready(t, node, genesis.hash);
  const stale = buildBlock({ parent: b2, miner, extraData: Buffer.from('stale rival') });
  first.send({ kind: 'inv', items: [{ type: 'block', hash: stale.hash }] });
  await first.waitFor('get-data');
  first.send({ kind: 'block', block: stale });
  const b4 = buildBlock({ parent: b3, miner });
  first.send({ kind: 'block', block: b4 }); // handled after the stale one: a signal that it was judged
  await waitFor(() => tipHash(node) === b4.hashHex, 'b4 to connect');
  t.false(node.chain.hasBlock(stale.hash));
  // The second announcer of the stale rival is not asked for it; a new block in the same inv is.
  const b5 = buildBlock({ parent: b4, miner });
  second.send({ kind: 'inv', items: [{ type: 'block', hash: stale.hash }, { type: 'block', hash: b5.hash }] });
  const getData = (await second.waitFor('get-data')) as WireMessage & { kind: 'get-data' };
  t.deepEqual(getData.items.map((i) => i.hash.toString('hex')), [b5.hashHex]);
});
