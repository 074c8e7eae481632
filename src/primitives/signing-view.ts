/**
 * The signature-checking view of an encoded transaction, read straight from its bytes: each
 * input's key and signature (views, not copies) and the preimage Transaction.sighash() hashes.
 * The verify workers receive transactions as bytes; building a Transaction (a copy of every
 * field) and re-serialising it without signatures cost them more than the hashing itself.
 */
import { BufferReader } from './encoding.js';
import { hash256, hash256Into } from './hash.js';
import { publicKeyAt, readLayout, signatureAt, unsignedPreimage } from './tx-layout.js';

const INDEX_BYTES = 4;

export class SigningView {
  private constructor(
    readonly publicKeys: readonly Buffer[],
    readonly signatures: readonly Buffer[],
    /** The encoding with every signature empty, then 4 bytes for the input index (patched per sighash). */
    private readonly preimage: Buffer,
  ) {}

  /** Throws DecodeError on bytes that are not exactly one encoded transaction. */
  static read(bytes: Buffer): SigningView {
    const r = new BufferReader(bytes);
    const { inputStarts, outputsStart } = readLayout(r);
    r.end('transaction');
    return new SigningView(
      inputStarts.map((at) => publicKeyAt(bytes, at)),
      inputStarts.map((at) => signatureAt(bytes, at)),
      unsignedPreimage(bytes, inputStarts, outputsStart),
    );
  }

  get inputCount(): number {
    return this.publicKeys.length;
  }

  /** Same digest as Transaction.sighash(inputIndex). */
  sighash(inputIndex: number): Buffer {
    return hash256(this.preimageFor(inputIndex));
  }

  /** sighash(inputIndex) written into `out` (32 bytes), no Buffer made: the verify workers' per-input path. Returns `out`. */
  sighashInto(inputIndex: number, out: Buffer): Buffer {
    return hash256Into(this.preimageFor(inputIndex), out);
  }

  private preimageFor(inputIndex: number): Buffer {
    if (inputIndex < 0 || inputIndex >= this.publicKeys.length) throw new RangeError(`input ${inputIndex} of a transaction with ${this.publicKeys.length}`);
    this.preimage.writeUInt32LE(inputIndex, this.preimage.length - INDEX_BYTES);
    return this.preimage;
  }
}
