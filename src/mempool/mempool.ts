import { DEFAULT_CHAIN_PARAMS } from '../chain/params.js';
import { EventEmitter } from 'node:events';
import type { ChainTip, Coin, CoinEntry, CoinView } from '../chain/types.js';
import { checkTransactionSanity, verifyTransactionSignatures } from '../chain/validate-tx.js';
import type { Block } from '../primitives/block.js';
import type { OutPoint, Transaction } from '../primitives/tx.js';
import type { Logger } from '../util/logger.js';
import { COINBASE_RESERVE_BYTES, DEFAULT_MEMPOOL_POLICY, type MempoolPolicy } from './constants.js';
import { MempoolError } from './errors.js';
import { RollingMinFee } from './min-fee.js';
import { type RoomRequest, WorstScore, checkRoomCheaply, planEviction } from './eviction.js';
import { checkChainLimits, checkMinFee, checkStandard, feeRate } from './policy.js';
import { type AddressBalance, addressBalance, spendableCoins } from './pool-coins.js';
import { PoolIndex, bytesKey } from './pool-index.js';
import type { MempoolEntry, PoolTx } from './pool-tx.js';
import { ReorgReadd } from './reorg.js';
import { PoolRemoval } from './removal.js';
import { countForBlock, selectForBlock } from './block-select.js';
import { checkInputsOrKnown, checkMatureInputs, checkNoPoolConflict } from './inputs.js';

export type { AddressBalance, MempoolEntry };

/** What the pool needs from the chain: confirmed coins and the tip. The real Chain satisfies it. */
export interface MempoolChain extends CoinView {
  readonly tip: ChainTip | undefined;
  getCoinsByPubKeyHash(pubKeyHash: Buffer): CoinEntry[];
  /** Told of each admitted tx, all its signatures verified: a block holding it skips them (the real Chain's signature cache). */
  noteVerifiedSignatures?(tx: Transaction): void;
}

export interface MempoolOptions {
  chain: MempoolChain;
  logger: Logger;
  /** Count bound, next to the byte bound (policy.maxBytes): caps per-entry work when txs are tiny. */
  maxTxs: number;
  /** chain.coinbaseMaturity: pooled txs never spend a block reward the next block could not. */
  coinbaseMaturity: number;
  /** chain.maxBlockBytes: a tx that cannot fit next to a coinbase is never pooled. */
  maxBlockBytes?: number;
  /** Limits not given take DEFAULT_MEMPOOL_POLICY's. */
  policy?: Partial<MempoolPolicy>;
  nowMs?: () => number;
}

export interface MempoolEvents {
  /** `readded`: it comes back from a block a reorg disconnected (peers' known-inventory of it is stale). */
  'tx:added': [entry: MempoolEntry, readded: boolean];
  'tx:removed': [txid: Buffer, reason: string];
  /** A reorg's re-adding is done and the pool trimmed: re-added txs still present stay (until confirmed or evicted). */
  'reorg:settled': [];
}

/**
 * Unconfirmed transactions, under Bitcoin Core's policy scaled down: standard size and counts,
 * a memory bound enforced by evicting the lowest fee-rate packages (with a rolling minimum fee
 * rate), expiry, and ancestor/descendant limits. Admission is O(inputs + ancestors) while the
 * pool has room; conflicts come from `spentBy`, unconfirmed parents from `byTxid`, the rest
 * from the chain's UTXO set. A full pool scans its entries once per package it evicts.
 */
export class Mempool extends EventEmitter<MempoolEvents> {
  readonly policy: MempoolPolicy;
  private readonly chain: MempoolChain;
  private readonly logger: Logger;
  private readonly maxTxs: number;
  private readonly coinbaseMaturity: number;
  private readonly maxBlockBytes: number;
  private readonly nowMs: () => number;
  private readonly index: PoolIndex;
  /** The index's maps by txid and by spent outpoint, kept at hand for the hot paths. */
  private readonly byTxid: PoolIndex['byTxid'];
  private readonly spentBy: PoolIndex['spentBy'];
  private readonly minFee = new RollingMinFee();
  /** The lowest descendant score, cached while the pool does not change (eviction.ts). */
  private readonly worstScore = new WorstScore();
  private readonly reorg: ReorgReadd;
  /** Eviction for room, trimming, expiry, and what a block confirms (removal.ts). */
  private readonly removal: PoolRemoval;
  /** Chain outputs plus pool outputs; spends within the pool are checked separately (conflicts). */
  private readonly view: CoinView = { getCoin: (op) => this.poolOrChainCoin(op) };

