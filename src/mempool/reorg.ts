/**
 * Putting a disconnected block's transactions back into the pool. A reorg disconnects tip first,
 * so a tx may come back before its parent: those that lack inputs wait and are retried as older
 * blocks come back; whatever still fails once the reorg settles (next connected block, or the
 * next event-loop turn) is dropped, and pool txs whose inputs vanished go with it.
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
  /** The reorg settled: what it re-added and kept is in the pool now (relay re-announces it). */
  settled?(): void;
}

export class ReorgReadd {
  /** Transactions of disconnected blocks waiting for their parents to come back (oldest first). */
  private pendingReadd: Transaction[] = [];
  /** A block was disconnected and the reorg has not settled yet. */
  pending = false;
  private finalizeScheduled = false;

  constructor(private readonly host: ReorgHost) {}

  blockDisconnected(block: Block): void {
    this.pending = true;
    // Only the new block's txs are tried now: the ones already waiting can only have become
    // admissible if one of these got in (the chain state does not change between the events of
    // one reorg). Retrying every waiting tx on each event was quadratic: 600 blocks of a
    // branch whose txs cannot come back cost 720,000 admissions, 27 s of a blocked node.
    const { admitted, waiting } = this.tryAdmit(block.transactions.filter((tx) => !tx.isCoinbase));
    this.pendingReadd = [...waiting, ...this.pendingReadd];
    if (admitted > 0) this.retryPending();
    if (!this.finalizeScheduled) {
      this.finalizeScheduled = true;
      setImmediate(() => {
        this.finalizeScheduled = false;
        if (this.pending) this.finish();
      });
    }
  }

  private retryPending(): void {
    let progress = true;
    while (progress && this.pendingReadd.length > 0) {
      const { admitted, waiting } = this.tryAdmit(this.pendingReadd);
      progress = admitted > 0;
      this.pendingReadd = waiting;
    }
  }

  /** Readmits `txs` in order; returns how many got in and those still missing inputs (the rest are dropped). */
  private tryAdmit(txs: readonly Transaction[]): { admitted: number; waiting: Transaction[] } {
    let admitted = 0;
    const waiting: Transaction[] = [];
    for (const tx of txs) {
      try {
        this.host.readmit(tx);
        admitted++;
      } catch (err) {
        if (err instanceof ValidationError && err.code === ValidationCode.MissingInputs) waiting.push(tx);
        else this.host.logger.debug({ txid: tx.txidHex, err: errorMessage(err) }, 'transaction of a disconnected block not re-added');
      }
    }
    return { admitted, waiting };
  }

  /** Settles the reorg: last retry, drops what still cannot come back, then trims the pool. */
  finish(): void {
    const { index, chain, coinbaseMaturity, logger } = this.host;
    this.retryPending();
    for (const tx of this.pendingReadd) {
      logger.debug({ txid: tx.txidHex }, 'transaction of a disconnected block dropped: its inputs no longer exist');
    }
    this.pendingReadd = [];
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
