/**
 * The signature-checking view of an encoded transaction, read straight from its bytes: each
 * input's key and signature (views, not copies) and the preimage Transaction.sighash() hashes.
 * The verify workers receive transactions as bytes; building a Transaction (a copy of every
 * field) and re-serialising it without signatures cost them more than the hashing itself.
 */
import { BufferReader } from './encoding.js';
import { HASH_BYTES, hash256, hash256Into } from './hash.js';
import { MAX_INPUT_FIELD_BYTES, MIN_INPUT_BYTES, MIN_OUTPUT_BYTES } from './tx.js';

const PREVOUT_BYTES = HASH_BYTES + 4;
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
    r.skip(4, 'tx version');
    const nIn = r.count(MIN_INPUT_BYTES, 'tx inputs');
    const publicKeys: Buffer[] = new Array(nIn);
    const signatures: Buffer[] = new Array(nIn);
    // [start, end) of each signature field (its length varint included), to cut out of the preimage.
    const cuts: number[] = new Array(nIn * 2);
    let cutBytes = 0;
    for (let i = 0; i < nIn; i++) {
      r.skip(PREVOUT_BYTES, 'prevout');
      publicKeys[i] = r.varView(MAX_INPUT_FIELD_BYTES, 'input public key');
      const start = r.position;
      signatures[i] = r.varView(MAX_INPUT_FIELD_BYTES, 'input signature');
      cuts[2 * i] = start;
      cuts[2 * i + 1] = r.position;
      cutBytes += r.position - start - 1; // an empty signature is one zero byte
    }
    const nOut = r.count(MIN_OUTPUT_BYTES, 'tx outputs');
    r.skip(nOut * MIN_OUTPUT_BYTES, 'tx outputs'); // every output is exactly amount + pubKeyHash
    r.end('transaction');
    const preimage = Buffer.allocUnsafe(bytes.length - cutBytes + INDEX_BYTES);
    let written = 0;
    let read = 0;
    for (let c = 0; c < cuts.length; c += 2) {
      written += bytes.copy(preimage, written, read, cuts[c]);
      preimage[written++] = 0;
      read = cuts[c + 1]!;
    }
    bytes.copy(preimage, written, read);
    return new SigningView(publicKeys, signatures, preimage);
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
