import { KadchainError } from '../../util/errors.js';

export type VerifyPoolErrorCode =
  /** verify() after close(). */
  | 'verify-pool-closed'
  /** A worker threw, exited or could not start while holding the job; it has been replaced. */
  | 'verify-worker-failed'
  /** The calling thread could not read a job the pool built: a bug, reported rather than judged. */
  | 'verify-job-malformed';

export class VerifyPoolError extends KadchainError<VerifyPoolErrorCode> {}
