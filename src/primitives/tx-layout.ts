/**
 * Where the fields of an encoded transaction lie (tx.ts's encoding): one checking read that
 * records its inputs' offsets and the outputs' start, each field read from there as a view, and
 * the signing preimage copied straight from the bytes. readLayout checked every varint (canonical)
 * and field (at most MAX_INPUT_FIELD_BYTES), so a field's length is one byte.
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
/** Smallest possible encoded input / output, used to reject absurd counts before allocating. */
export const MIN_INPUT_BYTES = PREVOUT_BYTES + 1 + 1;
export const MIN_OUTPUT_BYTES = OUTPUT_BYTES;
/** Largest length a one-byte CompactSize holds. */
const ONE_BYTE_VARINT_MAX = 0xfc;
if (MAX_INPUT_FIELD_BYTES > ONE_BYTE_VARINT_MAX) {
  throw new KadchainError('tx-field-bound', 'MAX_INPUT_FIELD_BYTES must fit a one-byte CompactSize: the field reads below take its length as one byte');
}

/** Offsets from the transaction's first byte. */
export interface TxLayout {
  readonly version: number;
  /** Where each input (its prevout) starts. */
  readonly inputStarts: number[];
  readonly outputsStart: number;
  readonly outputCount: number;
}

/**
 * Reads one transaction from `r`'s position, checking every bound and varint (a DecodeError names
 * the field), and leaves `r` after it. Counts are bounded by the bytes left before anything is
 * allocated for them.
 */
export function readLayout(r: BufferReader): TxLayout {
  const start = r.position;
  const version = r.u32('tx version');
  const nIn = r.count(MIN_INPUT_BYTES, 'tx inputs');
  const inputStarts: number[] = new Array(nIn);
  for (let i = 0; i < nIn; i++) {
    inputStarts[i] = r.position - start;
    r.skip(HASH_BYTES, 'prevout txid');
    r.skip(4, 'prevout index');
    r.varSkip(MAX_INPUT_FIELD_BYTES, 'input public key');
    r.varSkip(MAX_INPUT_FIELD_BYTES, 'input signature');
  }
  const outputCount = r.count(MIN_OUTPUT_BYTES, 'tx outputs');
  const outputsStart = r.position - start;
  for (let i = 0; i < outputCount; i++) {
    r.skip(8, 'output amount');
    r.skip(PUBKEY_HASH_BYTES, 'output pubkey hash');
  }
  return { version, inputStarts, outputsStart, outputCount };
}

export function prevoutTxidAt(bytes: Buffer, inputStart: number): Buffer {
  return bytes.subarray(inputStart, inputStart + HASH_BYTES);
}

export function prevoutIndexAt(bytes: Buffer, inputStart: number): number {
  return bytes.readUInt32LE(inputStart + HASH_BYTES);
}

export function outputAmountAt(bytes: Buffer, outputStart: number): bigint {
  return bytes.readBigUInt64LE(outputStart);
}

export function outputOwnerAt(bytes: Buffer, outputStart: number): Buffer {
  return bytes.subarray(outputStart + 8, outputStart + 8 + PUBKEY_HASH_BYTES);
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
    inputs[i] = { prevout: { txid: prevoutTxidAt(bytes, at), index: prevoutIndexAt(bytes, at) }, publicKey: publicKeyAt(bytes, at), signature: signatureAt(bytes, at) };
  }
  return inputs;
}

/** The output objects, their owners views of `bytes`. */
export function outputsOf(bytes: Buffer, outputsStart: number, count: number): TxOutput[] {
  const outputs: TxOutput[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const at = outputsStart + i * OUTPUT_BYTES;
    outputs[i] = { amount: outputAmountAt(bytes, at), pubKeyHash: outputOwnerAt(bytes, at) };
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
