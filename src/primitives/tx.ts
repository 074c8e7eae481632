import { DecodeError } from '../util/errors.js';
import { BufferReader, BufferWriter } from './encoding.js';
import { HASH_BYTES, MIDSTATE_MIN_PREFIX_BYTES, PrefixHash256, ZERO_HASH, hash256 } from './hash.js';
import {
  OUTPUT_BYTES,
  type TxLayout,
  inputsOf,
  outputAmountAt,
  outputOwnerAt,
  outputsOf,
  prevoutIndexAt,
  prevoutTxidAt,
  publicKeyAt,
  readLayout,
  signatureAt,
  unsignedPreimage,
} from './tx-layout.js';

import type { OutPoint } from './outpoint.js';

export { MAX_INPUT_FIELD_BYTES, MIN_INPUT_BYTES, MIN_OUTPUT_BYTES } from './tx-layout.js';
export { type OutPoint, outPointFromKey, outPointKey, outPointToString } from './outpoint.js';

/** prevout index that marks a coinbase input (as in Bitcoin). */
export const COINBASE_PREVOUT_INDEX = 0xffff_ffff;
/** A coinbase input carries free-form data (height first, so coinbase txids never repeat) instead of a key. */
export const MAX_COINBASE_DATA_BYTES = 100;

export interface TxInput {
  readonly prevout: OutPoint;
  /** Compressed secp256k1 public key (33 bytes); coinbase data for a coinbase input. */
  readonly publicKey: Buffer;
  /** 64-byte compact ECDSA signature over `tx.sighash(inputIndex)`; empty for a coinbase. */
  readonly signature: Buffer;
}

export interface TxOutput {
  readonly amount: bigint;
  /** HASH160 of the recipient's compressed public key. */
  readonly pubKeyHash: Buffer;
}

function indexError(what: string, index: number, count: number): RangeError {
  return new RangeError(`transaction ${what} ${index} does not exist (it has ${count})`);
}

/** Marks a decoded transaction's inputs / outputs as not built yet (identity, never read). */
const NOT_BUILT_INPUTS: readonly TxInput[] = Object.freeze([]);
const NOT_BUILT_OUTPUTS: readonly TxOutput[] = Object.freeze([]);

/**
 * The last transaction whose sighash was asked for: its unsigned preimage and, when that is large,
 * the SHA-256 state after all of it but the index (hash.ts). A transaction's inputs are signed or
 * checked one after another, so this one entry serves the loop: the preimage is built once and a
 * large transaction hashed once, not once per input. One per thread rather than one per
 * transaction: each pooled transaction would otherwise keep a second copy of itself (and ~650
 * bytes of native hash state) for as long as it is pooled.
 */
let signing: { readonly tx: Transaction; readonly preimage: Buffer; readonly indexAt: number; readonly prefix: PrefixHash256 | undefined } | undefined;

/**
 * An immutable transaction. Encoding and txid are computed once and cached, because
 * validation, relay and storage all ask for them repeatedly (the signing preimage only for the
 * transaction being signed or checked: `signing` above). A decoded one keeps
 * its bytes and where its inputs start (tx-layout.ts): `inputs` / `outputs` (~1 KB of objects and
 * views for 2 in, 2 out) are built on first use, and the sync path reads through the accessors, so
 * the ~800 blocks a sync holds keep ~9 KB of heap each instead of ~31 KB — objects that lived long
 * enough to be copied by every scavenge and promoted. Serialise it through encode(), never as a
 * record (JSON, structuredClone, a spread): `inputs` / `outputs` are getters on the prototype.
 *
 * Encoding: version u32 | varint nIn | nIn × (prevTxid[32] | prevIndex u32 | varBytes publicKey |
 * varBytes signature) | varint nOut | nOut × (amount u64 | pubKeyHash[20]). All integers little-endian.
 */

export class Transaction {
  private cachedBytes: Buffer | undefined = undefined;
  private cachedTxid: Buffer | undefined = undefined;
  /** The inputs as objects: given to the constructor, or built from `cachedBytes` on first use (NOT_BUILT until then). */
  private inputList: readonly TxInput[];
  private outputList: readonly TxOutput[];
  /** A decoded transaction: where each input starts in `cachedBytes` (undefined for a constructed one). */
  private inputStarts: readonly number[] | undefined = undefined;
  /** A decoded transaction: where its first output starts in `cachedBytes`, and how many it has. */
  private outputsStart = 0;
  private outputTotal = 0;

  constructor(
    readonly version: number,
    inputs: readonly TxInput[],
    outputs: readonly TxOutput[],
  ) {
    this.inputList = inputs;
    this.outputList = outputs;
  }

  get inputs(): readonly TxInput[] {
    if (this.inputList === NOT_BUILT_INPUTS) this.inputList = inputsOf(this.cachedBytes!, this.inputStarts!);
    return this.inputList;
  }

