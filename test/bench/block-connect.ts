/**
 * Target (issue #12; was 60 %, design §4): block sync keeps ≥ 75 % of the raw all-core verify rate, counting inputs.
 * This is the local half of sync: a fresh Chain decoding and connecting a prepared chain of
 * blocks. The raw one-core and all-core verify rates are measured in the same run.
 */
import { availableParallelism } from 'node:os';
import { secp256k1IsNative } from '../../src/primitives/secp256k1.js';
import { buildBlockFixture } from './block-fixture.js';
import { SUBMIT_LIMITS, connectBlocks } from './connect-blocks.js';
import { rawAllCores, rawItems, rawOneCore, throughputFigures } from './raw-rates.js';
import { type ThreadCpuSplit, callerVerifiedPct, workerIdlePct } from './thread-cpu.js';
import type { BenchModule } from './types.js';

/** Issue #12: ≥ 0.75 on any CPU (was 0.6, design §4). */
const TARGET_RATIO = 0.75;
/** Enough blocks (~2 s) that starting the verify workers and the first commit do not dominate the figure. */
const BLOCK_COUNT = 1000;
const TXS_PER_BLOCK = 20;
/** Raw and connect runs alternate; the best of each counts (see mempool-admission.ts). */
const ROUNDS = 3;
function cpuUsPerInput(split: ThreadCpuSplit, inputs: number): Record<string, number> {
  const us = (ms: number): number => Math.round((ms * 1000 * 10) / inputs) / 10;
  return { main: us(split.mainMs), verifyWorkers: us(split.verifyWorkersMs), other: us(split.otherMs), total: us(split.mainMs + split.verifyWorkersMs + split.otherMs) };
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
    const idlePct: number[] = [];
    const callerPct: number[] = [];
    const byThread: Array<Record<string, number>> = [];
    for (let round = 0; round < ROUNDS; round++) {
      oneCore.push(rawOneCore(raw));
      allCores.push(await rawAllCores(raw, cores));
      const connected = await connectBlocks(fixture.genesis, fixture.blocks, threads);
      secs.push(connected.secs);
      if (connected.mainCpuMs !== undefined) mainCpu.push(connected.mainCpuMs);
      idlePct.push(workerIdlePct(connected.verify));
      callerPct.push(callerVerifiedPct(connected.verify));
      if (connected.threadCpu) byThread.push(cpuUsPerInput(connected.threadCpu, fixture.inputs));
    }
    return {
      secp256k1Native: secp256k1IsNative,
      blocks: BLOCK_COUNT,
      txsPerBlock: TXS_PER_BLOCK,
      inputs: fixture.inputs,
      verifyThreads: threads,
      submitWindow: SUBMIT_LIMITS,
      // Share of the workers' time with no signature to check (the pipeline starved them), per round; load hardly moves it.
      verifyWorkerIdlePct: idlePct,
      // Share of the signatures the main thread verified itself (it is one of the pool's verifiers), per round.
      mainThreadVerifiedPct: callerPct,
      // CPU µs per input by kind of thread, per round (the main thread's includes its share of the signatures): the 2-core
      // budget is their sum (the raw rate spends ~1e6 / rawOneCore per input).
      ...(byThread.length > 0 ? { cpuUsPerInputByThread: byThread } : {}),
      // The main thread per input (best round; CPU time, so load-independent); its share of the signatures included since
      // session 25 (mainThreadVerifiedPct), so not comparable with earlier rounds' figures.
      ...(mainCpu.length > 0 ? { mainThreadCpuUsPerInput: Math.round((Math.min(...mainCpu) * 1000 * 10) / fixture.inputs) / 10 } : {}),
      ...throughputFigures({ secs, oneCore, allCores }, fixture.inputs, BLOCK_COUNT, cores, TARGET_RATIO),
    };
  },
};
