/**
 * A chunk: a range of one batch's items, waiting for a verifier or held by one. Its job (the
 * buffer of the transactions it touches, job.ts) is built only when a verifier takes
 * it: a batch cut into many chunks holds no buffer per chunk while they wait.
 */
import type { SignatureBatch } from './batch.js';
import type { VerifyPoolError } from './errors.js';

/** What the chunks of one batch share: once it is settled, what is left of it need not be checked. */
export interface BatchVerdict {
  /** Lowest failing item found so far (Infinity while none): a chunk starting above it cannot lower it. */
  lowestInvalid: number;
  /** A chunk of the batch was rejected (a worker died, a job was unreadable): the batch is not judged. */
  abandoned: boolean;
}

export interface Chunk {
  readonly id: number;
  readonly batch: SignatureBatch;
  /** First item of the batch in the chunk. */
  readonly start: number;
  /** Signatures in the chunk. */
  readonly items: number;
  /** Cost units of the chunk (constants.ts): what the bounds count. */
  readonly cost: number;
  readonly verdict: BatchVerdict;
  /** Of a batch split over the verifiers for its latency (a lone block), not one queued whole during a sync. */
  readonly split: boolean;
  readonly resolve: (firstInvalid: number) => void;
  readonly reject: (err: VerifyPoolError) => void;
}

/** True when checking the chunk cannot change its batch's answer (Bitcoin Core's check queue stops once one check failed). */
export function isMoot(chunk: Chunk): boolean {
  return chunk.verdict.abandoned || chunk.start > chunk.verdict.lowestInvalid;
}

/** Settles the chunk with its first failing item (relative to the chunk) or -1, recording a failure for the batch at once: the batch's later chunks become moot before the next one is handed out. */
export function settle(chunk: Chunk, firstInvalid: number): void {
  if (firstInvalid >= 0) chunk.verdict.lowestInvalid = Math.min(chunk.verdict.lowestInvalid, chunk.start + firstInvalid);
  chunk.resolve(firstInvalid);
}

/** Rejects the chunk: its batch is not judged, so none of its other chunks need checking. */
export function abandon(chunk: Chunk, err: VerifyPoolError): void {
  chunk.verdict.abandoned = true;
  chunk.reject(err);
}

/** The chunk's job: a fresh ArrayBuffer, owned by the chunk alone. */
export function chunkJob(chunk: Chunk): ArrayBuffer {
  return chunk.batch.job(chunk.start, chunk.start + chunk.items);
}
