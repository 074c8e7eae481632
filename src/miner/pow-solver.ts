import { Worker } from 'node:worker_threads';
import { HASH_BYTES } from '../primitives/hash.js';
import { errorMessage } from '../util/errors.js';
import { MinerError } from './errors.js';
import type { PowJob, PowReply, PowWorkerData } from './pow-protocol.js';

export interface PowResult {
  /** Undefined when the search was aborted. */
  solution?: { nonce: number; timestamp: number };
  hashes: number;
}

interface PendingJob {
  resolve(result: PowResult): void;
  reject(err: Error): void;
}

/** Target as 32 big-endian bytes, so the worker compares hashes with Buffer.compare. */
export function targetBytes(target: bigint): Buffer {
  return Buffer.from(target.toString(16).padStart(HASH_BYTES * 2, '0'), 'hex');
}

/**
 * One long-lived proof-of-work worker thread. One search at a time: a new solve() or abort()
 * supersedes the running one, which then resolves without a solution.
 */
export class PowSolver {
  private worker: Worker | undefined;
  private readonly control = new Int32Array(new SharedArrayBuffer(4));
  private readonly pending = new Map<number, PendingJob>();

  solve(header: Buffer, target: bigint): Promise<PowResult> {
    const worker = this.ensureWorker();
    const id = Atomics.add(this.control, 0, 1) + 1;
    const job: PowJob = { id, header, target: targetBytes(target), startNonce: 0 };
    const result = new Promise<PowResult>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    // Keep the process alive while a search runs, not while the worker idles.
    worker.ref();
    worker.postMessage(job);
    return result;
  }

  /** Makes the running search (if any) return without a solution within one nonce batch. */
  abort(): void {
    Atomics.add(this.control, 0, 1);
  }

  async terminate(): Promise<void> {
    this.abort();
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
    this.failAll(new MinerError('mining-stopped', 'mining was stopped'));
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const data: PowWorkerData = { control: this.control.buffer as SharedArrayBuffer };
    const worker = new Worker(new URL('./pow-worker.js', import.meta.url), { workerData: data });
    worker.unref();
    worker.on('message', (reply: PowReply) => {
      const job = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if (!job) return;
      job.resolve(reply.type === 'found' ? { solution: { nonce: reply.nonce, timestamp: reply.timestamp }, hashes: reply.hashes } : { hashes: reply.hashes });
    });
    worker.on('error', (err) => {
      if (this.worker === worker) this.worker = undefined;
      this.failAll(new MinerError('pow-worker-failed', `the proof-of-work worker thread failed: ${errorMessage(err)}`, { cause: err }));
    });
    worker.on('exit', (code) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.failAll(new MinerError('pow-worker-failed', `the proof-of-work worker thread exited with code ${code}`));
    });
    this.worker = worker;
    return worker;
  }

  private failAll(err: Error): void {
    const jobs = [...this.pending.values()];
    this.pending.clear();
    for (const job of jobs) job.reject(err);
  }
}
