/**
 * Transactions arriving from peers: admitted to the mempool, or — when a parent is missing —
 * held in the orphan-tx pool while the parents are requested from the sender. Whenever a tx
 * enters the mempool (from a peer, our own wallet, or a reorg) the orphans spending it are
 * retried, recursively through a queue. Invalid txs go into the recently-rejected filter and
 * their sender is punished; a missing parent alone never does either (it is a race, not malice).
 * Txs refused for a reason a block can lift are asked of their sender again after the next block.
 */
import { ValidationCode, ValidationError } from '../chain/errors.js';
import type { Block } from '../primitives/block.js';
import type { Transaction } from '../primitives/tx.js';
import { KadchainError, errorMessage } from '../util/errors.js';
import { type Clock, SYSTEM_CLOCK, type TimerHandle } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { RandomSource } from '../util/random-source.js';
import { MempoolError } from '../mempool/errors.js';
import {
  MAX_ORPHAN_TX_BYTES,
  MAX_ORPHAN_TXS,
  MAX_ORPHAN_TXS_TOTAL_BYTES,
  MAX_RETRY_AFTER_BLOCK_ATTEMPTS,
  MAX_RETRY_AFTER_BLOCK_BATCH_PER_PEER,
  MAX_RETRY_AFTER_BLOCK_TXS,
  MAX_RETRY_AFTER_BLOCK_TXS_PER_PEER,
  ORPHAN_TX_EXPIRY_MS,
  RECENT_CONFIRMED_TXS,
  RECENT_REJECTS_SIZE,
  RETRY_AFTER_BLOCK_DELAY_MS,
} from './constants.js';
import { HashFilter } from './hash-filter.js';
import type { Peer } from './peer.js';
import type { RelayChain, RelayMempool, RelayPoolEntry } from './relay-deps.js';
import { TxOrphanPool, type TxOrphan, type TxOrphanPoolOptions } from './tx-orphans.js';
import { RETRY_AFTER_BLOCK_CODES } from './misbehaviour.js';
import { TxRetryList } from './tx-retry.js';
import type { OnUseful } from './types.js';
import { MessageType } from './wire/index.js';

export interface TxIntakeOptions {
  chain: RelayChain;
  mempool: RelayMempool;
  logger: Logger;
  /** A tx from `peer` entered the mempool (an orphan's sender once it does): it earns eviction protection. */
  onUseful: OnUseful;
  /**
   * Asks `peer` for an orphan's missing parents as if it had announced them (the relay's request
   * tracker, Core's AddTxAnnouncement per parent): its in-flight cap and held-back delay apply,
   * a parent already being fetched from someone else is not asked twice, and a parent the peer
   * does not deliver in time goes to the next peer that announces it.
   */
  requestParents: (peer: Peer, txids: readonly Buffer[]) => void;
  /** Overrides of the orphan pool's limits (tests); defaults from constants.ts. */
  orphanPool?: Partial<TxOrphanPoolOptions>;
  /** Orphan expiry and the retry-after-block timer (the simulator); default SYSTEM_CLOCK. */
  clock?: Clock;
  /** Picks the orphan to evict from a full pool (the simulator's seeded source); default CRYPTO_RANDOM. */
  random?: RandomSource;
}

const isMissingInputs = (err: unknown): boolean => err instanceof ValidationError && err.code === ValidationCode.MissingInputs;

export class TxIntake {
  private readonly options: TxIntakeOptions;
  private readonly logger: Logger;
  readonly orphans: TxOrphanPool<Peer>;
  /** Txs we refused recently as invalid (consensus or policy): not requested or validated again. */
  private readonly recentRejects = new HashFilter(RECENT_REJECTS_SIZE);
  /** Txids of recently connected blocks (RECENT_CONFIRMED_TXS): an announcement of one is not fetched. */
  private readonly recentConfirmed = new HashFilter(RECENT_CONFIRMED_TXS);
  /** Txs refused for a reason the next block may lift, with the peer to ask again (tx-retry.ts). */
  private readonly retryAfterBlock = new TxRetryList<Peer>({
    capacity: MAX_RETRY_AFTER_BLOCK_TXS,
    perPeer: MAX_RETRY_AFTER_BLOCK_TXS_PER_PEER,
    maxAttempts: MAX_RETRY_AFTER_BLOCK_ATTEMPTS,
  });
  private readonly clock: Clock;
  private retryTimer: TimerHandle | undefined;
  /** Txids just accepted whose orphan children still need a retry (a queue, not recursion). */
  private readonly accepted: Buffer[] = [];
  private draining = false;
  private readonly onTxAdded = (entry: RelayPoolEntry): void => {
    this.orphans.remove(entry.tx.txid); // e.g. the wallet sent the same tx: no longer an orphan
    this.accepted.push(entry.tx.txid);
    this.drain();
  };
  private readonly onBlockConnected = (block: Block): void => {
    // As Bitcoin Core does on every new tip: a tx refused by policy (a conflict, a full pool)
    // may be acceptable on top of the new chain, so it must be fetchable again.
    this.recentRejects.clear();
    for (const tx of block.transactions) this.recentConfirmed.add(tx.txid);
    if (this.retryAfterBlock.size > 0) {
      // Confirmed txs are not asked again: the sender dropped them from its pool too, and its
      // not-found answers would count against what it lets us ask for (relay.ts countUnknown).
      for (const tx of block.transactions) this.retryAfterBlock.remove(tx.txid);
      if (this.retryAfterBlock.size > 0) this.scheduleRetry();
    }
    if (this.orphans.size === 0) return; // nothing could connect: skip the per-tx work (every block of a sync)
    this.orphans.removeForBlock(block.transactions);
    // Children of txs confirmed without passing through our mempool can connect now too.
    for (const tx of block.transactions) this.accepted.push(tx.txid);
    this.drain();
  };

