/**
 * What a failed LMDB commit means. lmdb-js rejects a failed commit with a generic error whose
 * `commitError` promise holds the real one (and rejects unobserved otherwise: an unhandled
 * rejection); here it is named and explained in one sentence (a full disk, a read-only file system).
 */
import { writeFailureReason } from '../../util/disk.js';
import { COMMIT_ERROR_WAIT_MS } from '../constants.js';
import { StorageError } from '../errors.js';

/** Rethrows a transaction's failure: the body's own error as it is, a failed commit as `storage-write-failed`. */
export async function throwCommitFailure(path: string, err: unknown): Promise<never> {
  const pending = err instanceof Error ? (err as Error & { commitError?: unknown }).commitError : undefined;
  if (!(pending instanceof Promise)) throw err; // the body threw: its error as it is
  const cause = await commitFailureCause(err, pending, COMMIT_ERROR_WAIT_MS);
  throw new StorageError('storage-write-failed', `cannot write the chain database at ${path}: ${writeFailureReason(path, cause)}`, { cause });
}

/**
 * The real error of a failed commit, from lmdb-js's `commitError` promise; the generic `err` if it
 * resolves, or does not settle within `timeoutMs` (a commit failure must reach the node's
 * shutdown, not hang on a promise lmdb-js might never settle).
 */
export async function commitFailureCause(err: unknown, pending: Promise<unknown>, timeoutMs: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<unknown>((resolve) => {
    timer = setTimeout(() => resolve(err), timeoutMs);
  });
  try {
    return await Promise.race([pending.then(() => err, (real: unknown) => real), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
