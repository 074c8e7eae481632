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
 * Cost units, beyond one per signature, of the chunk that checks inputs of `tx`: hashing the
 * transaction (once per chunk: its inputs' sighashes share all but the index, job-scan.ts) and
 * carrying it in the job. 0 for a transaction under VERIFY_SIGHASH_BYTES_PER_COST_UNIT.
 */
function hashCost(tx: Transaction): number {
  return Math.floor(tx.size / VERIFY_SIGHASH_BYTES_PER_COST_UNIT);
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
      if (tx.inputCount > 0) cost += tx.inputCount + hashCost(tx);
    }
    this.count = total;
    this.cost = cost;
  }

  /** Every input of every non-coinbase transaction, in block order, but those of transactions `verified` holds. */
  static fromBlock(block: Block, verified?: { has(tx: Transaction): boolean }): SignatureBatch {
    return SignatureBatch.fromTransactions(block.transactions.filter((tx) => !tx.isCoinbase && verified?.has(tx) !== true));
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
   * `maxCost` unless a transaction's hashing is more than half of it. Each range pays the hashing of
   * every transaction it touches, so a large transaction is cut only after a range holds more of
   * its inputs than its hashing costs, and enters a range only where there is room for that: the
   * hashing a cut repeats never outweighs the signatures it spreads (cut input by input, a 1 MB
   * transaction of 60 inputs would be hashed 60 times). A last range left small by such a repeat
   * goes back into the one before it when they fit together.
   */
  ranges(minRanges: number, maxCost: number): ItemRange[] {
    const wanted = Math.max(1, minRanges, Math.ceil(this.cost / maxCost));
    // Not rounded: every range within it and their costs summing to at least this.cost makes at least `wanted` ranges.
    const target = this.cost / wanted;
    const out: Array<ItemRange & { readonly repeated: number }> = [];
    let start = 0;
    let cost = 0;
    /** Hashing the current range repeats from the one before (it starts inside a transaction). */
    let repeated = 0;
    let item = 0;
    const cut = (end: number, nextRepeats: number): void => {
      out.push({ start, end, cost, repeated });
      start = end;
      cost = 0;
      repeated = nextRepeats;
    };
    for (const tx of this.txs) {
      const hashing = hashCost(tx);
      /** Inputs of `tx` in the current range (0: its hashing not paid there yet). */
      let taken = 0;
      for (let i = 0; i < tx.inputCount; i++, item++) {
        if (taken === 0 && cost > 0 && cost + 1 + 2 * hashing > target) cut(item, 0);
        else if (taken > hashing && cost + 1 > target) {
          cut(item, hashing);
          taken = 0;
        }
        cost += taken === 0 ? 1 + hashing : 1;
        taken++;
      }
    }
    if (item > start) cut(item, 0);
    const last = out[out.length - 1];
    const before = out[out.length - 2];
    if (last && before && out.length > wanted && before.cost + last.cost - last.repeated <= maxCost) {
      out.splice(-2, 2, { start: before.start, end: last.end, cost: before.cost + last.cost - last.repeated, repeated: before.repeated });
    }
    return out.map(({ start: from, end, cost: units }) => ({ start: from, end, cost: units }));
  }

  /** A worker job (job.ts layout) for items [start, end): the bytes of every transaction they touch. A fresh buffer of its own. */
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
