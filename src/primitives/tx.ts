import { DecodeError } from '../util/errors.js';
import { BufferReader, BufferWriter } from './encoding.js';
import { HASH_BYTES, PUBKEY_HASH_BYTES, ZERO_HASH, hash256 } from './hash.js';

/** prevout index that marks a coinbase input (as in Bitcoin). */
export const COINBASE_PREVOUT_INDEX = 0xffff_ffff;
/** A coinbase input carries free-form data (height first, so coinbase txids never repeat) instead of a key. */
export const MAX_COINBASE_DATA_BYTES = 100;
/** Decoding bound for input public keys / signatures; validation then demands exactly 33 / 64. */
export const MAX_INPUT_FIELD_BYTES = 128;
/** Smallest possible encoded input / output, used to reject absurd counts before allocating. */
export const MIN_INPUT_BYTES = HASH_BYTES + 4 + 1 + 1;
export const MIN_OUTPUT_BYTES = 8 + PUBKEY_HASH_BYTES;

export interface OutPoint {
  readonly txid: Buffer;
  readonly index: number;
}

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

/** A key usable in Maps/LMDB for an outpoint: 32-byte txid then big-endian u32 index. */
export function outPointKey(outpoint: OutPoint): Buffer {
  // allocUnsafe below: a short txid would leave old heap bytes in the key and look up a random coin.
  if (outpoint.txid.length !== HASH_BYTES) throw new DecodeError(`an outpoint's txid is ${HASH_BYTES} bytes, got ${outpoint.txid.length}`);
  if (!Number.isInteger(outpoint.index) || outpoint.index < 0 || outpoint.index > 0xffff_ffff) throw new DecodeError(`an outpoint's index is a 32-bit unsigned number, got ${outpoint.index}`);
  const key = Buffer.allocUnsafe(HASH_BYTES + 4);
  outpoint.txid.copy(key, 0);
  key.writeUInt32BE(outpoint.index, HASH_BYTES);
  return key;
}

export function outPointFromKey(key: Buffer): OutPoint {
  return { txid: Buffer.from(key.subarray(0, HASH_BYTES)), index: key.readUInt32BE(HASH_BYTES) };
}

export function outPointToString(outpoint: OutPoint): string {
  return `${outpoint.txid.toString('hex')}:${outpoint.index}`;
}

/**
 * An immutable transaction. Encoding, txid and the signing preimage are computed once and
 * cached, because validation, relay and storage all ask for them repeatedly.
 *
 * Encoding: version u32 | varint nIn | nIn × (prevTxid[32] | prevIndex u32 | varBytes publicKey |
 * varBytes signature) | varint nOut | nOut × (amount u64 | pubKeyHash[20]). All integers little-endian.
 */
export class Transaction {
  private cachedBytes?: Buffer;
  private cachedTxid?: Buffer;
  private cachedUnsigned?: Buffer;

  constructor(
    readonly version: number,
    readonly inputs: readonly TxInput[],
    readonly outputs: readonly TxOutput[],
  ) {}

  static coinbase(height: number, outputs: readonly TxOutput[], extraData: Buffer = Buffer.alloc(0)): Transaction {
    const data = Buffer.concat([new BufferWriter(4).u32(height).finish(), extraData]);
    if (data.length > MAX_COINBASE_DATA_BYTES) throw new RangeError(`coinbase data over ${MAX_COINBASE_DATA_BYTES} bytes`);
    return new Transaction(1, [{ prevout: { txid: ZERO_HASH, index: COINBASE_PREVOUT_INDEX }, publicKey: data, signature: Buffer.alloc(0) }], outputs);
  }

  get isCoinbase(): boolean {
    if (this.inputs.length !== 1) return false;
    const { prevout } = this.inputs[0]!;
    return prevout.index === COINBASE_PREVOUT_INDEX && prevout.txid.equals(ZERO_HASH);
  }

