/**
 * The verify workers' reading of a job (job.ts layout): one pass over the job's own bytes per
 * transaction, into per-thread scratch arrays, with no object per transaction or input and no
 * Buffer method on the way. SigningView (the same preimage, tested against Transaction.sighash)
 * makes a reader, two views per input, arrays and a preimage Buffer per transaction; more to the
 * point, each fresh worker isolate has TurboFan optimise every JS function its hot path touches
 * (BufferReader's methods, Buffer.from / allocUnsafe / copy / write / writeUInt32LE), and a pool starts two
 * isolates per sync: that compiling was most of the CPU V8's platform threads spent in a
 * block-connect round (docs/architecture.md, "CPU per thread in block-connect"). Typed-array
 * builtins are not JS and are never compiled.
 */
import { hash } from 'node:crypto';
import { HASH_BYTES, MIDSTATE_MIN_PREFIX_BYTES, PrefixHash256 } from '../../primitives/hash.js';
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES, verify } from '../../primitives/secp256k1.js';
import { OUTPUT_BYTES, PREVOUT_BYTES } from '../../primitives/tx-layout.js';
import { JOB_HEADER_BYTES, JOB_SEGMENT_HEADER_BYTES } from './constants.js';

const INDEX_BYTES = 4;
const VERSION_BYTES = 4;

// Per-thread scratch: a worker checks one input at a time, and secp256k1 only reads these.
const digest = new Uint8Array(HASH_BYTES);
const middle = new Uint8Array(HASH_BYTES);
const signature = new Uint8Array(SIGNATURE_BYTES);
const publicKey = new Uint8Array(PUBLIC_KEY_BYTES);
/** The transaction being checked with every signature empty, then 4 bytes for the input index. Grows to the largest seen. */
let preimage = new Uint8Array(1024);
/** Per input of that transaction: key start, key length, signature start, signature length (offsets into the job). Grows likewise. */
let fields = new Int32Array(64);
/** Where the last readVarint() ended. */
let varintEnd = 0;

/** A latin1 digest string's bytes into `out`: a loop in this file, where Buffer.write is more JS for each fresh isolate to optimise. */
function digestInto(text: string, out: Uint8Array): Uint8Array {
  for (let k = 0; k < HASH_BYTES; k++) out[k] = text.charCodeAt(k);
  return out;
}

/** hash256 (primitives/hash.ts), each digest asked for as a 'binary' (latin1) string as there. */
function sighashInto(preimageWithIndex: Uint8Array): Uint8Array {
  return digestInto(hash('sha256', digestInto(hash('sha256', preimageWithIndex, 'binary'), middle), 'binary'), digest);
}

/** sighashInto for a large transaction: the inner hash finishes the SHA-256 state after its prefix (PrefixHash256), so it is hashed once, not once per input. */
function sighashFromPrefixInto(prefix: PrefixHash256, index: Uint8Array): Uint8Array {
  return digestInto(hash('sha256', digestInto(prefix.innerDigest(index), middle), 'binary'), digest);
}

function malformed(what: string): never {
  throw new RangeError(`malformed verify job: ${what}`);
}

/** A CompactSize at `at` (the main thread encoded these bytes canonically; only bounds are checked). Sets varintEnd. */
function readVarint(bytes: Uint8Array, at: number, end: number): number {
  if (at >= end) malformed('a count runs past its transaction');
  const first = bytes[at]!;
  if (first < 0xfd) {
    varintEnd = at + 1;
    return first;
  }
  if (first === 0xfd) {
    if (at + 3 > end) malformed('a count runs past its transaction');
    varintEnd = at + 3;
    return bytes[at + 1]! | (bytes[at + 2]! << 8);
  }
  if (first === 0xfe) {
    if (at + 5 > end) malformed('a count runs past its transaction');
    varintEnd = at + 5;
    return (bytes[at + 1]! | (bytes[at + 2]! << 8) | (bytes[at + 3]! << 16) | (bytes[at + 4]! << 24)) >>> 0;
  }
  return malformed('a count above 2^32 in a transaction');
}

