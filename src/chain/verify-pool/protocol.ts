/** Messages between the pool and its workers: one per chunk each way. */
export interface VerifyJob {
  readonly id: number;
  /** Transferred: whole items in verify-pool layout. */
  readonly buffer: ArrayBuffer;
}

export interface VerifyReply {
  readonly id: number;
  /** Index of the first invalid item within this job's buffer, or -1. */
  readonly firstInvalid: number;
}
