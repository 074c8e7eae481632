/**
 * A thin routing table (fewer than k entries) re-runs its self-lookup soon, backing off, instead
 * of waiting for the bucket refresh: a node's first lookup often runs while its bootstrap knows
 * nobody yet. The refresh interval is 60 s in every test here, so only the thin retry can help.
 */
import test from 'ava';
import type { Discovery } from '../../../src/p2p/discovery/service.js';
import type { DiscoveryTiming } from '../../../src/p2p/discovery/service-options.js';
import { FAST_TIMING, HOST, RawPeer, hasNode, sleep, startNode, waitFor } from './discovery-harness.js';

const NO_REFRESH: DiscoveryTiming = { ...FAST_TIMING, refreshIntervalMs: 60_000, bootstrapRetryIntervalMs: 60_000, thinTableRetryMinMs: 100 };

test.serial('nodes started together with one bootstrap all know each other quickly, long before the refresh interval', async (t) => {
  const boot = await startNode({ timing: NO_REFRESH });
  const nodes: Discovery[] = [];
  try {
    const starting = Array.from({ length: 8 }, () => startNode({ timing: NO_REFRESH, bootstrap: [{ host: HOST, port: boot.udpPort }] }));
    nodes.push(...(await Promise.all(starting)));
    const all = [boot, ...nodes];
    const ok = await waitFor(() => all.every((n) => n.tableSize === all.length - 1), 5000, 20);
    t.true(ok, `table sizes: ${all.map((n) => n.tableSize).join(',')}`);
  } finally {
    await Promise.all([boot, ...nodes].map((n) => n.stop()));
  }
});

test.serial('a node whose first lookup found nobody later finds the nodes its bootstrap met since', async (t) => {
  const boot = await startNode({ timing: NO_REFRESH });
  const a = await startNode({ timing: NO_REFRESH, bootstrap: [{ host: HOST, port: boot.udpPort }] });
  const boot2 = await startNode({ timing: NO_REFRESH });
  const others: Discovery[] = [];
  try {
    t.true(await waitFor(() => hasNode(a, boot.nodeId) && hasNode(boot, a.nodeId), 2000));
    await sleep(500); // a's first self-lookup is over: boot knew nobody but a
    t.is(a.tableSize, 1);
    // A second group that neither a nor boot knows, and that never learns of a by itself.
    for (let i = 0; i < 2; i++) others.push(await startNode({ timing: NO_REFRESH, bootstrap: [{ host: HOST, port: boot2.udpPort }] }));
    t.true(await waitFor(() => others.every((n) => hasNode(n, boot2.nodeId)), 2000));
    t.true(await boot.ping({ ip: HOST, port: boot2.udpPort }), 'boot bonds with the second group');
    const ok = await waitFor(() => hasNode(a, boot2.nodeId) && others.every((n) => hasNode(a, n.nodeId)), 5000, 20);
    t.true(ok, `a's table: ${a.tableSize} entries`);
  } finally {
    await Promise.all([boot, a, boot2, ...others].map((n) => n.stop()));
  }
});

test.serial('a dead bootstrap is re-pinged with exponential backoff, not at a fixed short interval', async (t) => {
  const dead = await RawPeer.create();
  dead.autoPong = false;
  const timing: DiscoveryTiming = { ...NO_REFRESH, pingTimeoutMs: 50, thinTableRetryMinMs: 50, refreshIntervalMs: 800 };
  const node = await startNode({ timing, bootstrap: [{ host: HOST, port: dead.port }] });
  try {
    await sleep(3000);
    // Pings at about 0, 0.1, 0.25, 0.5, 0.95, 1.8, 2.65 s (delay 50 ms doubling to 800 ms, plus
    // the 50 ms ping timeout): 7, or up to ~10 when the jitter (each delay × 0.5…1) draws short.
    // A fixed 50 ms retry would send ~30; no retry would send 1.
    const pings = dead.count('ping');
    t.true(pings >= 4 && pings <= 12, `${pings} pings in 3 s`);
    const times = dead.received.filter((p) => p.packet.type === 'ping').map((p) => p.atMs);
    const firstGap = times[1] - times[0];
    t.true(firstGap < 400, `the first retry comes after the short delay, not the refresh interval (first gap ${firstGap} ms)`);
    const lastGap = times[times.length - 1] - times[times.length - 2];
    t.true(lastGap >= 380, `the retry delay grew to the refresh interval, less at most half of jitter (last gap ${lastGap} ms)`);
  } finally {
    await Promise.all([node.stop(), dead.close()]);
  }
});

test.serial('a bootstrap that never answers find-node gets a bounded number of lookups, one at a time', async (t) => {
  const mute = await RawPeer.create(); // answers pings, never find-node: every self-lookup fails
  const timing: DiscoveryTiming = { ...NO_REFRESH, findNodeTimeoutMs: 50, bondWaitMs: 10, thinTableRetryMinMs: 50, refreshIntervalMs: 800 };
  const node = await startNode({ timing, bootstrap: [{ host: HOST, port: mute.port }] });
  try {
    await sleep(3000);
    const times = mute.received.filter((p) => p.packet.type === 'find-node').map((p) => p.atMs);
    // About 7 lookups (as for the pings above, up to ~10 with jitter); a fixed 50 ms retry would make ~25.
    // One find-node per lookup: a thin table's lookup does not retry its closest candidate (LOOKUP_RETRY_CLOSEST).
    t.true(times.length >= 4 && times.length <= 12, `${times.length} find-nodes in 3 s`);
    const gaps = times.slice(1).map((at, i) => at - times[i]);
    t.true(
      gaps.every((gap) => gap >= 40),
      `never two lookups at once: each find-node waits for the previous one's timeout (gaps ${gaps.join(',')} ms)`,
    );
  } finally {
    await Promise.all([node.stop(), mute.close()]);
  }
});

test.serial('a full table waits for the refresh interval; once it shrinks below k the self-lookup comes back soon', async (t) => {
  const boot = await RawPeer.create();
  const other = await RawPeer.create();
  boot.autoNeighbours = true;
  other.autoNeighbours = true;
  const timing: DiscoveryTiming = { ...NO_REFRESH, revalidateIntervalMs: 50, pingTimeoutMs: 50, bondWaitMs: 10 };
  // k = 2: the table is full with the bootstrap and one other node.
  const node = await startNode({ timing, bucketSize: 2, bootstrap: [{ host: HOST, port: boot.port }] });
  try {
    t.true(await waitFor(() => hasNode(node, boot.key.nodeId), 2000));
    // An inbound contact enters only after the node's first refresh (docs/protocol.md "Table admission"): ping until then.
    const pinging = setInterval(() => other.ping(node.udpPort), 100);
    const filled = await waitFor(() => node.tableSize === 2, 3000);
    clearInterval(pinging);
    t.true(filled, 'the table fills');
    await sleep(1000); // the retry already scheduled runs once more (a refresh), then the 60 s interval applies
    const before = boot.count('find-node');
    await sleep(700);
    t.is(boot.count('find-node'), before, 'a full table sends no lookups before the refresh interval');
    other.autoPong = false; // revalidation removes it: the table is thin again
    t.true(await waitFor(() => !hasNode(node, other.key.nodeId), 3000), 'the silent node is removed');
    t.true(await waitFor(() => boot.count('find-node') > before, 1000), 'a self-lookup follows within the shortest retry delay');
  } finally {
    await Promise.all([node.stop(), boot.close(), other.close()]);
  }
});
