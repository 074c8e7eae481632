/**
 * The signature checks of a block: one item per input of every non-coinbase transaction, in
 * block order. Workers get the transactions' encoded bytes (job.ts) and compute each input's
 * sighash themselves, so the calling thread does no hashing per input; small batches verify
 * inline from the Transaction objects.
 */
import type { Block } from '../../primitives/block.js';
import { verify } from '../../primitives/secp256k1.js';
import type { Transaction } from '../../primitives/tx.js';
import { VERIFY_SIGHASH_BYTES_PER_COST_UNIT } from './constants.js';
import { encodeJob } from './job.js';

export interface SignatureRef {
  readonly tx: Transaction;
  readonly inputIndex: number;
}

/** Items [start, end) of a batch and what checking them costs (cost units, constants.ts). */
export interface ItemRange {
  readonly start: number;
  readonly end: number;
  readonly cost: number;
}

/**
 * Cost units of checking one input of `tx`: its signature, and its sighash, which hashes the whole
 * transaction (the legacy scheme's quadratic hashing: a 500 KB transaction's inputs each hash 500 KB).
 */
function unitCost(tx: Transaction): number {
  return 1 + Math.floor(tx.size / VERIFY_SIGHASH_BYTES_PER_COST_UNIT);
}

export class SignatureBatch {
  /** Items (inputs) in the batch. */
  readonly count: number;
  /** Cost units of checking every item: one per signature for transactions under VERIFY_SIGHASH_BYTES_PER_COST_UNIT. */
  readonly cost: number;

  private constructor(private readonly txs: readonly Transaction[]) {
    let total = 0;
    let cost = 0;
    for (const tx of txs) {
      total += tx.inputCount;
      cost += tx.inputCount * unitCost(tx);
    }
    this.count = total;
    this.cost = cost;
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

  /**
   * Cuts the batch into at least `minRanges` consecutive ranges of about equal cost, none over
   * `maxCost` unless one item alone is (a transaction's inputs are never split finer than one item).
   */
  ranges(minRanges: number, maxCost: number): ItemRange[] {
    const wanted = Math.max(1, minRanges, Math.ceil(this.cost / maxCost));
    const target = Math.ceil(this.cost / wanted);
    const out: ItemRange[] = [];
    let start = 0;
    let cost = 0;
    let item = 0;
    for (const tx of this.txs) {
      const unit = unitCost(tx);
      for (let i = 0; i < tx.inputCount; i++, item++) {
        if (cost > 0 && cost + unit > target) {
          out.push({ start, end: item, cost });
          start = item;
          cost = 0;
        }
        cost += unit;
      }
    }
    if (item > start) out.push({ start, end: item, cost });
    return out;
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
