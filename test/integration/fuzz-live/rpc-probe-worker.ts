/**
 * Worker thread of rpc-probe.ts: calls getinfo every PROBE_INTERVAL_MS until told to stop, on
 * its own event loop, so the latencies measure the node and not the busy fuzzing thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type NodeSetup, rpc, sleep } from '../harness.js';

const { setup, intervalMs, timeoutMs } = workerData as { setup: NodeSetup; intervalMs: number; timeoutMs: number };
let stopping = false;
parentPort!.on('message', () => (stopping = true));

const latenciesMs: number[] = [];
const failures: string[] = [];
while (!stopping) {
  const started = performance.now();
  try {
    await Promise.race([
      rpc(setup, 'getinfo'),
      sleep(timeoutMs).then(() => {
        throw new Error(`no getinfo answer within ${timeoutMs} ms`);
      }),
    ]);
    latenciesMs.push(performance.now() - started);
  } catch (err) {
    failures.push(err instanceof Error ? err.message : String(err));
  }
  const left = intervalMs - (performance.now() - started);
  if (left > 0) await sleep(left);
}
parentPort!.postMessage({ latenciesMs, failures });
