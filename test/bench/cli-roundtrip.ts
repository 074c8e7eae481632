/**
 * Target (design §4): `cli balance <addr>` against a running node has a median wall time
 * < 150 ms. A real node process with a genesis; RUNS sequential `node bin/cli.js balance`
 * child processes. Reference measured in the same run: a bare `node -e 0` start-up.
 */
import { fileURLToPath } from 'node:url';
import { CLI_BIN } from '../integration/harness.js';
import { percentile, startBenchProcess, timeProcess } from './node-process.js';
import type { BenchModule } from './types.js';

const RUNS = 30;
/** ./kadchain, the documented way to run the CLI (bench runs from dist/test/bench/). */
const KADCHAIN_SCRIPT = fileURLToPath(new URL('../../../kadchain', import.meta.url));
const TARGET_MEDIAN_MS = 150;

async function timeRuns(args: readonly string[]): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(await timeProcess(args));
  return times;
}

async function run(): Promise<Record<string, unknown>> {
  const proc = await startBenchProcess();
  try {
    const bareNode = await timeRuns(['-e', '0']);
    const balance = await timeRuns([CLI_BIN, 'balance', proc.address, '--config', proc.setup.configFile]);
    const viaScript = await timeRuns([KADCHAIN_SCRIPT, 'balance', proc.address, '--config', proc.setup.configFile]);
    const median = percentile(balance, 0.5);
    return {
      runs: RUNS,
      balanceMsMedian: Math.round(median),
      balanceMsP90: Math.round(percentile(balance, 0.9)),
      kadchainScriptMsMedian: Math.round(percentile(viaScript, 0.5)),
      bareNodeMsMedian: Math.round(percentile(bareNode, 0.5)),
      targetMedianMs: TARGET_MEDIAN_MS,
      pass: median < TARGET_MEDIAN_MS,
    };
  } finally {
    await proc.stop();
  }
}

export const cliRoundtripBench: BenchModule = { name: 'cli-roundtrip', run };