  /** A reorg put blocks' txs back (Core resets its filter on a disconnect): what it lists may be unconfirmed now. */
  private readonly onReorgSettled = (): void => this.recentConfirmed.clear();

  constructor(options: TxIntakeOptions) {
    this.options = options;
    this.logger = options.logger.child({ component: 'relay' });
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.orphans = new TxOrphanPool<Peer>({
      maxCount: MAX_ORPHAN_TXS,
      maxTotalBytes: MAX_ORPHAN_TXS_TOTAL_BYTES,
      maxTxBytes: MAX_ORPHAN_TX_BYTES,
      expiryMs: ORPHAN_TX_EXPIRY_MS,
      nowMs: this.clock.nowMs,
      ...(options.random ? { random: options.random.fraction } : {}),
      ...options.orphanPool,
    });
  }

  start(): void {
    this.options.mempool.on('tx:added', this.onTxAdded);
    this.options.mempool.on('reorg:settled', this.onReorgSettled);
    this.options.chain.on('block:connected', this.onBlockConnected);
  }

  stop(): void {
    this.options.mempool.off('tx:added', this.onTxAdded);
    this.options.mempool.off('reorg:settled', this.onReorgSettled);
    this.options.chain.off('block:connected', this.onBlockConnected);
    this.clock.clear(this.retryTimer);
    this.retryTimer = undefined;
  }

  /**
   * In the mempool, held as an orphan, refused recently, or confirmed recently (in a block of the
   * last RECENT_CONFIRMED_TXS txids, as Core's AlreadyHaveTx checks m_recent_confirmed_transactions):
   * no need to request it. Found by the simulator: without the last check, announcements of a
   * block's txs that were still pending when it connected were fetched anyway — get-data to peers
   * that had dropped them too, answered not-found and counted against the unknown-request budget
   * they grant us. In memory, not the chain's coins: that was a database read per announced item.
   */
  alreadyHave(txid: Buffer): boolean {
    return this.holds(txid) || this.recentConfirmed.has(txid);
  }

  /** In the mempool, held as an orphan, or refused recently. */
  private holds(txid: Buffer): boolean {
    return this.options.mempool.has(txid) || this.orphans.has(txid) || this.recentRejects.has(txid);
  }

  /** A `transaction` message from `peer`. */
  receive(peer: Peer, tx: Transaction): void {
    peer.known.add(tx.txid); // before admission: 'tx:added' must not announce it back
    // Not alreadyHave: a confirmed tx sent to us still goes to the pool, which answers it with a
    // txn-already-known reject (policy, no penalty), as the sender is owed a reason.
    if (this.holds(tx.txid)) return;
    try {
      this.options.mempool.addTransaction(tx);
      this.options.onUseful(peer, 'tx');
      this.logger.debug({ txid: tx.txidHex, peer: peer.label }, 'transaction accepted from peer');
    } catch (err) {
      if (isMissingInputs(err)) this.holdOrphan(peer, tx);
      else this.refuse(peer, tx, err);
    }
  }

  /** The peer disconnected or was banned: what it sent us waiting for parents goes too. */
  onPeerClosed(peer: Peer): void {
    this.retryAfterBlock.removePeer(peer);
    const removed = this.orphans.removeForPeer(peer);
    if (removed > 0) this.logger.debug({ peer: peer.label, removed }, 'dropped orphan transactions of a closed peer');
  }

  private holdOrphan(peer: Peer, tx: Transaction): void {
    const missing = this.missingParents(tx);
    if (missing.some((txid) => this.recentRejects.has(txid))) {
      // Its parent was invalid, so it is too: remember that instead of waiting for the parent.
      this.recentRejects.add(tx.txid);
      this.logger.debug({ txid: tx.txidHex, peer: peer.label }, 'transaction refused: it spends a rejected transaction');
      return;
    }
    if (missing.length === 0) {
      // The parents are here but not the outputs it names (spent in a block, or never existed).
      this.logger.debug({ txid: tx.txidHex, peer: peer.label }, 'transaction from peer spends outputs that do not exist');
      return;
    }
    const result = this.orphans.add(tx, peer);
    if (result !== 'added') {
      this.logger.debug({ txid: tx.txidHex, peer: peer.label, result }, 'orphan transaction not held');
      return;
    }
    // A parent that is itself an orphan is already waiting for its own parents.
    const wanted = missing.filter((txid) => !this.orphans.has(txid));
    if (wanted.length > 0) this.options.requestParents(peer, wanted);
    this.logger.debug({ txid: tx.txidHex, peer: peer.label, missing: missing.length, orphans: this.orphans.size }, 'orphan transaction held until its parents arrive');
  }

