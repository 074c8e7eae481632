import test from 'ava';
import { randomBytes } from 'node:crypto';
import { compareDistance } from '../../../src/p2p/discovery/routing-table.js';
import type { Discovery } from '../../../src/p2p/discovery/service.js';
import type { DiscoveredNode } from '../../../src/p2p/types.js';
import { FAST_TIMING, HOST, hasNode, startNode, waitFor } from './discovery-harness.js';

test.serial('two nodes find each other through a bootstrap node, with TCP ports from their signed pings', async (t) => {
  const boot = await startNode();
  const a = await startNode({ bootstrap: [{ host: HOST, port: boot.udpPort }] });
  const verifiedByA: DiscoveredNode[] = [];
  a.on('node:verified', (n) => verifiedByA.push(n));
  const b = await startNode({ bootstrap: [{ host: HOST, port: boot.udpPort }] });
  try {
    t.true(a.udpPort > 0 && b.udpPort > 0 && a.udpPort !== b.udpPort);
    t.true(await waitFor(() => hasNode(a, b.nodeId) && hasNode(b, a.nodeId), 5000), 'a and b know each other');
    t.true(hasNode(a, boot.nodeId) && hasNode(boot, a.nodeId) && hasNode(boot, b.nodeId));

    const bSeenByA = a.knownNodes(10).find((n) => n.nodeId.equals(b.nodeId));
    t.deepEqual(bSeenByA?.endpoint, { ip: HOST, udpPort: b.udpPort, tcpPort: b.localEndpoint.tcpPort });
    t.true(await waitFor(() => a.knownNodes(10).find((n) => n.nodeId.equals(boot.nodeId))?.endpoint.tcpPort === boot.localEndpoint.tcpPort, 2000));
    t.true(verifiedByA.some((n) => n.nodeId.equals(b.nodeId)), "'node:verified' announced b");
    t.false(hasNode(a, a.nodeId), 'self never enters the table');
    t.is(a.knownNodes(1).length, 1, 'knownNodes honours its limit');
  } finally {
    await Promise.all([a.stop(), b.stop(), boot.stop()]);
  }
});

test.serial('20 nodes with one bootstrap each end up with at least 8 table entries; lookups find the true closest node', async (t) => {
  // A lookup keeps only the nodes that answered. With FAST_TIMING's 300 ms find-node timeout and
  // a refresh lookup per node every 400 ms (21 nodes, each find-node signed and verified, in this
  // one process), a loaded 2-core machine let live nodes time out: the closest node, known to
  // every table, was dropped as failed and a second lookup found it. Live nodes must be able to
  // answer for the property under test to hold, so this network gets load-tolerant timeouts and
  // a calmer refresh (thin tables still retry at once, so the tables fill as fast).
  const timing = { ...FAST_TIMING, pingTimeoutMs: 2_000, findNodeTimeoutMs: 2_000, refreshIntervalMs: 2_000 };
  const boot = await startNode({ timing });
  const nodes: Discovery[] = [];
  try {
    for (let i = 0; i < 20; i++) nodes.push(await startNode({ timing, bootstrap: [{ host: HOST, port: boot.udpPort }] }));
    const all = [boot, ...nodes];
    const ok = await waitFor(() => all.every((n) => n.tableSize >= 8), 10_000, 50);
    t.true(ok, `table sizes: ${all.map((n) => n.tableSize).join(',')}`);

    const target = randomBytes(32);
    const looker = nodes[0];
    const expected = all.filter((n) => n !== looker).sort((x, y) => compareDistance(target, x.nodeId, y.nodeId));
    const startedMs = Date.now();
    const found = await looker.lookup(target);
    t.log(`lookup of ${found.length} nodes in ${Date.now() - startedMs} ms; table sizes ${all.map((n) => n.tableSize).join(',')}`);
    t.true(found.length >= 8, `lookup returned ${found.length} nodes`);
    t.true(found[0].nodeId.equals(expected[0].nodeId), 'the closest node found is the closest node that exists');
    for (let i = 1; i < found.length; i++) t.true(compareDistance(target, found[i - 1].nodeId, found[i].nodeId) < 0, 'closest first');
  } finally {
    await Promise.all([boot, ...nodes].map((n) => n.stop()));
  }
});

test.serial('a node started before its bootstrap keeps retrying until the bootstrap answers', async (t) => {
  const boot = await startNode();
  const port = boot.udpPort;
  await boot.stop();
  const late = await startNode({ bootstrap: [{ host: HOST, port }] });
  const boot2 = await startNode({ udpPort: port });
  try {
    t.true(await waitFor(() => hasNode(late, boot2.nodeId), 3000));
  } finally {
    await Promise.all([late.stop(), boot2.stop()]);
  }
});
