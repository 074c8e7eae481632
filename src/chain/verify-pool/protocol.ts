/** Messages between the pool and its workers: one per chunk each way. */
export interface VerifyJob {
  readonly id: number;
  /** Transferred: a job in job.ts layout (encoded transactions and which of their inputs to check). */
  readonly buffer: ArrayBuffer;
}

export interface VerifyReply {
  readonly id: number;
  /** Index of the first invalid item within this job's buffer, or -1. */
  readonly firstInvalid: number;
  /** Milliseconds the worker had nothing to do between its previous job and this one (0 for its first): starvation, for VerifyPool.stats(). */
  readonly idleMs: number;
  /** Milliseconds this job took. */
  readonly busyMs: number;
}