  constructor(options: MempoolOptions) {
    super();
    this.chain = options.chain;
    this.logger = options.logger.child({ component: 'mempool' });
    this.maxTxs = options.maxTxs;
    this.coinbaseMaturity = options.coinbaseMaturity;
    this.maxBlockBytes = options.maxBlockBytes ?? DEFAULT_CHAIN_PARAMS.maxBlockBytes;
    this.policy = { ...DEFAULT_MEMPOOL_POLICY, ...options.policy };
    this.nowMs = options.nowMs ?? Date.now;
    this.index = new PoolIndex(this, this.logger);
    this.byTxid = this.index.byTxid;
    this.spentBy = this.index.spentBy;
    this.removal = new PoolRemoval({ index: this.index, minFee: this.minFee, policy: this.policy, maxTxs: this.maxTxs, nowMs: this.nowMs, logger: this.logger });
    this.reorg = new ReorgReadd({
      index: this.index,
      chain: this.chain,
      coinbaseMaturity: this.coinbaseMaturity,
      logger: this.logger,
      readmit: (tx) => void this.admit(tx, true),
      unconfirmedHeight: () => this.unconfirmedHeight(),
      trimToSize: () => this.removal.trimToSize(),
      tipHash: () => this.chain.tip?.hash,
      settled: () => this.emit('reorg:settled'),
    });
  }

  get size(): number {
    return this.byTxid.size;
  }

  /** Sum of the pooled transactions' encoded sizes. */
  get bytes(): number {
    return this.index.totalBytes;
  }

  /** Estimated memory of the pool: what policy.maxBytes bounds. */
  get usage(): number {
    return this.index.totalUsage;
  }

  /** Largest tx this pool takes: policy.maxTxBytes, or less when blocks are smaller. */
  get maxStandardTxBytes(): number {
    return Math.min(this.policy.maxTxBytes, this.maxBlockBytes - COINBASE_RESERVE_BYTES);
  }

  /** The fee rate (coins/kB) a new transaction must reach now; 0 while the pool has had room. */
  minFeeRate(): number {
    return this.minFee.current(this.nowMs(), this.index.totalUsage, this.policy.maxBytes);
  }

  has(txid: Buffer): boolean {
    return this.byTxid.has(bytesKey(txid));
  }

  get(txid: Buffer): Transaction | undefined {
    return this.byTxid.get(bytesKey(txid))?.entry.tx;
  }

  /** The pooled entry (tx, fee, size, arrival) of `txid`, if pooled. */
  entry(txid: Buffer): MempoolEntry | undefined {
    return this.byTxid.get(bytesKey(txid))?.entry;
  }

  /**
   * The last `limit` entries to enter the pool, newest first: one pass in arrival order, no sort
   * and no copy of the pool (the status page's list; entries() orders 50,000 of them in ~10 ms).
   */
  newest(limit: number): MempoolEntry[] {
    if (limit <= 0) return [];
    const ring = new Array<MempoolEntry>(limit);
    let seen = 0;
    for (const node of this.byTxid.values()) ring[seen++ % limit] = node.entry;
    const out: MempoolEntry[] = [];
    for (let i = seen - 1; i >= 0 && i >= seen - limit; i--) out.push(ring[i % limit]!);
    return out;
  }

  /**
   * Every pooled tx, in no particular order, with no list made: a compact block's rebuild looks
   * at all of them (Core's InitData walks its pool the same way), and entries() orders them.
   */
  forEachTransaction(visit: (tx: Transaction) => void): void {
    for (const node of this.byTxid.values()) visit(node.entry.tx);
  }

  /** Parents before children, otherwise in arrival order. */
  entries(): MempoolEntry[] {
    return this.index.orderedNodes().map((p) => p.entry);
  }

  /** Validates and adds; throws ValidationError (invalid tx) or MempoolError (policy). */
  addTransaction(tx: Transaction): MempoolEntry {
    return this.admit(tx, false);
  }