  get outputs(): readonly TxOutput[] {
    if (this.outputList === NOT_BUILT_OUTPUTS) this.outputList = outputsOf(this.cachedBytes!, this.outputsStart, this.outputTotal);
    return this.outputList;
  }

  get inputCount(): number {
    return this.inputStarts ? this.inputStarts.length : this.inputList.length;
  }

  get outputCount(): number {
    return this.inputStarts ? this.outputTotal : this.outputList.length;
  }

  /** Input `i`'s prevout txid (a view of the transaction's bytes when decoded: keep it only as long as the transaction). */
  inputPrevoutTxid(i: number): Buffer {
    return this.inputStarts ? prevoutTxidAt(this.cachedBytes!, this.inputStart(i)) : this.givenInput(i).prevout.txid;
  }

  inputPrevoutIndex(i: number): number {
    return this.inputStarts ? prevoutIndexAt(this.cachedBytes!, this.inputStart(i)) : this.givenInput(i).prevout.index;
  }

  /** Input `i`'s prevout as a fresh object (its txid a view, as inputPrevoutTxid). */
  inputPrevout(i: number): OutPoint {
    return this.inputStarts ? { txid: this.inputPrevoutTxid(i), index: this.inputPrevoutIndex(i) } : this.givenInput(i).prevout;
  }

  /** Input `i`'s public key (coinbase data for a coinbase input). */
  inputPublicKey(i: number): Buffer {
    return this.inputStarts ? publicKeyAt(this.cachedBytes!, this.inputStart(i)) : this.givenInput(i).publicKey;
  }

  /** Input `i`'s signature (a view of the transaction's bytes when decoded). */
  inputSignature(i: number): Buffer {
    return this.inputStarts ? signatureAt(this.cachedBytes!, this.inputStart(i)) : this.givenInput(i).signature;
  }

  outputAmount(i: number): bigint {
    return this.inputStarts ? outputAmountAt(this.cachedBytes!, this.outputStart(i)) : this.givenOutput(i).amount;
  }

  /** Output `i`'s owner (a view of the transaction's bytes when decoded). */
  outputPubKeyHash(i: number): Buffer {
    return this.inputStarts ? outputOwnerAt(this.cachedBytes!, this.outputStart(i)) : this.givenOutput(i).pubKeyHash;
  }

  // Index checks: a decoded transaction would otherwise answer an index past its count with an
  // empty view or another field's bytes, where a constructed one throws.
  private inputStart(i: number): number {
    const at = this.inputStarts![i];
    if (at === undefined) throw indexError('input', i, this.inputStarts!.length);
    return at;
  }

  private givenInput(i: number): TxInput {
    const input = this.inputList[i];
    if (input === undefined) throw indexError('input', i, this.inputList.length);
    return input;
  }

  private outputStart(i: number): number {
    if (!(i >= 0 && i < this.outputTotal && Number.isInteger(i))) throw indexError('output', i, this.outputTotal);
    return this.outputsStart + i * OUTPUT_BYTES;
  }

  private givenOutput(i: number): TxOutput {
    const output = this.outputList[i];
    if (output === undefined) throw indexError('output', i, this.outputList.length);
    return output;
  }

  static coinbase(height: number, outputs: readonly TxOutput[], extraData: Buffer = Buffer.alloc(0)): Transaction {
    const data = Buffer.concat([new BufferWriter(4).u32(height).finish(), extraData]);
    if (data.length > MAX_COINBASE_DATA_BYTES) throw new RangeError(`coinbase data over ${MAX_COINBASE_DATA_BYTES} bytes`);
    return new Transaction(1, [{ prevout: { txid: ZERO_HASH, index: COINBASE_PREVOUT_INDEX }, publicKey: data, signature: Buffer.alloc(0) }], outputs);
  }

  get isCoinbase(): boolean {
    if (this.inputCount !== 1 || this.inputPrevoutIndex(0) !== COINBASE_PREVOUT_INDEX) return false;
    const starts = this.inputStarts;
    if (!starts) return this.inputList[0]!.prevout.txid.equals(ZERO_HASH);
    return this.cachedBytes!.compare(ZERO_HASH, 0, HASH_BYTES, starts[0]!, starts[0]! + HASH_BYTES) === 0;
  }

  /** Height committed in a coinbase's data, or undefined if it is not a coinbase or too short. */
  get coinbaseHeight(): number | undefined {
    if (!this.isCoinbase) return undefined;
    const data = this.inputPublicKey(0);
    return data.length >= 4 ? data.readUInt32LE(0) : undefined;
  }

  get txid(): Buffer {
    this.cachedTxid ??= hash256(this.encode());
    return this.cachedTxid;
  }

  get txidHex(): string {
    return this.txid.toString('hex');
  }

  get size(): number {
    return this.encode().length;
  }

