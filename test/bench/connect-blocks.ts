/** One way the chain benches feed blocks to a fresh chain: a window of submitted blocks, as a sync keeps (SubmitWindow). */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chain } from '../../src/chain/chain.js';
import { DEFAULT_SUBMIT_LIMITS, type SubmitLimits, SubmitWindow } from '../../src/chain/submit-window.js';
import type { VerifyPoolStats } from '../../src/chain/verify-pool/index.js';
import { Block } from '../../src/primitives/block.js';
import { silentLogger } from '../../src/util/logger.js';
import { TEST_PARAMS } from '../helpers/fixtures.js';
import { type ThreadCpuSplit, mainThreadCpuMs, splitThreadCpu, threadCpuMs } from './thread-cpu.js';

/** The sync's submit window; KADCHAIN_BENCH_WINDOW=N makes it N blocks whatever their inputs and bytes, to show what another one gives. */
export const SUBMIT_LIMITS: SubmitLimits =
  process.env.KADCHAIN_BENCH_WINDOW === undefined ? DEFAULT_SUBMIT_LIMITS : { maxBlocks: Number(process.env.KADCHAIN_BENCH_WINDOW), maxInputs: Infinity, maxBytes: Infinity };
/** Most blocks submitted at once. */
export const SUBMIT_WINDOW_BLOCKS = SUBMIT_LIMITS.maxBlocks;

export interface ConnectRun {
  readonly secs: number;
  readonly mainCpuMs: number | undefined;
  /** The signature workers' busy and idle (starved) time over the run. */
  readonly verify: VerifyPoolStats;
  /** CPU by kind of thread over the run (Linux /proc; undefined elsewhere). */
  readonly threadCpu: ThreadCpuSplit | undefined;
}

/** Decode + processBlock of every block into a fresh chain (verify threads as in production unless given); seconds and main-thread CPU ms. */
export async function connectBlocks(genesis: Buffer, blocks: readonly Buffer[], verifyThreads?: number): Promise<ConnectRun> {
  const dir = await mkdtemp(join(tmpdir(), 'kadchain-bench-empty-'));
  const chain = await Chain.open({ path: dir, params: TEST_PARAMS, logger: silentLogger(), ...(verifyThreads === undefined ? {} : { verifyThreads }) });
  try {
    await chain.processBlock(Block.decode(genesis));
    const start = process.hrtime.bigint();
    const cpuStart = mainThreadCpuMs();
    const threadsStart = threadCpuMs();
    const window = new SubmitWindow(SUBMIT_LIMITS);
    const inFlight: Array<{ block: Block; done: Promise<unknown> }> = [];
    for (const bytes of blocks) {
      const block = Block.decode(bytes);
      while (!window.hasRoom) {
        const oldest = inFlight.shift()!;
        await oldest.done;
        window.remove(oldest.block);
      }
      window.add(block);
      inFlight.push({ block, done: chain.processBlock(block) });
    }
    await Promise.all(inFlight.map((f) => f.done));
    const secs = Number(process.hrtime.bigint() - start) / 1e9;
    const cpuEnd = mainThreadCpuMs();
    // Before close(): the verify workers stop with the chain, and an exited thread's CPU leaves /proc.
    const threadsEnd = threadCpuMs();
    const verify = chain.verifyStats();
    if (chain.tip?.height !== blocks.length) throw new Error(`connected up to height ${chain.tip?.height}, expected ${blocks.length}`);
    return {
      secs,
      mainCpuMs: cpuStart === undefined || cpuEnd === undefined ? undefined : cpuEnd - cpuStart,
      verify,
      threadCpu: threadsStart && threadsEnd ? splitThreadCpu(threadsStart, threadsEnd, verify.itemsPerWorker.length) : undefined,
    };
  } finally {
    await chain.close();
    await rm(dir, { recursive: true, force: true });
  }
}
