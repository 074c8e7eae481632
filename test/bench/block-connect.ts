/**
 * Target (issue #12; was 60 %, design §4): block sync keeps ≥ 75 % of the raw all-core verify rate, counting inputs.
 * This is the local half of sync: a fresh Chain decoding and connecting a prepared chain of
 * blocks. The raw one-core and all-core verify rates are measured in the same run.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chain } from '../../src/chain/chain.js';
import { DEFAULT_MAX_BLOCKS_IN_FLIGHT } from '../../src/p2p/constants.js';
import { Block } from '../../src/primitives/block.js';
import { secp256k1IsNative } from '../../src/primitives/secp256k1.js';
import { silentLogger } from '../../src/util/logger.js';
import { TEST_PARAMS } from '../helpers/fixtures.js';
import { buildBlockFixture } from './block-fixture.js';
import { rawAllCores, rawItems, rawOneCore, throughputFigures } from './raw-rates.js';
import { mainThreadCpuMs } from './thread-cpu.js';
import type { BenchModule } from './types.js';

/** Issue #12: ≥ 0.75 on any CPU (was 0.6, design §4). */
const TARGET_RATIO = 0.75;
/** Enough blocks (~2 s) that starting the verify workers and the first commit do not dominate the figure. */
const BLOCK_COUNT = 1000;
const TXS_PER_BLOCK = 20;
/** Raw and connect runs alternate; the best of each counts (see mempool-admission.ts). */
const ROUNDS = 3;
/**
 * Blocks handed to processBlock before awaiting the oldest, as the sync loop does with the blocks
 * it has in flight from a peer (its default window): the chain verifies the signatures of queued
 * blocks while it connects earlier ones.
 */
const SUBMIT_WINDOW_BLOCKS = Number(process.env.KADCHAIN_BENCH_WINDOW ?? DEFAULT_MAX_BLOCKS_IN_FLIGHT);

/** Main-thread CPU ms of the last connectAll (thread-cpu.ts), or undefined off Linux. */
let lastMainCpuMs: number | undefined;

/** Decode + processBlock of every block into a fresh chain; returns seconds. */
async function connectAll(genesis: Buffer, blocks: readonly Buffer[], threads: number): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'kadchain-bench-'));
  const chain = await Chain.open({ path: dir, params: TEST_PARAMS, logger: silentLogger(), verifyThreads: threads });
  try {
    await chain.processBlock(Block.decode(genesis));
    const start = process.hrtime.bigint();
    const cpuStart = mainThreadCpuMs();
    const inFlight: Promise<unknown>[] = [];
    for (const bytes of blocks) {
      inFlight.push(chain.processBlock(Block.decode(bytes)));
      if (inFlight.length >= SUBMIT_WINDOW_BLOCKS) await inFlight.shift();
    }
    await Promise.all(inFlight);
    const secs = Number(process.hrtime.bigint() - start) / 1e9;
    const cpuEnd = mainThreadCpuMs();
    lastMainCpuMs = cpuStart === undefined || cpuEnd === undefined ? undefined : cpuEnd - cpuStart;
    if (chain.tip?.height !== blocks.length) throw new Error(`connected up to height ${chain.tip?.height}, expected ${blocks.length}`);
    return secs;
  } finally {
    await chain.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export const blockConnectBench: BenchModule = {
  name: 'block-connect',
  async run() {
    const cores = availableParallelism();
    const threads = Number(process.env.KADCHAIN_VERIFY_THREADS ?? cores);
    const fixture = buildBlockFixture(BLOCK_COUNT, TXS_PER_BLOCK);
    const raw = rawItems();
    const oneCore: number[] = [];
    const allCores: number[] = [];
    const secs: number[] = [];
    const mainCpu: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      oneCore.push(rawOneCore(raw));
      allCores.push(await rawAllCores(raw, cores));
      secs.push(await connectAll(fixture.genesis, fixture.blocks, threads));
      if (lastMainCpuMs !== undefined) mainCpu.push(lastMainCpuMs);
    }
    return {
      secp256k1Native: secp256k1IsNative,
      blocks: BLOCK_COUNT,
      txsPerBlock: TXS_PER_BLOCK,
      inputs: fixture.inputs,
      verifyThreads: threads,
      submitWindowBlocks: SUBMIT_WINDOW_BLOCKS,
      // Work outside the verify workers, per input (best round; CPU time, so load-independent).
      ...(mainCpu.length > 0 ? { mainThreadCpuUsPerInput: Math.round((Math.min(...mainCpu) * 1000 * 10) / fixture.inputs) / 10 } : {}),
      ...throughputFigures({ secs, oneCore, allCores }, fixture.inputs, BLOCK_COUNT, cores, TARGET_RATIO),
    };
  },
};
