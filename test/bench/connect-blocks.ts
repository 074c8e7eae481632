/** One way the chain benches feed blocks to a fresh chain: a window of submitted blocks, as a sync keeps. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chain } from '../../src/chain/chain.js';
import { DEFAULT_MAX_BLOCKS_IN_FLIGHT } from '../../src/p2p/constants.js';
import { Block } from '../../src/primitives/block.js';
import { silentLogger } from '../../src/util/logger.js';
import { TEST_PARAMS } from '../helpers/fixtures.js';
import { mainThreadCpuMs } from './thread-cpu.js';

/** Blocks handed over before awaiting the oldest: the sync's window (KADCHAIN_BENCH_WINDOW overrides it, to show what a larger one gives). */
export const SUBMIT_WINDOW_BLOCKS = Number(process.env.KADCHAIN_BENCH_WINDOW ?? DEFAULT_MAX_BLOCKS_IN_FLIGHT);

/** Decode + processBlock of every block into a fresh chain (verify threads as in production unless given); seconds and main-thread CPU ms. */
export async function connectBlocks(genesis: Buffer, blocks: readonly Buffer[], verifyThreads?: number): Promise<{ secs: number; mainCpuMs: number | undefined }> {
  const dir = await mkdtemp(join(tmpdir(), 'kadchain-bench-empty-'));
  const chain = await Chain.open({ path: dir, params: TEST_PARAMS, logger: silentLogger(), ...(verifyThreads === undefined ? {} : { verifyThreads }) });
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
    if (chain.tip?.height !== blocks.length) throw new Error(`connected up to height ${chain.tip?.height}, expected ${blocks.length}`);
    return { secs, mainCpuMs: cpuStart === undefined || cpuEnd === undefined ? undefined : cpuEnd - cpuStart };
  } finally {
    await chain.close();
    await rm(dir, { recursive: true, force: true });
  }
}
