/**
 * The signature checks of a block as one flat buffer of fixed-size items (see constants.ts),
 * built on the calling thread: sighashes need the transaction, verification needs only bytes.
 */
import type { Block } from '../../primitives/block.js';
import { HASH_BYTES } from '../../primitives/hash.js';
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES, verify } from '../../primitives/secp256k1.js';
import type { Transaction } from '../../primitives/tx.js';
import { VERIFY_ITEM_BYTES, VERIFY_ITEM_DIGEST_OFFSET, VERIFY_ITEM_PUBKEY_OFFSET } from './constants.js';

export interface SignatureRef {
  readonly tx: Transaction;
  readonly inputIndex: number;
}

export class SignatureBatch {
  private constructor(
    /** `count` items; its ArrayBuffer belongs to this batch alone, so it can be transferred. */
    readonly items: Uint8Array,
    readonly count: number,
    /**
     * Index of the first item whose signature or key has the wrong length (so cannot verify);
     * items from there on are not in `items`. Undefined when every item is well-formed.
     */
    readonly malformedIndex: number | undefined,
    private readonly txs: readonly Transaction[],
  ) {}

  /** Every input of every non-coinbase transaction, in block order. */
  static fromBlock(block: Block): SignatureBatch {
    return SignatureBatch.fromTransactions(block.transactions.filter((tx) => !tx.isCoinbase));
  }

  static fromTransactions(txs: readonly Transaction[]): SignatureBatch {
    let total = 0;
    for (const tx of txs) total += tx.inputs.length;
    const items = new Uint8Array(new ArrayBuffer(total * VERIFY_ITEM_BYTES));
    let n = 0;
    for (const tx of txs) {
      for (const [i, input] of tx.inputs.entries()) {
        if (input.signature.length !== SIGNATURE_BYTES || input.publicKey.length !== PUBLIC_KEY_BYTES) {
          return new SignatureBatch(items.subarray(0, n * VERIFY_ITEM_BYTES), n, n, txs);
        }
        const at = n * VERIFY_ITEM_BYTES;
        items.set(input.signature, at);
        items.set(tx.sighash(i), at + VERIFY_ITEM_DIGEST_OFFSET);
        items.set(input.publicKey, at + VERIFY_ITEM_PUBKEY_OFFSET);
        n++;
      }
    }
    return new SignatureBatch(items, n, undefined, txs);
  }

  /** Which transaction input item `index` checks. */
  locate(index: number): SignatureRef {
    let rest = index;
    for (const tx of this.txs) {
      if (rest < tx.inputs.length) return { tx, inputIndex: rest };
      rest -= tx.inputs.length;
    }
    throw new RangeError(`signature item ${index} is outside a batch of ${this.count + (this.malformedIndex === undefined ? 0 : 1)}+ items`);
  }

  /** Combines the verified items' verdict with the malformed one: the first failing item, or -1. */
  firstFailure(firstInvalidItem: number): number {
    return firstInvalidItem >= 0 ? firstInvalidItem : (this.malformedIndex ?? -1);
  }
}

/** Index of the first item in [start, end) of `items` that fails, or -1. Runs in workers and inline. */
export function firstInvalidItem(items: Uint8Array, start: number, end: number): number {
  for (let i = start; i < end; i++) {
    const at = i * VERIFY_ITEM_BYTES;
    const ok = verify(
      items.subarray(at, at + SIGNATURE_BYTES),
      items.subarray(at + VERIFY_ITEM_DIGEST_OFFSET, at + VERIFY_ITEM_DIGEST_OFFSET + HASH_BYTES),
      items.subarray(at + VERIFY_ITEM_PUBKEY_OFFSET, at + VERIFY_ITEM_PUBKEY_OFFSET + PUBLIC_KEY_BYTES),
    );
    if (!ok) return i;
  }
  return -1;
}
