/**
 * An orphan block names the session that sent it (to ask it for the parents, to punish it if the
 * block turns out invalid): held after that session closed, it kept the dead Peer alive — its read
 * buffer (up to MAX_PAYLOAD_BYTES of a frame it had started), its known-inventory set, its socket —
 * for up to 5 minutes, outside every budget, and a flooder reconnecting for each orphan was a new
 * "sender" each time, so the largest-share eviction could not find it. A closed session's orphans
 * go with it, as its orphan transactions do.
 */
import test from 'ava';
import { buildBlock, makeKey } from '../../helpers/fixtures.js';
import { OrphanPool } from '../../../src/p2p/orphans.js';
import { startNode, waitFor } from './net-helpers.js';
import { RawPeer } from './raw-peer.js';

const miner = makeKey();
const genesis = buildBlock({ miner });

test("a closed peer's orphan blocks are dropped with it (the dead session is not kept for 5 minutes)", async (t) => {
  const node = await startNode(t, { genesis });
  const stays = await RawPeer.ready(t, node, genesis.hash);
  const leaves = await RawPeer.ready(t, node, genesis.hash);
  const kept = buildBlock({ parent: buildBlock({ parent: genesis, miner, extraData: Buffer.from('missing a') }), miner });
  const dropped = buildBlock({ parent: buildBlock({ parent: genesis, miner, extraData: Buffer.from('missing b') }), miner });
  stays.send({ kind: 'block', block: kept });
  leaves.send({ kind: 'block', block: dropped });
  await waitFor(() => node.net.stats().orphans === 2, 'both orphans to be held');
  leaves.destroy();
  await waitFor(() => node.net.peers().length === 1, 'the leaving peer to be closed');
  // Polled for longer than the close takes to reach every component (it is synchronous on old code too).
  await waitFor(() => node.net.stats().orphans === 1, "the closed peer's orphan to go", 1_000).catch(() => undefined);
  t.is(node.net.stats().orphans, 1, "the closed peer's orphan went, the open peer's stays");
});

test('removeForPeer drops exactly what that sender gave', (t) => {
  const pool = new OrphanPool<string>(10, 60_000);
  const orphan = (tag: string) => buildBlock({ parent: buildBlock({ parent: genesis, miner, extraData: Buffer.from(`missing ${tag}`) }), miner, extraData: Buffer.from(tag) });
  const mine = orphan('mine');
  pool.add(mine, 'stays');
  pool.add(orphan('gone 1'), 'gone');
  pool.add(orphan('gone 2'), 'gone');
  t.is(pool.removeForPeer('gone'), 2);
  t.is(pool.removeForPeer('gone'), 0);
  t.is(pool.size, 1);
  t.true(pool.has(mine.hash));
  t.is(pool.countFrom('gone'), 0);
});
