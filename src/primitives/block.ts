import { DecodeError } from '../util/errors.js';
import { BufferReader, BufferWriter } from './encoding.js';
import { HASH_BYTES, hash256 } from './hash.js';
import { merkleRootChecked } from './merkle.js';
import { Transaction } from './tx.js';

/** version u32 | prevHash[32] | merkleRoot[32] | timestamp u32 | bits u32 | height u32 | nonce u32 */
export const HEADER_BYTES = 4 + HASH_BYTES + HASH_BYTES + 4 + 4 + 4 + 4;
/** The miner patches the nonce in place in an encoded header rather than re-encoding per attempt. */
export const HEADER_NONCE_OFFSET = HEADER_BYTES - 4;
/** Smallest encoded transaction: version, one empty-ish input, no outputs. */
const MIN_TX_BYTES = 4 + 1 + HASH_BYTES + 4 + 1 + 1 + 1;

export interface BlockHeaderFields {
  version: number;
  prevHash: Buffer;
  merkleRoot: Buffer;
  /** Seconds since the Unix epoch. */
  timestamp: number;
  /** Compact proof-of-work target (see pow.ts). */
  bits: number;
  height: number;
  nonce: number;
}

/** Immutable header; the hash is computed once. */
export class BlockHeader implements BlockHeaderFields {
  readonly version: number;
  readonly prevHash: Buffer;
  readonly merkleRoot: Buffer;
  readonly timestamp: number;
  readonly bits: number;
  readonly height: number;
  readonly nonce: number;
  private cachedHash?: Buffer;

  constructor(fields: BlockHeaderFields) {
    this.version = fields.version;
    this.prevHash = fields.prevHash;
    this.merkleRoot = fields.merkleRoot;
    this.timestamp = fields.timestamp;
    this.bits = fields.bits;
    this.height = fields.height;
    this.nonce = fields.nonce;
  }

  get hash(): Buffer {
    this.cachedHash ??= hash256(this.encode());
    return this.cachedHash;
  }

  get hashHex(): string {
    return this.hash.toString('hex');
  }

  write(w: BufferWriter): BufferWriter {
    return w
      .u32(this.version)
      .bytes(this.prevHash)
      .bytes(this.merkleRoot)
      .u32(this.timestamp)
      .u32(this.bits)
      .u32(this.height)
      .u32(this.nonce);
  }

  encode(): Buffer {
    return this.write(new BufferWriter(HEADER_BYTES)).finish();
  }

  withNonce(nonce: number, timestamp = this.timestamp): BlockHeader {
    return new BlockHeader({ ...this.fields(), nonce, timestamp });
  }

  fields(): BlockHeaderFields {
    const { version, prevHash, merkleRoot, timestamp, bits, height, nonce } = this;
    return { version, prevHash, merkleRoot, timestamp, bits, height, nonce };
  }

  static read(r: BufferReader): BlockHeader {
    return new BlockHeader({
      version: r.u32('header version'),
      prevHash: r.bytes(HASH_BYTES, 'prev hash'),
      merkleRoot: r.bytes(HASH_BYTES, 'merkle root'),
      timestamp: r.u32('timestamp'),
      bits: r.u32('bits'),
      height: r.u32('height'),
      nonce: r.u32('nonce'),
    });
  }

  /**
   * read(), with the hash taken from the bytes just read: a header off the wire is hashed at once
   * (PoW, linkage), and re-encoding it to hash was most of checking a 2,000-header reply.
   */
  static readHashed(r: BufferReader): BlockHeader {
    const start = r.position;
    const header = BlockHeader.read(r);
    header.cachedHash = hash256(r.viewSince(start));
    return header;
  }

  static decode(bytes: Buffer): BlockHeader {
    const r = new BufferReader(bytes);
    const header = BlockHeader.read(r);
    r.end('block header');
    return header;
  }

  /** What `cli print <height>` shows. */
  toJSON(): Record<string, string | number> {
    return {
      hash: this.hashHex,
      height: this.height,
      version: this.version,
      prevHash: this.prevHash.toString('hex'),
      merkleRoot: this.merkleRoot.toString('hex'),
      timestamp: this.timestamp,
      bits: `0x${this.bits.toString(16).padStart(8, '0')}`,
      nonce: this.nonce,
    };
  }
}

/** Encoding: header | varint txCount | transactions. The first transaction is the coinbase. */
export class Block {
  private cachedBytes?: Buffer;
  private cachedMerkleRoot?: Buffer;
  private cachedMutated?: boolean;

  constructor(
    readonly header: BlockHeader,
    readonly transactions: readonly Transaction[],
  ) {}

  get hash(): Buffer {
    return this.header.hash;
  }

  get hashHex(): string {
    return this.header.hashHex;
  }

  get height(): number {
    return this.header.height;
  }

  get size(): number {
    return this.encode().length;
  }

  /**
   * The merkle root of the transactions (not the header's claim). Computed once per Block: a block
   * from a peer had it computed twice — by the relay before pushing it on (BIP152's early relay, or
   * the compact rebuild's check) and by validation — ~4 ms each for 4,000 transactions. The
   * transactions are immutable (as their cached txids already assume).
   */
  computeMerkleRoot(): Buffer {
    if (this.cachedMerkleRoot === undefined) this.computeMerkleTree();
    return this.cachedMerkleRoot!;
  }

  /**
   * Two equal sibling hashes somewhere in the transactions' merkle tree (a repeated tail: see
   * merkleRootChecked). Computed with the root, once per Block.
   */
  isMerkleTreeMutated(): boolean {
    if (this.cachedMutated === undefined) this.computeMerkleTree();
    return this.cachedMutated!;
  }

  private computeMerkleTree(): void {
    const { root, mutated } = merkleRootChecked(this.transactions.map((tx) => tx.txid));
    this.cachedMerkleRoot = root;
    this.cachedMutated = mutated;
  }

  encode(): Buffer {
    if (this.cachedBytes) return this.cachedBytes;
    const w = new BufferWriter(HEADER_BYTES + 9 + this.transactions.reduce((n, tx) => n + tx.size, 0));
    this.header.write(w).varint(this.transactions.length);
    for (const tx of this.transactions) w.bytes(tx.encode());
    this.cachedBytes = w.finish();
    return this.cachedBytes;
  }

  static decode(bytes: Buffer): Block {
    const r = new BufferReader(bytes);
    const header = BlockHeader.readHashed(r);
    const count = r.count(MIN_TX_BYTES, 'block transactions');
    if (count === 0) throw new DecodeError('a block must contain at least its coinbase transaction');
    const txs: Transaction[] = new Array(count);
    for (let i = 0; i < count; i++) txs[i] = Transaction.read(r);
    r.end('block');
    const block = new Block(header, txs);
    block.cachedBytes = Buffer.from(bytes); // canonical encoding: equal to encode(); copied so the caller may reuse its buffer
    return block;
  }
}
