/**
 * A verify job: the encoded transactions whose inputs a worker checks, and which inputs.
 *
 *   u32 segmentCount | segmentCount × (u32 firstInput | u32 inputCount | u32 txBytes | tx[txBytes])
 *
 * All integers little-endian. Items are numbered across segments in order, so the worker's
 * "first invalid item" is relative to the job, as the pool expects. The worker reads each
 * transaction and computes its sighashes itself: hashing per input stays off the calling thread.
 * The workers read jobs with job-scan.ts (one pass, nothing per input); firstInvalidInJob below,
 * on SigningView, is the reference reader the tests hold it to.
 */
import { HASH_BYTES } from '../../primitives/hash.js';
import { verify } from '../../primitives/secp256k1.js';
import { SigningView } from '../../primitives/signing-view.js';
import { JOB_HEADER_BYTES, JOB_SEGMENT_HEADER_BYTES } from './constants.js';

export interface JobSegment {
  /** Canonical encoding of the transaction (Transaction.encode()). */
  readonly bytes: Uint8Array;
  readonly firstInput: number;
  readonly inputCount: number;
}

/** Each input's sighash, overwritten by the next: a thread checks one input at a time and secp256k1 only reads it (no Buffer per input). */
const digest = Buffer.alloc(HASH_BYTES);

/** One fresh ArrayBuffer holding `segments`, owned by the job alone (posted to a worker as a copy: protocol.ts). */
export function encodeJob(segments: readonly JobSegment[]): ArrayBuffer {
  let size = JOB_HEADER_BYTES;
  for (const s of segments) size += JOB_SEGMENT_HEADER_BYTES + s.bytes.length;
  const buffer = new ArrayBuffer(size);
  const view = new DataView(buffer);
  const bytes = new Uint8Array(buffer);
  view.setUint32(0, segments.length, true);
  let at = JOB_HEADER_BYTES;
  for (const s of segments) {
    view.setUint32(at, s.firstInput, true);
    view.setUint32(at + 4, s.inputCount, true);
    view.setUint32(at + 8, s.bytes.length, true);
    bytes.set(s.bytes, at + JOB_SEGMENT_HEADER_BYTES);
    at += JOB_SEGMENT_HEADER_BYTES + s.bytes.length;
  }
  return buffer;
}

/** Index of the first item of the job that fails, or -1 (the reference for scanJob). Throws on a malformed job (a bug, not a peer's doing). */
export function firstInvalidInJob(buffer: ArrayBuffer): number {
  const view = new DataView(buffer);
  const segments = view.getUint32(0, true);
  let at = JOB_HEADER_BYTES;
  let item = 0;
  for (let s = 0; s < segments; s++) {
    const firstInput = view.getUint32(at, true);
    const inputCount = view.getUint32(at + 4, true);
    const length = view.getUint32(at + 8, true);
    const start = at + JOB_SEGMENT_HEADER_BYTES;
    const tx = SigningView.read(Buffer.from(buffer, start, length));
    for (let i = firstInput; i < firstInput + inputCount; i++, item++) {
      if (i >= tx.inputCount) throw new RangeError(`verify job names input ${i} of a transaction with ${tx.inputCount}`);
      if (!verify(tx.signatures[i]!, tx.sighashInto(i, digest), tx.publicKeys[i]!)) return item;
    }
    at = start + length;
  }
  return -1;
}
