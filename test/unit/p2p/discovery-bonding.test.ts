/**
 * Bonding back (docs/scale.md defect 3): a node pings back an unproven pinger only when the
 * pinger could get a place in its table; otherwise the ping-back waits for the pinger's find-node.
 * In the 500-node start most ping-backs went to nodes that could not be admitted (their table was
 * still closed to inbound contacts), and they were half of every bond's four datagrams.
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { FAST_TIMING, HOST, RawPeer, hasNode, sleep, startNode, waitFor } from './discovery-harness.js';

/** Longer than the test ping timeout (300 ms): a ping-back would have come by then. */
const SILENCE_MS = 500;

test('a node with no place for a pinger pongs without pinging back; the pinger\'s find-node gets the ping-back, and asked again, an answer — the pinger stays out of the table', async (t) => {
  // A bootstrap that never answers: the table stays empty and closed to inbound contacts (no self-lookup has ended).
  const deadBootstrap = await RawPeer.create();
  deadBootstrap.autoPong = false;
  const service = await startNode({
    bootstrap: [{ host: HOST, port: deadBootstrap.port }],
    timing: { ...FAST_TIMING, thinTableRetryMinMs: 60_000, bootstrapRetryIntervalMs: 60_000 },
  });
  const raw = await RawPeer.create();
  try {
    raw.ping(service.udpPort);
    t.true(await waitFor(() => raw.count('pong') === 1, 3000), 'the ping is answered');
    await sleep(SILENCE_MS);
    t.is(raw.count('ping'), 0, 'no ping-back to a node that could not enter the table');

    raw.send({ type: 'find-node', target: randomBytes(32), expiration: raw.expiration() }, service.udpPort);
    t.true(await waitFor(() => raw.count('ping') === 1, 3000), 'an unproven find-node brings the ping-back');
    t.is(raw.count('neighbours'), 0, 'nothing answered before the endpoint is proven');
    t.is(service.stats.dropped['unproven-find-node'], 1);
    await sleep(100); // our auto-pong to the ping-back arrives
    raw.send({ type: 'find-node', target: randomBytes(32), expiration: raw.expiration() }, service.udpPort);
    t.true(await waitFor(() => raw.count('neighbours') >= 1, 3000), 'proven now: the find-node is answered');
    t.false(hasNode(service, raw.key.nodeId), 'still no place for it: the table is closed to inbound contacts');
    t.log(`raw peer received ${raw.received.length} packets: ${raw.received.map((p) => p.packet.type).join(', ')}`);
  } finally {
    await Promise.all([service.stop(), raw.close(), deadBootstrap.close()]);
  }
});

test('a node with a place for a pinger pings back at once, and admits it on the pong', async (t) => {
  // No bootstrap: inbound contacts are all it has, so its table is open to them from the start.
  const service = await startNode();
  const raw = await RawPeer.create();
  try {
    raw.ping(service.udpPort);
    t.true(await waitFor(() => raw.count('pong') === 1 && raw.count('ping') === 1, 3000), 'pong and ping-back');
    t.true(await waitFor(() => hasNode(service, raw.key.nodeId), 3000), 'admitted once its pong proved the endpoint');
  } finally {
    await Promise.all([service.stop(), raw.close()]);
  }
});