/** Reads the transaction in bytes[start, end): fills `fields` and `preimage` (all but the index); its input count and preimage length without the index. */
function scanTransaction(bytes: Uint8Array, start: number, end: number): { inputs: number; length: number } {
  if (preimage.length < end - start + INDEX_BYTES) preimage = new Uint8Array(2 * (end - start + INDEX_BYTES));
  const out = preimage;
  const nIn = readVarint(bytes, start + VERSION_BYTES, end);
  if (fields.length < 4 * nIn) fields = new Int32Array(8 * nIn);
  let p = varintEnd;
  let w = 0;
  for (let k = start; k < p; k++) out[w++] = bytes[k]!;
  for (let i = 0; i < nIn; i++) {
    const keyLength = readVarint(bytes, p + PREVOUT_BYTES, end);
    const keyEnd = varintEnd + keyLength;
    if (keyEnd > end) malformed('a public key runs past its transaction');
    fields[4 * i] = varintEnd;
    fields[4 * i + 1] = keyLength;
    for (let k = p; k < keyEnd; k++) out[w++] = bytes[k]!; // prevout, key length, key
    const signatureLength = readVarint(bytes, keyEnd, end);
    if (varintEnd + signatureLength > end) malformed('a signature runs past its transaction');
    fields[4 * i + 2] = varintEnd;
    fields[4 * i + 3] = signatureLength;
    out[w++] = 0; // an empty signature
    p = varintEnd + signatureLength;
  }
  const nOut = readVarint(bytes, p, end);
  if (varintEnd + nOut * OUTPUT_BYTES !== end) malformed('the outputs do not end the transaction');
  for (let k = p; k < end; k++) out[w++] = bytes[k]!;
  return { inputs: nIn, length: w };
}

/** Index of the first item of the job that fails, or -1. Same answer as checking each input with Transaction.sighash. Throws on a malformed job (a bug, not a peer's doing). */
export function scanJob(buffer: ArrayBuffer): number {
  const bytes = new Uint8Array(buffer);
  const view = new DataView(buffer);
  const segments = view.getUint32(0, true);
  let at = JOB_HEADER_BYTES;
  let item = 0;
  for (let s = 0; s < segments; s++) {
    const firstInput = view.getUint32(at, true);
    const inputCount = view.getUint32(at + 4, true);
    const start = at + JOB_SEGMENT_HEADER_BYTES;
    const end = start + view.getUint32(at + 8, true);
    if (end > bytes.length) malformed('a transaction runs past the job');
    const tx = scanTransaction(bytes, start, end);
    if (firstInput + inputCount > tx.inputs) malformed(`it names input ${firstInput + inputCount - 1} of a transaction with ${tx.inputs}`);
    const signed = preimage.subarray(0, tx.length + INDEX_BYTES);
    const prefix = tx.length >= MIDSTATE_MIN_PREFIX_BYTES && inputCount > 1 ? new PrefixHash256(preimage.subarray(0, tx.length)) : undefined;
    const index = signed.subarray(tx.length);
    for (let i = firstInput; i < firstInput + inputCount; i++, item++) {
      // A key or signature of the wrong size fails like any invalid one (verify() says false to them too).
      if (fields[4 * i + 1] !== PUBLIC_KEY_BYTES || fields[4 * i + 3] !== SIGNATURE_BYTES) return item;
      const keyAt = fields[4 * i]!;
      const signatureAt = fields[4 * i + 2]!;
      for (let k = 0; k < PUBLIC_KEY_BYTES; k++) publicKey[k] = bytes[keyAt + k]!;
      for (let k = 0; k < SIGNATURE_BYTES; k++) signature[k] = bytes[signatureAt + k]!;
      signed[tx.length] = i & 0xff;
      signed[tx.length + 1] = (i >>> 8) & 0xff;
      signed[tx.length + 2] = (i >>> 16) & 0xff;
      signed[tx.length + 3] = i >>> 24;
      if (!verify(signature, prefix ? sighashFromPrefixInto(prefix, index) : sighashInto(signed), publicKey)) return item;
    }
    at = end;
  }
  return -1;
}
