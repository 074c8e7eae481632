/**
 * Blocks a peer sends unasked (not sync's) are stored only when their branch has at least our
 * chain's work (Bitcoin Core's AcceptBlock for !fRequested). Before, each light side block was
 * signature-checked and written for ever: where the PoW is easy (conf's 0x1f00ffff is ~256 hashes
 * a block) a peer could fill our disk with side branches forking off genesis at wire speed.
 */
import test from 'ava';
import { buildBlock, makeKey } from '../../helpers/fixtures.js';
import { buildChain, startNode, tipHash, waitFor } from './net-helpers.js';
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
  // A rival of our tip (equal work) is kept: its child would make a reorg.
  const rival = buildBlock({ parent: b2, miner, extraData: Buffer.from('rival') });
  raw.send({ kind: 'block', block: rival });
  // The intake handles a peer's blocks in order: once this one connected, the others were judged.
  const b4 = buildBlock({ parent: b3, miner });
  raw.send({ kind: 'block', block: b4 });
  await waitFor(() => tipHash(node) === b4.hashHex, 'b4 to connect');

  t.deepEqual(light.filter((b) => node.chain.hasBlock(b.hash)).map((b) => b.hashHex), [], 'no light side block stored');
  t.true(node.chain.hasBlock(rival.hash), 'the equal-work rival is stored');
  t.false(raw.socket.destroyed, 'not punished: a stale rival is a race');
  t.true(node.net.peers().some((p) => p.ready && p.address.includes(String(raw.socket.localPort))), 'session kept');
});
