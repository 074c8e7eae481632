/**
 * Target (design §4): 50 discovery nodes on 127.0.0.1 with one bootstrap node — every node has
 * ≥ 8 verified nodes in its routing table within 5 s. Production timers (no test shortcuts): the
 * only thing that runs at once is the self-lookup each node starts when its bootstrap answers.
 */
import { generatePrivateKey } from '../../src/primitives/secp256k1.js';
import { nodeKeyFromPrivateKey } from '../../src/p2p/discovery/node-key.js';
import { Discovery } from '../../src/p2p/discovery/service.js';
import { silentLogger } from '../../src/util/logger.js';
import type { BenchModule } from './types.js';

const NODE_COUNT = 50;
const MIN_TABLE_SIZE = 8;
const TARGET_MS = 5000;
/** Give up (and report pass: false) after this long. */
const GIVE_UP_MS = 30_000;
const POLL_MS = 5;
const HOST = '127.0.0.1';
const FIRST_TCP_PORT = 42_000;

function newNode(i: number, bootstrapPort: number | undefined): Discovery {
  return new Discovery({
    nodeKey: nodeKeyFromPrivateKey(generatePrivateKey()),
    bindHost: HOST,
    udpPort: 0,
    tcpPort: FIRST_TCP_PORT + i,
    advertisedIp: HOST,
    bootstrap: bootstrapPort === undefined ? [] : [{ host: HOST, port: bootstrapPort }],
    logger: silentLogger(),
  });
}

async function run(): Promise<Record<string, unknown>> {
  const boot = newNode(0, undefined);
  const nodes = [boot];
  try {
    await boot.start();
    const startMs = performance.now();
    const others = Array.from({ length: NODE_COUNT - 1 }, (_, i) => newNode(i + 1, boot.udpPort));
    nodes.push(...others);
    await Promise.all(others.map((n) => n.start()));
    let elapsedMs = 0;
    while (!nodes.every((n) => n.tableSize >= MIN_TABLE_SIZE) && elapsedMs < GIVE_UP_MS) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      elapsedMs = performance.now() - startMs;
    }
    const ms = Math.round(performance.now() - startMs);
    const done = nodes.every((n) => n.tableSize >= MIN_TABLE_SIZE);
    const sizes = nodes.map((n) => n.tableSize).sort((a, b) => a - b);
    const packets = nodes.reduce((sum, n) => sum + n.stats.packetsSent, 0);
    return {
      nodes: NODE_COUNT,
      msToAllHave8: done ? ms : null,
      targetMs: TARGET_MS,
      pass: done && ms < TARGET_MS,
      tableSizeMin: sizes[0],
      tableSizeMedian: sizes[Math.floor(sizes.length / 2)],
      packetsSent: packets,
    };
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
  }
}

export const discoveryBench: BenchModule = { name: 'discovery', run };
