import { Worker } from 'node:worker_threads';
import { HASH_BYTES } from '../primitives/hash.js';
import { errorMessage } from '../util/errors.js';
import { POW_WORKER_IDLE_MS } from './constants.js';
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

export interface PowSolverOptions {
  /** The worker stops after this long without a search (default POW_WORKER_IDLE_MS). */
  idleMs?: number;
}

/**
 * One proof-of-work worker thread, started by the first search and stopped after idleMs without
 * one. One search at a time: a new solve() or abort() supersedes the running one, which then
 * resolves without a solution.
 */
export class PowSolver {
  private worker: Worker | undefined;
  private readonly control = new Int32Array(new SharedArrayBuffer(4));
  private readonly pending = new Map<number, PendingJob>();
  private readonly idleMs: number;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(options: PowSolverOptions = {}) {
    this.idleMs = options.idleMs ?? POW_WORKER_IDLE_MS;
  }

  /** True while the worker thread exists (between a search and the idle stop). */
  get running(): boolean {
    return this.worker !== undefined;
  }

  solve(header: Buffer, target: bigint): Promise<PowResult> {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
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
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
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
      if (this.pending.size === 0) {
        worker.unref();
        this.stopWhenIdle(worker);
      }
      if (!job) return;
      job.resolve(reply.type === 'found' ? { solution: { nonce: reply.nonce, timestamp: reply.timestamp }, hashes: reply.hashes } : { hashes: reply.hashes });
    });
    worker.on('error', (err) => {
      // A worker already stopped for idleness fails nobody's search.
      if (this.worker !== worker) return;
      this.worker = undefined;
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

  /** Stops `worker` after idleMs unless a search comes first (solve() clears the timer). */
  private stopWhenIdle(worker: Worker): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.worker !== worker || this.pending.size > 0) return;
      this.worker = undefined;
      void worker.terminate();
    }, this.idleMs);
    this.idleTimer.unref();
  }

  private failAll(err: Error): void {
    const jobs = [...this.pending.values()];
    this.pending.clear();
    for (const job of jobs) job.reject(err);
  }
}
