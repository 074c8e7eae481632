/**
 * Where the fields of an encoded transaction lie (tx.ts's encoding), for a decoded Transaction that
 * reads them on demand: its inputs' offsets and the outputs' start, each field read as a view, and
 * the signing preimage copied straight from the bytes. The bytes were checked by Transaction.read
 * (canonical varints, every field at most MAX_INPUT_FIELD_BYTES), so a field's length is one byte.
 */
import { KadchainError } from '../util/errors.js';
import { BufferReader } from './encoding.js';
import { HASH_BYTES, PUBKEY_HASH_BYTES } from './hash.js';
import type { TxInput, TxOutput } from './tx.js';

/** Decoding bound for input public keys / signatures; validation then demands exactly 33 / 64. */
export const MAX_INPUT_FIELD_BYTES = 128;
/** An encoded prevout (txid, index) and an encoded output (amount, owner): fixed sizes. */
export const PREVOUT_BYTES = HASH_BYTES + 4;
export const OUTPUT_BYTES = 8 + PUBKEY_HASH_BYTES;
/** Largest length a one-byte CompactSize holds. */
const ONE_BYTE_VARINT_MAX = 0xfc;
if (MAX_INPUT_FIELD_BYTES > ONE_BYTE_VARINT_MAX) {
  throw new KadchainError('tx-field-bound', 'MAX_INPUT_FIELD_BYTES must fit a one-byte CompactSize: the field reads below take its length as one byte');
}

export interface TxLayout {
  readonly version: number;
  /** Where each input (its prevout) starts. */
  readonly inputStarts: number[];
  readonly outputsStart: number;
  readonly outputCount: number;
}

/** The layout of `bytes`, one whole encoded transaction; a DecodeError when its outputs do not end it exactly. */
export function readLayout(bytes: Buffer): TxLayout {
  const r = new BufferReader(bytes);
  const version = r.u32();
  const nIn = r.varint();
  const inputStarts: number[] = new Array(nIn);
  for (let i = 0; i < nIn; i++) {
    inputStarts[i] = r.position;
    r.skip(PREVOUT_BYTES);
    r.varSkip(MAX_INPUT_FIELD_BYTES);
    r.varSkip(MAX_INPUT_FIELD_BYTES);
  }
  const outputCount = r.varint();
  const outputsStart = r.position;
  // Fixed-size outputs must end the bytes exactly (Transaction.read checked that much; detached() passes bytes it did not read).
  r.skip(outputCount * OUTPUT_BYTES, 'tx outputs');
  r.end('transaction');
  return { version, inputStarts, outputsStart, outputCount };
}

/** The public key of the input starting at `inputStart`. */
export function publicKeyAt(bytes: Buffer, inputStart: number): Buffer {
  const at = inputStart + PREVOUT_BYTES;
  return bytes.subarray(at + 1, at + 1 + bytes[at]!);
}

/** Where the signature's length byte of the input starting at `inputStart` is. */
function signatureLengthAt(bytes: Buffer, inputStart: number): number {
  const keyAt = inputStart + PREVOUT_BYTES;
  return keyAt + 1 + bytes[keyAt]!;
}

export function signatureAt(bytes: Buffer, inputStart: number): Buffer {
  const at = signatureLengthAt(bytes, inputStart);
  return bytes.subarray(at + 1, at + 1 + bytes[at]!);
}

/** The input objects, views of `bytes`. */
export function inputsOf(bytes: Buffer, inputStarts: readonly number[]): TxInput[] {
  const inputs: TxInput[] = new Array(inputStarts.length);
  for (let i = 0; i < inputStarts.length; i++) {
    const at = inputStarts[i]!;
    inputs[i] = { prevout: { txid: bytes.subarray(at, at + HASH_BYTES), index: bytes.readUInt32LE(at + HASH_BYTES) }, publicKey: publicKeyAt(bytes, at), signature: signatureAt(bytes, at) };
  }
  return inputs;
}

/** The output objects, their owners views of `bytes`. */
export function outputsOf(bytes: Buffer, outputsStart: number, count: number): TxOutput[] {
  const outputs: TxOutput[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const at = outputsStart + i * OUTPUT_BYTES;
    outputs[i] = { amount: bytes.readBigUInt64LE(at), pubKeyHash: bytes.subarray(at + 8, at + 8 + PUBKEY_HASH_BYTES) };
  }
  return outputs;
}

/**
 * The signing preimage (the encoding with every signature empty, then 4 bytes for the input
 * index, zero here) copied from `bytes`: what Transaction.write(w, false) writes from the objects.
 */
export function unsignedPreimage(bytes: Buffer, inputStarts: readonly number[], outputsStart: number): Buffer {
  const out = Buffer.allocUnsafe(bytes.length + 4);
  let end = inputStarts.length > 0 ? inputStarts[0]! : outputsStart;
  let w = bytes.copy(out, 0, 0, end);
  for (const start of inputStarts) {
    const signatureLength = signatureLengthAt(bytes, start);
    w += bytes.copy(out, w, start, signatureLength);
    out[w++] = 0; // an empty signature
    end = signatureLength + 1 + bytes[signatureLength]!;
  }
  w += bytes.copy(out, w, end, bytes.length);
  out.writeUInt32LE(0, w);
  return out.subarray(0, w + 4);
}