  /**
   * `reinsertion`: a tx of a disconnected block. It was valid in a block, so the fee and room
   * checks are skipped (the pool is trimmed once the reorg settles), as Core's bypass_limits does.
   */
  private admit(tx: Transaction, reinsertion: boolean): MempoolEntry {
    checkTransactionSanity(tx);
    if (tx.isCoinbase) throw new MempoolError('coinbase-not-allowed', `transaction ${tx.txidHex} is a coinbase, which is only valid inside a block`);
    const key = bytesKey(tx.txid);
    if (this.byTxid.has(key)) throw new MempoolError('txn-already-in-mempool', `transaction ${tx.txidHex} is already in the mempool`);
    checkStandard(tx, this.policy, this.maxBlockBytes);
    if (!reinsertion) this.expire();
    checkNoPoolConflict(tx, this.spentBy);
    const { fee, spent } = checkInputsOrKnown(tx, this.view, this.chain);
    checkMatureInputs(tx, spent, this.unconfirmedHeight(), this.coinbaseMaturity);
    let evictions: Set<PoolTx>[] = [];
    let verified = false;
    if (!reinsertion) {
      this.index.settleTotals(); // chain limits and eviction read descendant totals
      const ancestors = this.index.ancestorsOfNew(tx, this.policy.maxAncestors);
      checkMinFee(tx, feeRate(Number(fee), tx.size), this.minFeeRate());
      checkChainLimits(tx, ancestors, this.policy);
      const room: RoomRequest = {
        tx,
        fee: Number(fee),
        ancestors,
        usage: this.index.totalUsage,
        count: this.byTxid.size,
        maxBytes: this.policy.maxBytes,
        maxTxs: this.maxTxs,
        worstScore: this.worstScore.peek(this.index.version),
        onPoolWorst: (score) => this.worstScore.set(this.index.version, score),
      };
      // O(1): a full pool's known worst package is not beaten (eviction.ts WorstScore).
      checkRoomCheaply(room);
      // Before the eviction plan, whose cost grows with the pool: junk must not buy that work.
      verifyTransactionSignatures(tx);
      verified = true;
      evictions = planEviction({ ...room, pool: this.byTxid.values() });
    }
    if (!verified) verifyTransactionSignatures(tx);
    this.chain.noteVerifiedSignatures?.(tx);
    for (const pkg of evictions) this.removal.evict(pkg);
    // Kept until mined or evicted: a copy that owns exactly its memory (Transaction.detached).
    return this.index.insert(tx.detached(), key, fee, this.nowMs(), reinsertion);
  }

  private poolOrChainCoin(op: OutPoint): Coin | undefined {
    const parent = this.byTxid.get(bytesKey(op.txid));
    if (!parent) return this.chain.getCoin(op);
    const out = parent.entry.tx.outputs[op.index];
    return out && { amount: out.amount, pubKeyHash: out.pubKeyHash, height: this.unconfirmedHeight(), isCoinbase: false };
  }

  /** Height an unconfirmed output would get if mined in the next block. */
  private unconfirmedHeight(): number {
    return (this.chain.tip?.height ?? -1) + 1;
  }

  /** Drops entries older than policy.expiryMs with their descendants; returns how many left (removal.ts). */
  expire(): number {
    return this.removal.expire();
  }

  /**
   * Confirmed coins not spent in the pool, plus pool outputs to `pubKeyHash` not spent in the
   * pool. Block rewards the next block could not spend yet are left out.
   */
  spendableCoins(pubKeyHash: Buffer): CoinEntry[] {
    return spendableCoins(this.index, this.chain, this.unconfirmedHeight(), this.coinbaseMaturity, pubKeyHash);
  }

  /** The address's confirmed coins split into mature and immature, and what it can spend now. */
  balance(pubKeyHash: Buffer): AddressBalance {
    return addressBalance(this.index, this.chain, this.unconfirmedHeight(), this.coinbaseMaturity, pubKeyHash);
  }

  /**
   * Transactions for a block of at most `maxBytes` (room for header and coinbase is kept):
   * highest fee rate first among those whose pool parents are already in, so parents precede children.
   * `limit` stops the choice after that many (the miner's rule only needs to know it is reached).
   */
  selectForBlock(maxBytes: number, limit = Number.POSITIVE_INFINITY): { txs: Transaction[]; fees: bigint } {
    return selectForBlock(this.byTxid.values(), maxBytes, limit);
  }

  /** How many pool transactions a block template of `maxBytes` would hold, counting at most `limit`. */
  countForBlock(maxBytes: number, limit: number): number {
    return countForBlock(this.byTxid.values(), this.byTxid.size, this.index.totalBytes, maxBytes, limit);
  }

  /**
   * Drops the block's transactions and everything in the pool that conflicts with them; then a
   * pending reorg settles if this block is the chain's tip (see ReorgReadd.blockConnected).
   */
  blockConnected(block: Block): void {
    this.minFee.blockConnected(this.nowMs());
    this.removal.removeForBlock(block);
    this.reorg.blockConnected(block);
  }

  /** Puts a disconnected block's transactions back (see ReorgReadd: parents may come back later). */
  blockDisconnected(block: Block): void {
    this.reorg.blockDisconnected(block);
  }
}
