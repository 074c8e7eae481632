/**
 * Two lookups at once asking the same node: a neighbours answer does not name its target, so the
 * node is asked by one lookup after the other. Before, both passed the "no find-node outstanding"
 * wait before either sent, the second request replaced the first, and the first lookup counted
 * the node as unanswered (a table failure: three of those remove a live node) while its answer
 * was dropped as unsolicited.
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { FAST_TIMING, RawPeer, hasNode, sleep, startNode, waitFor } from './discovery-harness.js';

test('two lookups at once both get the answer of the one node they ask, and it is not counted as failed', async (t) => {
  // No bootstrap: its table is open to the raw peer's ping. No upkeep lookups of its own during the test.
  const service = await startNode({ timing: { ...FAST_TIMING, refreshIntervalMs: 60_000, thinTableRetryMinMs: 60_000 } });
  const raw = await RawPeer.create();
  raw.autoNeighbours = true;
  try {
    raw.ping(service.udpPort);
    t.true(await waitFor(() => hasNode(service, raw.key.nodeId), 3000), 'the raw peer is in the table');
    const [a, b] = await Promise.all([service.lookup(randomBytes(raw.key.nodeId.length)), service.lookup(randomBytes(raw.key.nodeId.length))]);
    const asked = raw.count('find-node');
    await sleep(200); // a second answer to one request would arrive by then, and be dropped as unsolicited
    t.log(`results: ${a.length} and ${b.length}`);
    t.log(`find-nodes the raw peer got for the two lookups: ${asked}; dropped as unsolicited: ${service.stats.dropped['unsolicited-neighbours'] ?? 0}`);
    t.true(a.some((n) => n.nodeId.equals(raw.key.nodeId)), 'the first lookup got its answer');
    t.true(b.some((n) => n.nodeId.equals(raw.key.nodeId)), 'the second lookup got its answer');
    t.is(asked, 2, 'asked once per lookup');
    t.is(service.stats.dropped['unsolicited-neighbours'] ?? 0, 0, 'no answer dropped');
    t.true(hasNode(service, raw.key.nodeId));
  } finally {
    await Promise.all([service.stop(), raw.close()]);
  }
});
