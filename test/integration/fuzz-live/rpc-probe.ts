/** Polls a node's getinfo every ~50 ms from a worker thread while a campaign runs; reports latency percentiles. */
import { Worker } from 'node:worker_threads';
import type { NodeSetup } from '../harness.js';

export const PROBE_INTERVAL_MS = 50;
/** A getinfo slower than this counts as a failure (the node is not answering). */
const PROBE_TIMEOUT_MS = 10_000;

export interface ProbeReport {
  readonly calls: number;
  readonly failures: readonly string[];
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Milliseconds from the probe's start to its stop: the calls expected are about this over PROBE_INTERVAL_MS. */
  readonly probedMs: number;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export class RpcProbe {
  private readonly worker: Worker;
  private readonly started = Date.now();

  constructor(setup: NodeSetup) {
    this.worker = new Worker(new URL('./rpc-probe-worker.js', import.meta.url), {
      workerData: { setup, intervalMs: PROBE_INTERVAL_MS, timeoutMs: PROBE_TIMEOUT_MS },
    });
  }

  async stop(): Promise<ProbeReport> {
    const probedMs = Date.now() - this.started;
    const reply = new Promise<{ latenciesMs: number[]; failures: string[] }>((resolve, reject) => {
      this.worker.once('message', resolve);
      this.worker.once('error', reject);
    });
    this.worker.postMessage('stop');
    const { latenciesMs, failures } = await reply;
    await this.worker.terminate();
    const sorted = [...latenciesMs].sort((a, b) => a - b);
    return { calls: latenciesMs.length + failures.length, failures, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), maxMs: sorted.at(-1) ?? Number.NaN, probedMs };
  }
}
