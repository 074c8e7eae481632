/**
 * Target (issue #12; was 60 %, design §4): block sync from a peer keeps ≥ 75 % of the raw all-core verify rate,
 * counting inputs. A source node holding BLOCK_COUNT blocks (block-fixture.ts: 20 txs of
 * 2-in/2-out each) in a process of its own (sync-source.ts) and a fresh node with an empty chain
 * in this one, both P2PNetworks on 127.0.0.1 with production timers; timed from the dial to the fresh node's tip reaching the
 * source's; the best of ROUNDS syncs (each into a new fresh node) counts. The raw one-core and
 * all-core verify rates are measured in the same run. N and the window can be overridden with
 * KADCHAIN_BENCH_SYNC_BLOCKS / KADCHAIN_BENCH_SYNC_WINDOW (maxBlocksInFlight of the fresh node).
 * One more sync with the source's tip as assumevalid (no signature checks) is reported beside,
 * outside the target: it shows what the checks cost.
 */
import { fork } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { secp256k1IsNative } from '../../src/primitives/secp256k1.js';
import { type BenchNode, startBenchNode, timeSync } from './bench-node.js';
import { rawAllCores, rawItems, rawOneCore, throughputFigures } from './raw-rates.js';
import { sampleRss } from './thread-cpu.js';
import type { SyncSourceReady, SyncSourceRequest } from './sync-source.js';
import type { BenchModule } from './types.js';

/** Issue #12: ≥ 0.75 on any CPU (was 0.6, design §4). */
const TARGET_RATIO = 0.75;
/** Issue #12: the syncing node's process stays under this during the sync (the source runs in its own since sync-source.ts). */
const TARGET_PEAK_RSS_MB = 250;
const BLOCK_COUNT = Number(process.env.KADCHAIN_BENCH_SYNC_BLOCKS ?? 2000);
const TXS_PER_BLOCK = 20;
const SYNC_TIMEOUT_MS = 10 * 60 * 1000;
/** Raw-rate measurements and syncs (each into a new fresh node) alternate; the best of each counts (see mempool-admission.ts). */
const ROUNDS = 2;
/** The fresh node's maxBlocksInFlight; unset = the production default. */
const WINDOW_OVERRIDE = process.env.KADCHAIN_BENCH_SYNC_WINDOW;

interface SourceProcess {
  readonly ready: SyncSourceReady;
  stop(): Promise<void>;
}

/** Forks sync-source.ts and waits until it serves the fixture chain. */
async function startSource(request: SyncSourceRequest): Promise<SourceProcess> {
  const child = fork(fileURLToPath(new URL('./sync-source.js', import.meta.url)), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      if (child.connected) child.disconnect();
      else child.kill();
    });
  try {
    const ready = await new Promise<SyncSourceReady>((resolve, reject) => {
      child.once('message', (message: SyncSourceReady) => resolve(message));
      child.once('exit', (code) => reject(new Error(`the sync source process exited (code ${code}) before it served its chain`)));
      child.send(request);
    });
    return { ready, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Dials the source from the fresh node; resolves with the seconds until the fresh tip is the source's. */
function timeSyncFrom(fresh: BenchNode, source: SyncSourceReady): Promise<number> {
  return timeSync(fresh, [source.port], { hash: Buffer.from(source.tipHash, 'hex'), height: source.tipHeight }, SYNC_TIMEOUT_MS);
}

async function run(): Promise<Record<string, unknown>> {
  const cores = availableParallelism();
  const raw = rawItems();
  const nodes: BenchNode[] = [];
  const sourceProcess = await startSource({ blocks: BLOCK_COUNT, txsPerBlock: TXS_PER_BLOCK });
  try {
    const source = sourceProcess.ready;
    const { fixtureBuildMs, sourceLoadMs, inputs } = source;
    const oneCore: number[] = [];
    const allCores: number[] = [];
    const rounds: number[] = [];
    let peakBlocksInFlight = 0;
    let peakRssMb = 0;
    for (let round = 0; round < ROUNDS; round++) {
      oneCore.push(rawOneCore(raw));
      allCores.push(await rawAllCores(raw, cores));
      const fresh = await startBenchNode(WINDOW_OVERRIDE === undefined ? {} : { maxBlocksInFlight: Number(WINDOW_OVERRIDE) });
      nodes.push(fresh);
      const rss = sampleRss();
      try {
        rounds.push(await timeSyncFrom(fresh, source));
      } finally {
        peakRssMb = Math.max(peakRssMb, rss.stop());
      }
      peakBlocksInFlight = Math.max(peakBlocksInFlight, fresh.net.stats().peakBlocksInFlight);
      nodes.pop();
      await fresh.stop();
    }
    const trusting = await startBenchNode(WINDOW_OVERRIDE === undefined ? {} : { maxBlocksInFlight: Number(WINDOW_OVERRIDE) }, { assumeValid: Buffer.from(source.tipHash, 'hex') });
    nodes.push(trusting);
    const assumeValidSecs = await timeSyncFrom(trusting, source);
    nodes.pop();
    await trusting.stop();
    return {
      assumeValid: { secs: Math.round(assumeValidSecs * 1000) / 1000, blocksPerSec: Math.round(BLOCK_COUNT / assumeValidSecs), inputsPerSec: Math.round(inputs / assumeValidSecs) },
      secp256k1Native: secp256k1IsNative,
      blocks: BLOCK_COUNT,
      txsPerBlock: TXS_PER_BLOCK,
      inputs,
      fixtureBuildMs,
      sourceLoadMs,
      peakBlocksInFlight,
      rss: { peakMb: peakRssMb, target: TARGET_PEAK_RSS_MB, pass: peakRssMb < TARGET_PEAK_RSS_MB },
      ...throughputFigures({ secs: rounds, oneCore, allCores }, inputs, BLOCK_COUNT, cores, TARGET_RATIO),
    };
  } finally {
    for (const node of nodes.reverse()) await node.stop();
    await sourceProcess.stop();
  }
}

export const syncBench: BenchModule = { name: 'sync', run };
