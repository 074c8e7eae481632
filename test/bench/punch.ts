/**
 * Target (design §4, issue 10): hole punching in the network-namespace lab — 20/20 through two
 * port-preserving NATs, ≥ 95 % on the first attempt — and the time from both home nodes up to
 * their direct link. Root only (test/lab/punch-lab.ts); elsewhere it reports why it was skipped.
 * PUNCH_BENCH_RUNS overrides the number of rounds.
 */
import { punchLabSkipReason, runPunchBench } from '../lab/punch-lab.js';
import type { BenchModule } from './types.js';

const RUNS = Number(process.env['PUNCH_BENCH_RUNS'] ?? 20);
const TARGET_SUCCESS_RATE = 1;
const TARGET_FIRST_ATTEMPT_RATE = 0.95;
/** Issue 10: both home nodes up → direct link within 10 s. */
const TARGET_MS_TO_DIRECT_LINK = 10_000;

async function run(): Promise<Record<string, unknown>> {
  const skipped = await punchLabSkipReason();
  if (skipped !== undefined) return { skipped };
  const r = await runPunchBench(RUNS);
  const successRate = r.successes / r.runs;
  const firstAttemptRate = r.firstAttempt / r.runs;
  return {
    ...r,
    successRate,
    firstAttemptRate,
    target: `success ${TARGET_SUCCESS_RATE * 100} %, first attempt ≥ ${TARGET_FIRST_ATTEMPT_RATE * 100} %, slowest both-up → direct link < ${TARGET_MS_TO_DIRECT_LINK} ms`,
    pass: successRate >= TARGET_SUCCESS_RATE && firstAttemptRate >= TARGET_FIRST_ATTEMPT_RATE && r.maxMsToDirectLink != null && r.maxMsToDirectLink < TARGET_MS_TO_DIRECT_LINK,
  };
}

export const punchBench: BenchModule = { name: 'punch', run };
