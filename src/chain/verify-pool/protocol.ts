/** Messages between the pool and its workers: `ready` once, then one reply per job. */
export interface VerifyJob {
  readonly id: number;
  /**
   * A job in job.ts layout (encoded transactions and which of their inputs to check). Copied by
   * postMessage, not transferred: detaching an ArrayBuffer trips V8's "array buffer detaching"
   * protector for the whole isolate, which throws away the optimized code of every function that
   * reads a typed array (~20 on the sync path) and recompiles them with detach checks.
   */
  readonly buffer: ArrayBuffer;
}

/** The worker's code has loaded (the native binding included): it may be handed jobs. Node's 'online' event comes before the script runs, so it cannot say this. */
export interface WorkerReady {
  readonly kind: 'ready';
}

export interface JobDone {
  readonly kind: 'done';
  readonly id: number;
  /** Index of the first invalid item within this job's buffer, or -1. */
  readonly firstInvalid: number;
  /** Milliseconds the worker had nothing to do between its previous job and this one (0 for its first): starvation, for VerifyPool.stats(). */
  readonly idleMs: number;
  /** Milliseconds this job took. */
  readonly busyMs: number;
}

/** The worker could not read the job (a bug in the pool, never a peer's doing): that job is not judged; the worker goes on. */
export interface JobFailed {
  readonly kind: 'failed';
  readonly id: number;
  readonly message: string;
}

export type WorkerMessage = WorkerReady | JobDone | JobFailed;
