/**
 * Target (issue #12, design §4): `./kadchain balance <addr>` against a running node, the command
 * a person types, has a median wall time ≤ 1.3 × a bare `node -e 0` start-up measured in the same
 * run. `./kadchain` runs as an executable (its #! line finds `node` on the PATH), so the reference
 * is the PATH's `node` too. The two are interleaved, so load that comes and goes during the run
 * falls on both alike.
 */
import { fileURLToPath } from 'node:url';
import { percentile, startBenchProcess, timeExecutable } from './node-process.js';
import type { BenchModule } from './types.js';

const RUNS = 30;
/** ./kadchain, the documented way to run the CLI (bench runs from dist/test/bench/). */
const KADCHAIN_SCRIPT = fileURLToPath(new URL('../../../kadchain', import.meta.url));
/** The target: a client command costs at most 30 % more than starting Node at all. */
const TARGET_RATIO = 1.3;

async function run(): Promise<Record<string, unknown>> {
  const proc = await startBenchProcess();
  try {
    const bareNode: number[] = [];
    const balance: number[] = [];
    const balanceArgs = ['balance', proc.address, '--config', proc.setup.configFile];
    // One of each first: both read their files into the page cache before anything is timed.
    await timeExecutable('node', ['-e', '0']);
    await timeExecutable(KADCHAIN_SCRIPT, balanceArgs);
    for (let i = 0; i < RUNS; i++) {
      bareNode.push(await timeExecutable('node', ['-e', '0']));
      balance.push(await timeExecutable(KADCHAIN_SCRIPT, balanceArgs));
    }
    const median = percentile(balance, 0.5);
    const bareMedian = percentile(bareNode, 0.5);
    const ratio = median / bareMedian;
    return {
      runs: RUNS,
      balanceMsMedian: Math.round(median),
      balanceMsP90: Math.round(percentile(balance, 0.9)),
      bareNodeMsMedian: Math.round(bareMedian),
      ratio: Number(ratio.toFixed(2)),
      // The same figures at the 10th percentile, the least disturbed by other load on the machine.
      ratioP10: Number((percentile(balance, 0.1) / percentile(bareNode, 0.1)).toFixed(2)),
      targetRatio: TARGET_RATIO,
      pass: ratio <= TARGET_RATIO,
    };
  } finally {
    await proc.stop();
  }
}

export const cliRoundtripBench: BenchModule = { name: 'cli-roundtrip', run };
