/**
 * Putting a disconnected block's transactions back into the pool. A reorg disconnects tip first,
 * so a tx may come back before its parent: those that lack inputs wait and are retried as older
 * blocks come back; whatever still fails once the reorg settles (once the pool has handled the
 * chain's new tip, or the next event-loop turn if it already has) is dropped, and pool txs whose
 * inputs vanished go with it.
 */
import { ValidationCode, ValidationError } from '../chain/errors.js';
import type { CoinView } from '../chain/types.js';
import { isImmatureCoinbase } from '../chain/validate-tx.js';
import type { Block } from '../primitives/block.js';
import type { Transaction } from '../primitives/tx.js';
import { errorMessage } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { RemovalReason } from './errors.js';
import { type PoolIndex, bytesKey } from './pool-index.js';

/** What the re-adding needs from the Mempool that owns it. */
export interface ReorgHost {
  readonly index: PoolIndex;
  readonly chain: CoinView;
  readonly coinbaseMaturity: number;
  readonly logger: Logger;
  /** Admits a tx of a disconnected block (fee and room checks skipped); throws as admission does. */
  readmit(tx: Transaction): void;
  /** Height an unconfirmed output would get if mined in the next block. */
  unconfirmedHeight(): number;
  /** Evicts until the pool is within its bounds again. */
  trimToSize(): void;
  /** Hash of the chain's committed tip. */
  tipHash(): Buffer | undefined;
  /** The reorg settled: what it re-added and kept is in the pool now (relay re-announces it). */
  settled?(): void;
}

export class ReorgReadd {
  /** Transactions of disconnected blocks waiting for their parents to come back, by txid key. */
  private waiting = new Map<string, Transaction>();
  /** The waiting txs by each txid their inputs spend: a parent's admission retries only its own children. */
  private waitingByParent = new Map<string, Transaction[]>();
  /** A block was disconnected and the reorg has not settled yet. */
  pending = false;
  private finalizeScheduled = false;
  /** The tip as of the last block event the pool has handled. */
  private seenTip: Buffer | undefined;

  constructor(private readonly host: ReorgHost) {}

  blockDisconnected(block: Block): void {
    this.seenTip = block.header.prevHash;
    this.pending = true;
    // Only the new block's txs are tried now, and a waiting tx only when one of its parents gets
    // in (the chain state does not change between the events of one reorg). Retrying every
    // waiting tx on each event (or each admission) was quadratic: 600 blocks of a branch whose
    // txs cannot come back cost 720,000 admissions, 27 s of a blocked node.
    for (const tx of block.transactions) {
      if (!tx.isCoinbase) this.tryAdmit(tx);
    }
    if (!this.finalizeScheduled) {
      this.finalizeScheduled = true;
      setImmediate(() => {
        this.finalizeScheduled = false;
        if (this.pending && this.caughtUp()) this.finish();
      });
    }
  }

  /**
   * Called after the pool dropped the block's transactions. The chain commits a whole branch and
   * then announces its blocks one by one, so until the pool has handled the new tip it still holds
   * transactions that later blocks of the branch confirm: settling then would see their inputs
   * spent in the chain and drop them with every unconfirmed descendant (found by the soak test).
   */
  blockConnected(block: Block): void {
    this.seenTip = block.hash;
    if (this.pending && this.caughtUp()) this.finish();
  }

  /** The pool has handled every block event up to the chain's tip. */
  private caughtUp(): boolean {
    const tip = this.host.tipHash();
    return tip === undefined || (this.seenTip !== undefined && this.seenTip.equals(tip));
  }

  /** Readmits `tx`, then its waiting descendants (a queue, not recursion); a tx missing inputs waits, others are dropped. */
  private tryAdmit(first: Transaction): void {
    const queue: Transaction[] = [first];
    for (let tx = queue.shift(); tx; tx = queue.shift()) {
      const key = bytesKey(tx.txid);
      try {
        this.host.readmit(tx);
        this.waiting.delete(key);
      } catch (err) {
        if (err instanceof ValidationError && err.code === ValidationCode.MissingInputs) {
          this.wait(key, tx);
          continue;
        }
        this.waiting.delete(key); // stale entries under its parents are skipped when those get in
        this.host.logger.debug({ txid: tx.txidHex, err: errorMessage(err) }, 'transaction of a disconnected block not re-added');
        continue;
      }
      const children = this.waitingByParent.get(key);
      if (!children) continue;
      this.waitingByParent.delete(key);
      for (const child of children) if (this.waiting.has(bytesKey(child.txid))) queue.push(child);
    }
  }

  private wait(key: string, tx: Transaction): void {
    if (this.waiting.has(key)) return; // already indexed
    this.waiting.set(key, tx);
    for (const parent of new Set(tx.inputs.map((input) => bytesKey(input.prevout.txid)))) {
      const list = this.waitingByParent.get(parent);
      if (list) list.push(tx);
      else this.waitingByParent.set(parent, [tx]);
    }
  }

  /** Settles the reorg: last retry, drops what still cannot come back, then trims the pool. */
  finish(): void {
    const { index, chain, coinbaseMaturity, logger } = this.host;
    // One last pass, oldest first: the new branch's blocks may have confirmed a waiting tx's parents.
    for (const tx of [...this.waiting.values()]) if (this.waiting.has(bytesKey(tx.txid))) this.tryAdmit(tx);
    for (const tx of this.waiting.values()) {
      logger.debug({ txid: tx.txidHex }, 'transaction of a disconnected block dropped: its inputs no longer exist');
    }
    this.waiting = new Map();
    this.waitingByParent = new Map();
    this.pending = false;
    // Pool txs that spent outputs of blocks now gone (a disconnected coinbase, a dropped tx), or
    // block rewards that a shorter chain makes immature again (Core's removeForReorg).
    const spendHeight = this.host.unconfirmedHeight();
    for (const node of index.orderedNodes()) {
      if (index.byTxid.get(node.key) !== node) continue;
      let reason: RemovalReason | undefined;
      for (const input of node.entry.tx.inputs) {
        if (index.byTxid.has(bytesKey(input.prevout.txid))) continue;
        const coin = chain.getCoin(input.prevout);
        if (!coin) reason = RemovalReason.InputsMissing;
        else if (isImmatureCoinbase(coin, spendHeight, coinbaseMaturity)) reason ??= RemovalReason.ImmatureCoinbase;
      }
      if (reason) index.removeWithDescendants(node, reason);
    }
    this.host.trimToSize();
    this.host.settled?.();
  }
}
