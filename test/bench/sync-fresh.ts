/**
 * One syncing node of the sync benches, in its own process (source-process.ts runs it): a fresh
 * bench node dials the sources, syncs to their tip and prints one JSON line (FreshResult) with the
 * seconds, its main-thread CPU, its verify workers' busy/idle time, its peak RSS, its ready peers
 * at the end and why it closed connections, then stops.
 * `node sync-fresh.js [HOST:]PORT[,...] TIP_HASH HEIGHT assumevalid|check MAX_BLOCKS_IN_FLIGHT(0 = default)`
 * (a bare PORT is on 127.0.0.1).
 */
import { readFileSync } from 'node:fs';
import { type DialAddress, readyPeers, startBenchNode, timeSync } from './bench-node.js';
import type { FreshResult } from './source-process.js';
import { mainThreadCpuMs, sampleRss } from './thread-cpu.js';

const SYNC_TIMEOUT_MS = 10 * 60 * 1000;

/** VmHWM of this process in MB (Linux /proc; undefined elsewhere). */
function highWaterMb(): number | undefined {
  try {
    const kb = /^VmHWM:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kb === undefined ? undefined : Math.round(Number(kb) / 1024);
  } catch {
    return undefined;
  }
}

const [addressesArg, tipHash, heightArg, mode, windowArg] = process.argv.slice(2);
const addresses: DialAddress[] = (addressesArg ?? '').split(',').map((entry) => {
  const colon = entry.lastIndexOf(':');
  return colon < 0 ? { host: '127.0.0.1', port: Number(entry) } : { host: entry.slice(0, colon), port: Number(entry.slice(colon + 1)) };
});
const height = Number(heightArg);
const window = Number(windowArg ?? 0);
if (!addresses.every((a) => a.host !== '' && Number.isInteger(a.port) && a.port > 0) || !tipHash || !Number.isInteger(height)) {
  throw new Error('usage: node sync-fresh.js [HOST:]PORT[,...] TIP_HASH HEIGHT assumevalid|check MAX_BLOCKS_IN_FLIGHT');
}
const tip = { hash: Buffer.from(tipHash, 'hex'), height };
const node = await startBenchNode(window > 0 ? { maxBlocksInFlight: window } : {}, mode === 'assumevalid' ? { assumeValid: tip.hash } : {});
// The main thread's CPU once the chain passes half the tip's height, and the inputs connected after that: the
// second half of a sync runs warm (JIT, inline caches, heap and LMDB map grown), the first pays the warm-up.
const halfHeight = Math.floor(height / 2);
/** The main thread's CPU and the clock when the half-height block connected. */
let half: { readonly cpuMs: number | undefined; readonly atMs: number } | undefined;
let secondHalfInputs = 0;
node.chain.on('block:connected', (block) => {
  if (block.height === halfHeight) half = { cpuMs: mainThreadCpuMs(), atMs: performance.now() };
  else if (block.height > halfHeight) for (const tx of block.transactions) if (!tx.isCoinbase) secondHalfInputs += tx.inputCount;
});
/** Why the node closed connections during the sync (a source that stalls should be dropped for block-stall). */
const closedReasons: string[] = [];
node.net.on('peer:closed', (_address, reason) => closedReasons.push(reason));
try {
  const rss = sampleRss();
  const cpuStart = mainThreadCpuMs();
  const processStart = process.cpuUsage();
  const secs = await timeSync(node, addresses, tip, SYNC_TIMEOUT_MS);
  const endMs = performance.now();
  const processUsed = process.cpuUsage(processStart);
  const cpuEnd = mainThreadCpuMs();
  const result: FreshResult = {
    secs,
    mainCpuMs: cpuStart === undefined || cpuEnd === undefined ? undefined : cpuEnd - cpuStart,
    secondHalf:
      half?.cpuMs === undefined || cpuEnd === undefined ? undefined : { mainCpuMs: cpuEnd - half.cpuMs, inputs: secondHalfInputs, secs: (endMs - half.atMs) / 1000 },
    processCpuMs: (processUsed.user + processUsed.system) / 1000,
    verify: node.chain.verifyStats(),
    peakBlocksInFlight: node.net.stats().peakBlocksInFlight,
    waitedForBlocksMs: node.net.stats().syncWaitedForBlocksMs,
    rss: rss.stop(),
    hwmMb: highWaterMb(),
    readyPeersAtEnd: readyPeers(node),
    closedReasons,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await node.stop();
}