  totalOutput(): bigint {
    let sum = 0n;
    for (let i = 0; i < this.outputCount; i++) sum += this.outputAmount(i);
    return sum;
  }

  encode(): Buffer {
    this.cachedBytes ??= this.write(new BufferWriter(64 + this.inputs.length * 140 + this.outputs.length * 30), true).finish();
    return this.cachedBytes;
  }

  write(w: BufferWriter, withSignatures = true): BufferWriter {
    w.u32(this.version).varint(this.inputs.length);
    for (const input of this.inputs) {
      w.bytes(input.prevout.txid).u32(input.prevout.index).varBytes(input.publicKey);
      w.varBytes(withSignatures ? input.signature : Buffer.alloc(0));
    }
    w.varint(this.outputs.length);
    for (const out of this.outputs) w.u64(out.amount).bytes(out.pubKeyHash);
    return w;
  }

  /**
   * The digest input `inputIndex` signs: hash256(tx encoded with every signature empty || u32 index).
   * It commits to every input's outpoint and key and every output, so nothing can be changed
   * after signing; the index stops one signature being replayed on another input.
   */
  sighash(inputIndex: number): Buffer {
    if (signing?.tx !== this) {
      const preimage = this.inputStarts ? unsignedPreimage(this.cachedBytes!, this.inputStarts, this.outputsStart) : this.write(new BufferWriter(64 + this.inputs.length * 76 + this.outputs.length * 30), false).u32(0).finish();
      const indexAt = preimage.length - 4;
      signing = { tx: this, preimage, indexAt, prefix: indexAt >= MIDSTATE_MIN_PREFIX_BYTES ? new PrefixHash256(preimage.subarray(0, indexAt)) : undefined };
    }
    const { preimage, indexAt, prefix } = signing;
    preimage.writeUInt32LE(inputIndex, indexAt);
    return prefix ? prefix.digest(preimage.subarray(indexAt)) : hash256(preimage);
  }

  /** A copy with the given input's signature replaced (the wallet signs input by input). */
  withSignature(inputIndex: number, signature: Buffer): Transaction {
    const inputs = this.inputs.map((input, i) => (i === inputIndex ? { ...input, signature } : input));
    return new Transaction(this.version, inputs, this.outputs);
  }

  /**
   * Reads one transaction, checking every bound and varint as it records where each input and
   * the outputs start (tx-layout.ts). Its fields are then read from the transaction's own copy of
   * its bytes (kept for encode(), the txid and storage), not a copy each: a decoded field pins that
   * transaction's bytes, never the source's (a block or a frame), and a field kept after the
   * transaction (a coin's owner) costs no more than a small copy, which pins its slice of Node's
   * shared buffer pool just the same.
   */
  static read(r: BufferReader): Transaction {
    const start = r.position;
    const layout = readLayout(r);
    // The encoding is canonical (minimal varints, no slack), so the source bytes are exactly what
    // encode() would produce: keep them instead of re-serialising for the txid, size and storage.
    return Transaction.viewing(r.copySince(start), layout);
  }

  /** The transaction whose bytes are `bytes` (one whole encoding, checked when `layout` was read): no field read yet. */
  private static viewing(bytes: Buffer, layout: TxLayout): Transaction {
    const tx = new Transaction(layout.version, NOT_BUILT_INPUTS, NOT_BUILT_OUTPUTS);
    tx.cachedBytes = bytes;
    tx.inputStarts = layout.inputStarts;
    tx.outputsStart = layout.outputsStart;
    tx.outputTotal = layout.outputCount;
    return tx;
  }

  /**
   * A copy that holds exactly its own memory, for a transaction kept long (the mempool): its
   * bytes and txid in one ArrayBuffer of its own, the fields views of it, no cached signing
   * preimage. A decoded tx's bytes and txid are slices of Node's shared 8 KiB buffer pool, and
   * each keeps its whole slab alive: 20,000 pooled 332-byte txs held 945 bytes of ArrayBuffer
   * each (and ~300 more for the preimage the signature check cached).
   */
  detached(): Transaction {
    const bytes = this.encode();
    const own = Buffer.allocUnsafeSlow(bytes.length + HASH_BYTES);
    bytes.copy(own, 0);
    this.txid.copy(own, bytes.length);
    // Read again, not this transaction's offsets: a constructed one has none, and its fields were never checked.
    const copy = own.subarray(0, bytes.length);
    const reader = new BufferReader(copy);
    const layout = readLayout(reader);
    reader.end('transaction');
    const tx = Transaction.viewing(copy, layout);
    tx.cachedTxid = own.subarray(bytes.length);
    return tx;
  }

  static decode(bytes: Buffer): Transaction {
    const r = new BufferReader(bytes);
    const tx = Transaction.read(r);
    r.end('transaction');
    if (tx.inputCount === 0 && tx.outputCount === 0) throw new DecodeError('empty transaction');
    return tx;
  }
}
