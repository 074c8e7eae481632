/**
 * A bootstrap under a burst sheds load (bounded requests per second, drops the rest before the
 * signature check) and everyone still converges: the nodes it dropped come back through their
 * thin-table retries. Issue #13.
 */
import test from 'ava';
import type { Discovery } from '../../../src/p2p/discovery/service.js';
import { FAST_TIMING, HOST, startNode, waitFor } from './discovery-harness.js';

const NODES = 40;
/** Far below what 40 nodes starting at once ask of it (~2 requests each at once, more on retries). */
const BOOT_REQUESTS_PER_SEC = 15;
const MIN_TABLE_SIZE = 8;

test.serial('a bootstrap with a small request budget sheds a burst of 40 starting nodes, and all of them still reach 8 entries', async (t) => {
  const timing = { ...FAST_TIMING, refreshIntervalMs: 60_000 };
  const boot = await startNode({ timing, inboundRequestsPerSec: BOOT_REQUESTS_PER_SEC });
  const nodes: Discovery[] = [];
  try {
    const startMs = performance.now();
    nodes.push(...(await Promise.all(Array.from({ length: NODES }, () => startNode({ timing, bootstrap: [{ host: HOST, port: boot.udpPort }] })))));
    const ok = await waitFor(() => nodes.every((n) => n.tableSize >= MIN_TABLE_SIZE), 60_000, 50);
    const ms = Math.round(performance.now() - startMs);
    const { shed, 'sender-rate': senderRate } = boot.stats.dropped;
    t.log(`${NODES} nodes: all ≥ ${MIN_TABLE_SIZE} entries ${ok ? `after ${ms} ms` : 'NOT reached'}; bootstrap shed ${shed} requests (${senderRate} over a sender's share), received ${boot.stats.packetsReceived}; table sizes min ${Math.min(...nodes.map((n) => n.tableSize))}`);
    t.true(shed > 0, 'the burst was over the budget, so some requests were shed');
    t.true(ok, `table sizes: ${nodes.map((n) => n.tableSize).join(',')}`);
  } finally {
    await Promise.all([boot, ...nodes].map((n) => n.stop()));
  }
});