  /** Height committed in a coinbase's data, or undefined if it is not a coinbase or too short. */
  get coinbaseHeight(): number | undefined {
    if (!this.isCoinbase) return undefined;
    const data = this.inputs[0]!.publicKey;
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
    for (const out of this.outputs) sum += out.amount;
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
    this.cachedUnsigned ??= this.write(new BufferWriter(64 + this.inputs.length * 76 + this.outputs.length * 30), false).u32(0).finish();
    const preimage = this.cachedUnsigned;
    preimage.writeUInt32LE(inputIndex, preimage.length - 4);
    return hash256(preimage);
  }

  /** A copy with the given input's signature replaced (the wallet signs input by input). */
  withSignature(inputIndex: number, signature: Buffer): Transaction {
    const inputs = this.inputs.map((input, i) => (i === inputIndex ? { ...input, signature } : input));
    return new Transaction(this.version, inputs, this.outputs);
  }

  /**
   * Reads one transaction. Two passes: the first checks the encoding in place (every bound and
   * varint, the errors as a one-pass read gives them) and finds its end; the fields are then
   * views of the transaction's own copy of its bytes (kept for encode(), the txid and storage),
   * not a copy each. So a decoded field pins that transaction's bytes, never the source's (a
   * block or a frame), and a field kept after the transaction (a coin's owner) costs no more than
   * a small copy, which pins its slice of Node's shared buffer pool just the same.
   */
  static read(r: BufferReader): Transaction {
    const start = r.position;
    r.skip(4, 'tx version');
    const nIn = r.count(MIN_INPUT_BYTES, 'tx inputs');
    for (let i = 0; i < nIn; i++) {
      r.skip(HASH_BYTES, 'prevout txid');
      r.skip(4, 'prevout index');
      r.varSkip(MAX_INPUT_FIELD_BYTES, 'input public key');
      r.varSkip(MAX_INPUT_FIELD_BYTES, 'input signature');
    }
    const nOut = r.count(MIN_OUTPUT_BYTES, 'tx outputs');
    for (let i = 0; i < nOut; i++) {
      r.skip(8, 'output amount');
      r.skip(PUBKEY_HASH_BYTES, 'output pubkey hash');
    }
    // The encoding is canonical (minimal varints, no slack), so the source bytes are exactly what
    // encode() would produce: keep them instead of re-serialising for the txid, size and storage.
    return Transaction.viewing(r.copySince(start));
  }

  /** The transaction whose fields are views of `bytes` (one whole, already checked encoding, kept as its bytes). */
  private static viewing(bytes: Buffer): Transaction {
    const own = new BufferReader(bytes);
    const version = own.u32();
    const nIn = own.varint();
    const inputs: TxInput[] = new Array(nIn);
    for (let i = 0; i < nIn; i++) {
      const txid = own.view(HASH_BYTES);
      const index = own.u32();
      const publicKey = own.varView(MAX_INPUT_FIELD_BYTES);
      const signature = own.varView(MAX_INPUT_FIELD_BYTES);
      inputs[i] = { prevout: { txid, index }, publicKey, signature };
    }
    const nOut = own.varint();
    const outputs: TxOutput[] = new Array(nOut);
    for (let i = 0; i < nOut; i++) {
      outputs[i] = { amount: own.u64(), pubKeyHash: own.view(PUBKEY_HASH_BYTES) };
    }
    const tx = new Transaction(version, inputs, outputs);
    tx.cachedBytes = bytes;
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
    const tx = Transaction.viewing(own.subarray(0, bytes.length));
    tx.cachedTxid = own.subarray(bytes.length);
    return tx;
  }

  static decode(bytes: Buffer): Transaction {
    const r = new BufferReader(bytes);
    const tx = Transaction.read(r);
    r.end('transaction');
    if (tx.inputs.length === 0 && tx.outputs.length === 0) throw new DecodeError('empty transaction');
    return tx;
  }
}
