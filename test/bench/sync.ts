/**
 * Target (issue #12; was 60 %, design §4): block sync from a peer keeps ≥ 75 % of the raw all-core verify rate,
 * counting inputs. A source node holding BLOCK_COUNT blocks (block-fixture.ts: 20 txs of
 * 2-in/2-out each) runs in its own process (source-process.ts), as a real peer does; a fresh node
 * with an empty chain runs in this one, an in-process P2PNetwork on 127.0.0.1 with production
 * timers; timed from the dial to the fresh node's tip reaching the source's; the best of ROUNDS
 * syncs (each into a new fresh node) counts. The raw one-core and all-core verify rates are
 * measured in the same run. N and the window can be overridden with KADCHAIN_BENCH_SYNC_BLOCKS /
 * KADCHAIN_BENCH_SYNC_WINDOW (maxBlocksInFlight of the fresh node). Peak RSS is this process's
 * during the syncs: the syncing node's own (issue #12: < 250 MB), the source's apart.
 * One more sync with the source's tip as assumevalid (no signature checks) is reported beside,
 * outside the target: it shows what the checks cost.
 */
import { availableParallelism } from 'node:os';
import { secp256k1IsNative } from '../../src/primitives/secp256k1.js';
import { type BenchNode, startBenchNode, timeSync } from './bench-node.js';
import { rawAllCores, rawItems, rawOneCore, throughputFigures } from './raw-rates.js';
import { type SourceProcess, startSourceProcess } from './source-process.js';
import { mainThreadCpuMs, sampleRss, workerIdlePct } from './thread-cpu.js';
import type { BenchModule } from './types.js';

/** Issue #12: ≥ 0.75 on any CPU (was 0.6, design §4). */
const TARGET_RATIO = 0.75;
/** Issue #12: the syncing node's process stays under this during the sync. */
const TARGET_PEAK_RSS_MB = 250;
const BLOCK_COUNT = Number(process.env.KADCHAIN_BENCH_SYNC_BLOCKS ?? 2000);
const TXS_PER_BLOCK = 20;
const SYNC_TIMEOUT_MS = 10 * 60 * 1000;
/** Raw-rate measurements and syncs (each into a new fresh node) alternate; the best of each counts (see mempool-admission.ts). */
const ROUNDS = 2;
/** The fresh node's maxBlocksInFlight; unset = the production default. */
const WINDOW_OVERRIDE = process.env.KADCHAIN_BENCH_SYNC_WINDOW;

/** Dials the source from the fresh node; resolves with the seconds until the fresh tip is the source's. */
function timeSyncFrom(fresh: BenchNode, source: SourceProcess): Promise<number> {
  return timeSync(fresh, [source.port], source.tip, SYNC_TIMEOUT_MS);
}

async function run(): Promise<Record<string, unknown>> {
  const cores = availableParallelism();
  const raw = rawItems();
  const source = await startSourceProcess(BLOCK_COUNT, TXS_PER_BLOCK);
  const nodes: BenchNode[] = [];
  try {
    const oneCore: number[] = [];
    const allCores: number[] = [];
    const rounds: number[] = [];
    const mainCpu: number[] = [];
    const idlePct: number[] = [];
    let peakBlocksInFlight = 0;
    let peakRssMb = 0;
    for (let round = 0; round < ROUNDS; round++) {
      oneCore.push(rawOneCore(raw));
      allCores.push(await rawAllCores(raw, cores));
      const fresh = await startBenchNode(WINDOW_OVERRIDE === undefined ? {} : { maxBlocksInFlight: Number(WINDOW_OVERRIDE) });
      nodes.push(fresh);
      const rss = sampleRss();
      const cpuStart = mainThreadCpuMs();
      try {
        rounds.push(await timeSyncFrom(fresh, source));
      } finally {
        peakRssMb = Math.max(peakRssMb, rss.stop());
      }
      const cpuEnd = mainThreadCpuMs();
      if (cpuStart !== undefined && cpuEnd !== undefined) mainCpu.push(cpuEnd - cpuStart);
      idlePct.push(workerIdlePct(fresh.chain.verifyStats()));
      peakBlocksInFlight = Math.max(peakBlocksInFlight, fresh.net.stats().peakBlocksInFlight);
      nodes.pop();
      await fresh.stop();
    }
    const trusting = await startBenchNode(WINDOW_OVERRIDE === undefined ? {} : { maxBlocksInFlight: Number(WINDOW_OVERRIDE) }, { assumeValid: source.tip.hash });
    nodes.push(trusting);
    const assumeValidSecs = await timeSyncFrom(trusting, source);
    nodes.pop();
    await trusting.stop();
    return {
      assumeValid: { secs: Math.round(assumeValidSecs * 1000) / 1000, blocksPerSec: Math.round(BLOCK_COUNT / assumeValidSecs), inputsPerSec: Math.round(source.inputs / assumeValidSecs) },
      secp256k1Native: secp256k1IsNative,
      blocks: BLOCK_COUNT,
      txsPerBlock: TXS_PER_BLOCK,
      inputs: source.inputs,
      fixtureBuildMs: source.fixtureBuildMs,
      sourceLoadMs: source.sourceLoadMs,
      peakBlocksInFlight,
      // The syncing node's main thread (the source runs elsewhere), per input, best round; CPU time, so load-independent.
      ...(mainCpu.length > 0 ? { mainThreadCpuUsPerInput: Math.round((Math.min(...mainCpu) * 1000 * 10) / source.inputs) / 10 } : {}),
      // Share of the verify workers' time with nothing to check, per round: how well the pipeline fed them.
      verifyWorkerIdlePct: idlePct,
      rss: { peakMb: peakRssMb, target: TARGET_PEAK_RSS_MB, pass: peakRssMb < TARGET_PEAK_RSS_MB, of: 'the syncing node (source in its own process)' },
      ...throughputFigures({ secs: rounds, oneCore, allCores }, source.inputs, BLOCK_COUNT, cores, TARGET_RATIO),
    };
  } finally {
    for (const node of nodes.reverse()) await node.stop();
    await source.stop();
  }
}

export const syncBench: BenchModule = { name: 'sync', run };
