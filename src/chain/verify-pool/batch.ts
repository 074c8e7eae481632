/**
 * The signature checks of a block: one item per input of every non-coinbase transaction, in
 * block order. Workers get the transactions' encoded bytes (job.ts) and compute each input's
 * sighash themselves, so the calling thread does no hashing per input; small batches verify
 * inline from the Transaction objects.
 */
import type { Block } from '../../primitives/block.js';
import { verify } from '../../primitives/secp256k1.js';
import type { Transaction } from '../../primitives/tx.js';
import { encodeJob } from './job.js';

export interface SignatureRef {
  readonly tx: Transaction;
  readonly inputIndex: number;
}

export class SignatureBatch {
  /** Items (inputs) in the batch. */
  readonly count: number;

  private constructor(private readonly txs: readonly Transaction[]) {
    let total = 0;
    for (const tx of txs) total += tx.inputCount;
    this.count = total;
  }

  /** Every input of every non-coinbase transaction, in block order. */
  static fromBlock(block: Block): SignatureBatch {
    return SignatureBatch.fromTransactions(block.transactions.filter((tx) => !tx.isCoinbase));
  }

  static fromTransactions(txs: readonly Transaction[]): SignatureBatch {
    return new SignatureBatch(txs);
  }

  /** Which transaction input item `index` checks. */
  locate(index: number): SignatureRef {
    let rest = index;
    for (const tx of this.txs) {
      if (rest < tx.inputCount) return { tx, inputIndex: rest };
      rest -= tx.inputCount;
    }
    throw new RangeError(`signature item ${index} is outside a batch of ${this.count} items`);
  }

  /** A worker job (job.ts layout) for items [start, end): the bytes of every transaction they touch. Transferable. */
  job(start: number, end: number): ArrayBuffer {
    const segments: Array<{ bytes: Buffer; firstInput: number; inputCount: number }> = [];
    let base = 0;
    for (const tx of this.txs) {
      const n = tx.inputCount;
      const from = Math.max(start, base);
      const to = Math.min(end, base + n);
      if (from < to) segments.push({ bytes: tx.encode(), firstInput: from - base, inputCount: to - from });
      base += n;
      if (base >= end) break;
    }
    return encodeJob(segments);
  }

  /** Index of the first item in [start, end) that fails (a malformed signature or key counts), or -1. On the calling thread. */
  firstInvalid(start = 0, end = this.count): number {
    let base = 0;
    for (const tx of this.txs) {
      const n = tx.inputCount;
      for (let i = Math.max(0, start - base); i < n && base + i < end; i++) {
        if (!verify(tx.inputSignature(i), tx.sighash(i), tx.inputPublicKey(i))) return base + i;
      }
      base += n;
      if (base >= end) break;
    }
    return -1;
  }
}