  /** Distinct txids of inputs whose coin is neither confirmed nor in the mempool. */
  private missingParents(tx: Transaction): Buffer[] {
    const { chain, mempool } = this.options;
    const seen = new Set<string>();
    const out: Buffer[] = [];
    for (const { prevout } of tx.inputs) {
      const k = prevout.txid.toString('latin1');
      if (seen.has(k) || mempool.has(prevout.txid) || chain.getCoin(prevout)) continue;
      seen.add(k);
      out.push(prevout.txid);
    }
    return out;
  }

  private drain(): void {
    if (this.draining) return; // the running loop picks up what was just queued
    this.draining = true;
    try {
      for (let txid = this.accepted.shift(); txid; txid = this.accepted.shift()) {
        for (const orphan of this.orphans.childrenOf(txid)) this.retry(orphan);
      }
    } finally {
      this.draining = false;
    }
  }

  private retry(orphan: TxOrphan<Peer>): void {
    const { tx, from } = orphan;
    if (this.orphans.get(tx.txid) !== orphan) return; // removed by an earlier retry
    try {
      this.options.mempool.addTransaction(tx); // its own 'tx:added' queues its children
      this.orphans.remove(tx.txid);
      this.options.onUseful(from, 'tx');
      this.logger.debug({ txid: tx.txidHex, peer: from.label }, 'orphan transaction accepted');
    } catch (err) {
      if (isMissingInputs(err)) return; // another parent is still missing: keep waiting
      this.orphans.remove(tx.txid);
      this.refuse(from, tx, err);
    }
  }

  /** Blocks arriving within RETRY_AFTER_BLOCK_DELAY_MS of each other (a sync) make one retry, not one each. */
  private scheduleRetry(): void {
    if (this.retryTimer) return;
    this.retryTimer = this.clock.setTimeout(() => {
      this.retryTimer = undefined;
      this.retryRefused();
    }, RETRY_AFTER_BLOCK_DELAY_MS);
  }

  /** Asks each peer again for the txs of its that we refused for a reason a block may have lifted. */
  private retryRefused(): void {
    const byPeer = this.retryAfterBlock.take(MAX_RETRY_AFTER_BLOCK_BATCH_PER_PEER, (txid) => this.alreadyHave(txid));
    for (const [peer, wanted] of byPeer) {
      if (peer.isClosed) continue;
      this.logger.debug({ peer: peer.label, txs: wanted.length }, 'asking again for transactions refused before the last block');
      // One message: the batch is far below MAX_INV_ITEMS.
      peer.send({ kind: 'get-data', items: wanted.map((hash) => ({ type: 'tx' as const, hash })) });
    }
    if (this.retryAfterBlock.size > 0) this.logger.debug({ waiting: this.retryAfterBlock.size }, 'refused transactions left for the next block');
  }

  /** Whether what refused it may have changed: the rewards it spends are mature, the pool's minimum fee fell to its rate. */
  private liftedWhen(err: MempoolError): () => boolean {
    const { spendableFromHeight, feeRate } = err.condition ?? {};
    const { chain, mempool } = this.options;
    if (spendableFromHeight !== undefined) return () => (chain.tip?.height ?? -1) + 1 >= spendableFromHeight;
    if (feeRate !== undefined) return () => mempool.minFeeRate() <= feeRate;
    return () => true;
  }

  private refuse(peer: Peer, tx: Transaction, err: unknown): void {
    this.recentRejects.add(tx.txid);
    // Not for a closed peer: onPeerClosed already ran, the entry would keep the Peer alive.
    if (err instanceof MempoolError && RETRY_AFTER_BLOCK_CODES.has(err.code) && !peer.isClosed) this.retryAfterBlock.add(tx.txid, peer, this.liftedWhen(err));
    // Consensus codes go to the policy (misbehaviour.ts); a policy rejection costs the peer nothing.
    if (err instanceof ValidationError && err.consensus && !peer.isClosed) {
      peer.punish(err.code, `sent invalid transaction ${tx.txidHex}: ${err.message}`, { messageType: MessageType.Transaction, hash: tx.txid });
      return;
    }
    // The sender still sees why (within its reject rate limit), so its operator can tell.
    if (err instanceof KadchainError && !peer.isClosed) peer.sendReject(MessageType.Transaction, err.code, err.message, tx.txid);
    this.logger.debug({ txid: tx.txidHex, peer: peer.label, ...(err instanceof KadchainError ? { code: err.code } : {}), err: errorMessage(err) }, 'transaction from peer not accepted');
  }
}
