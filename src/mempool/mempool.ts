import { EventEmitter } from 'node:events';
import { ValidationCode, ValidationError } from '../chain/errors.js';
import type { ChainTip, Coin, CoinEntry, CoinView } from '../chain/types.js';
import {
  checkTransactionInputs,
  checkTransactionSanity,
  isImmatureCoinbase,
  prematureCoinbaseInput,
  prematureSpendError,
  verifyTransactionSignatures,
} from '../chain/validate-tx.js';
import type { Block } from '../primitives/block.js';
import type { OutPoint, Transaction } from '../primitives/tx.js';
import { errorMessage } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { COINBASE_RESERVE_BYTES, DEFAULT_MEMPOOL_POLICY, type MempoolPolicy } from './constants.js';
import { MempoolError, RemovalReason } from './errors.js';
import { RollingMinFee } from './min-fee.js';
import { planEviction, worstPackage } from './eviction.js';
import { checkChainLimits, checkStandard, entryUsage, feeRate, formatFeeRate } from './policy.js';
import { type MempoolEntry, type PoolTx, ancestorsOf, descendantScore, recomputeDescendants, withDescendants } from './pool-tx.js';
import { topoOrder } from './topo.js';

export type { MempoolEntry };

/** Largest block when the options do not say (the default chain.maxBlockBytes). */
const DEFAULT_MAX_BLOCK_BYTES = 1_000_000;

/** What the pool needs from the chain: confirmed coins and the tip. The real Chain satisfies it. */
export interface MempoolChain extends CoinView {
  readonly tip: ChainTip | undefined;
  getCoinsByPubKeyHash(pubKeyHash: Buffer): CoinEntry[];
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

/** What `balance` reports for an address. */
export interface AddressBalance {
  /** Confirmed coins spendable in the next block. */
  readonly confirmed: bigint;
  /** Confirmed block rewards still short of chain.coinbaseMaturity confirmations. */
  readonly immature: bigint;
  /** What the wallet can spend now: mature confirmed coins and pool outputs not spent in the pool. */
  readonly unconfirmed: bigint;
}

export interface MempoolEvents {
  'tx:added': [entry: MempoolEntry];
  'tx:removed': [txid: Buffer, reason: string];
}

/** Map keys: latin1 strings of raw bytes are 1 char per byte, cheaper than hex and still unique. */
const bytesKey = (b: Buffer): string => b.toString('latin1');
const outKey = (txid: Buffer, index: number): string => `${txid.toString('latin1')}${index}`;

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
  /** In insertion order, which is also age order (expiry walks it from the front). */
  private readonly byTxid = new Map<string, PoolTx>();
  /** outpoint → the pool tx spending it. */
  private readonly spentBy = new Map<string, PoolTx>();
  /** pubKeyHash → pool txs with an output paying it (for spendableCoins). */
  private readonly byPubKeyHash = new Map<string, Set<PoolTx>>();
  private readonly minFee = new RollingMinFee();
  private totalUsage = 0;
  private totalBytes = 0;
  private seq = 0;
  /** Transactions of disconnected blocks waiting for their parents to come back (oldest first). */
  private pendingReadd: Transaction[] = [];
  private reorgPending = false;
  private finalizeScheduled = false;
  /** Chain outputs plus pool outputs; spends within the pool are checked separately (conflicts). */
  private readonly view: CoinView = { getCoin: (op) => this.poolOrChainCoin(op) };

  constructor(options: MempoolOptions) {
    super();
    this.chain = options.chain;
    this.logger = options.logger.child({ component: 'mempool' });
    this.maxTxs = options.maxTxs;
    this.coinbaseMaturity = options.coinbaseMaturity;
    this.maxBlockBytes = options.maxBlockBytes ?? DEFAULT_MAX_BLOCK_BYTES;
    this.policy = { ...DEFAULT_MEMPOOL_POLICY, ...options.policy };
    this.nowMs = options.nowMs ?? Date.now;
  }

  get size(): number {
    return this.byTxid.size;
  }

  /** Sum of the pooled transactions' encoded sizes. */
  get bytes(): number {
    return this.totalBytes;
  }

  /** Estimated memory of the pool: what policy.maxBytes bounds. */
  get usage(): number {
    return this.totalUsage;
  }

  /** Largest tx this pool takes: policy.maxTxBytes, or less when blocks are smaller. */
  get maxStandardTxBytes(): number {
    return Math.min(this.policy.maxTxBytes, this.maxBlockBytes - COINBASE_RESERVE_BYTES);
  }

  /** The fee rate (coins/kB) a new transaction must reach now; 0 while the pool has had room. */
  minFeeRate(): number {
    return this.minFee.current(this.nowMs(), this.totalUsage, this.policy.maxBytes);
  }

  has(txid: Buffer): boolean {
    return this.byTxid.has(bytesKey(txid));
  }

  get(txid: Buffer): Transaction | undefined {
    return this.byTxid.get(bytesKey(txid))?.entry.tx;
  }

  /** Parents before children, otherwise in arrival order. */
  entries(): MempoolEntry[] {
    return this.orderedNodes().map((p) => p.entry);
  }

  private orderedNodes(): PoolTx[] {
    return topoOrder(this.byTxid.values(), (a, b) => a.seq - b.seq);
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
    for (const [i, input] of tx.inputs.entries()) {
      const spender = this.spentBy.get(outKey(input.prevout.txid, input.prevout.index));
      if (spender) {
        const other = spender.entry.tx.txid;
        throw new MempoolError(
          'txn-mempool-conflict',
          `transaction ${tx.txidHex} input ${i} spends ${input.prevout.txid.toString('hex')}:${input.prevout.index}, already spent by pooled transaction ${other.toString('hex')}`,
          other,
        );
      }
    }
    const { fee, spent } = checkTransactionInputs(tx, this.view);
    const spendHeight = this.unconfirmedHeight();
    const premature = prematureCoinbaseInput(spent, spendHeight, this.coinbaseMaturity);
    if (premature >= 0) {
      const { message } = prematureSpendError(tx, premature, spent[premature]!, spendHeight, this.coinbaseMaturity);
      throw new MempoolError('bad-txns-premature-spend-of-coinbase', message);
    }
    let evictions: Set<PoolTx>[] = [];
    if (!reinsertion) {
      const ancestors = this.ancestorsOfNew(tx);
      const rate = feeRate(Number(fee), tx.size);
      const minRate = this.minFeeRate();
      if (rate < minRate) {
        throw new MempoolError(
          'mempool-min-fee-not-met',
          `transaction ${tx.txidHex} pays ${formatFeeRate(rate)}, below the pool's current minimum of ${formatFeeRate(minRate)} (it was full recently); pay a higher fee or retry later`,
        );
      }
      checkChainLimits(tx, ancestors, this.policy);
      evictions = planEviction({
        tx,
        fee: Number(fee),
        ancestors,
        pool: this.byTxid.values(),
        usage: this.totalUsage,
        count: this.byTxid.size,
        maxBytes: this.policy.maxBytes,
        maxTxs: this.maxTxs,
      });
    }
    verifyTransactionSignatures(tx);
    for (const pkg of evictions) this.evict(pkg);
    return this.insert(tx, key, fee);
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

  /** In-pool ancestors a not-yet-pooled `tx` would have. */
  private ancestorsOfNew(tx: Transaction): Set<PoolTx> {
    const out = new Set<PoolTx>();
    for (const input of tx.inputs) {
      const parent = this.byTxid.get(bytesKey(input.prevout.txid));
      if (!parent || out.has(parent)) continue;
      out.add(parent);
      for (const a of ancestorsOf(parent)) out.add(a);
    }
    return out;
  }

  /** Removes a package for room and raises the minimum fee rate above it. */
  private evict(pkg: ReadonlySet<PoolTx>): void {
    let fee = 0;
    let size = 0;
    for (const n of pkg) {
      fee += n.feeNumber;
      size += n.entry.size;
    }
    this.removeSet(pkg, RemovalReason.SizeLimit);
    this.minFee.bump(feeRate(fee, size));
    this.logger.debug({ txs: pkg.size, bytes: size, feeRate: feeRate(fee, size) }, 'evicted a package to make room');
  }

  /** Evicts the lowest-score packages until the pool is within its bounds (after a reorg refilled it). */
  private trimToSize(): void {
    while (this.totalUsage > this.policy.maxBytes || this.byTxid.size > this.maxTxs) {
      const worst = worstPackage(this.byTxid.values(), () => false, (n) => descendantScore(n));
      if (!worst) return;
      this.evict(withDescendants(worst.node));
    }
  }

  /** Drops entries older than policy.expiryMs with their descendants; returns how many left. */
  expire(): number {
    const cutoffMs = this.nowMs() - this.policy.expiryMs;
    const old: PoolTx[] = [];
    for (const node of this.byTxid.values()) {
      if (node.entry.addedAtMs >= cutoffMs) break;
      old.push(node);
    }
    const before = this.byTxid.size;
    for (const node of old) if (this.byTxid.get(node.key) === node) this.removeSet(withDescendants(node), RemovalReason.Expired);
    const removed = before - this.byTxid.size;
    if (removed > 0) this.logger.info({ removed, expiryHours: this.policy.expiryMs / 3_600_000 }, 'expired old transactions from the mempool');
    return removed;
  }

  private insert(tx: Transaction, key: string, fee: bigint): MempoolEntry {
    const size = tx.size;
    const entry: MempoolEntry = { tx, fee, size, addedAtMs: this.nowMs() };
    const feeNumber = Number(fee);
    const node: PoolTx = {
      entry,
      key,
      seq: this.seq++,
      usage: entryUsage(tx),
      feeNumber,
      parents: new Set(),
      children: new Set(),
      descCount: 1,
      descSize: size,
      descFee: feeNumber,
    };
    for (const input of tx.inputs) {
      this.spentBy.set(outKey(input.prevout.txid, input.prevout.index), node);
      const parent = this.byTxid.get(bytesKey(input.prevout.txid));
      if (parent) {
        node.parents.add(parent);
        parent.children.add(node);
      }
    }
    // A tx re-added after a reorg may already have children in the pool.
    for (let i = 0; i < tx.outputs.length; i++) {
      const child = this.spentBy.get(outKey(tx.txid, i));
      if (child) {
        child.parents.add(node);
        node.children.add(child);
      }
    }
    if (node.children.size > 0) {
      recomputeDescendants(node);
      for (const a of ancestorsOf(node)) recomputeDescendants(a);
    } else {
      for (const a of ancestorsOf(node)) {
        a.descCount++;
        a.descSize += size;
        a.descFee += feeNumber;
      }
    }
    for (const out of tx.outputs) {
      const pkh = bytesKey(out.pubKeyHash);
      let set = this.byPubKeyHash.get(pkh);
      if (!set) this.byPubKeyHash.set(pkh, (set = new Set()));
      set.add(node);
    }
    this.byTxid.set(key, node);
    this.totalUsage += node.usage;
    this.totalBytes += size;
    this.emit('tx:added', entry);
    return entry;
  }

  /**
   * Removes every tx of `set`; pool txs outside it that spend their outputs stay (their parent is
   * confirmed, or the caller passed a descendant-closed set). Ancestors outside the set lose the
   * removed txs from their descendant totals, computed while the links still stand.
   */
  private removeSet(set: ReadonlySet<PoolTx>, reason: RemovalReason): void {
    for (const n of set) {
      if (this.byTxid.get(n.key) !== n) continue;
      for (const a of ancestorsOf(n)) {
        if (set.has(a)) continue;
        a.descCount--;
        a.descSize -= n.entry.size;
        a.descFee -= n.feeNumber;
      }
    }
    for (const n of set) this.unlink(n, reason);
  }

  private unlink(node: PoolTx, reason: RemovalReason): void {
    if (this.byTxid.get(node.key) !== node) return;
    this.byTxid.delete(node.key);
    this.totalUsage -= node.usage;
    this.totalBytes -= node.entry.size;
    const { tx } = node.entry;
    for (const input of tx.inputs) {
      const k = outKey(input.prevout.txid, input.prevout.index);
      if (this.spentBy.get(k) === node) this.spentBy.delete(k);
    }
    for (const parent of node.parents) parent.children.delete(node);
    for (const child of node.children) child.parents.delete(node);
    for (const out of tx.outputs) {
      const pkh = bytesKey(out.pubKeyHash);
      const set = this.byPubKeyHash.get(pkh);
      if (set && set.delete(node) && set.size === 0) this.byPubKeyHash.delete(pkh);
    }
    this.logger.debug({ txid: tx.txidHex, reason }, 'transaction removed');
    this.emit('tx:removed', tx.txid, reason);
  }

  private removeWithDescendants(root: PoolTx, reason: RemovalReason): void {
    this.removeSet(withDescendants(root), reason);
  }

  /**
   * Confirmed coins not spent in the pool, plus pool outputs to `pubKeyHash` not spent in the
   * pool. Block rewards the next block could not spend yet are left out.
   */
  spendableCoins(pubKeyHash: Buffer): CoinEntry[] {
    const coins: CoinEntry[] = [];
    const height = this.unconfirmedHeight();
    for (const c of this.chain.getCoinsByPubKeyHash(pubKeyHash)) {
      if (isImmatureCoinbase(c.coin, height, this.coinbaseMaturity)) continue;
      if (!this.spentBy.has(outKey(c.outpoint.txid, c.outpoint.index))) coins.push(c);
    }
    for (const node of this.byPubKeyHash.get(bytesKey(pubKeyHash)) ?? []) {
      const { tx } = node.entry;
      tx.outputs.forEach((out, index) => {
        if (!out.pubKeyHash.equals(pubKeyHash) || this.spentBy.has(outKey(tx.txid, index))) return;
        coins.push({ outpoint: { txid: tx.txid, index }, coin: { amount: out.amount, pubKeyHash: out.pubKeyHash, height, isCoinbase: false } });
      });
    }
    return coins;
  }

  /** The address's confirmed coins split into mature and immature, and what it can spend now. */
  balance(pubKeyHash: Buffer): AddressBalance {
    const height = this.unconfirmedHeight();
    let confirmed = 0n;
    let immature = 0n;
    for (const { coin } of this.chain.getCoinsByPubKeyHash(pubKeyHash)) {
      if (isImmatureCoinbase(coin, height, this.coinbaseMaturity)) immature += coin.amount;
      else confirmed += coin.amount;
    }
    let unconfirmed = 0n;
    for (const { coin } of this.spendableCoins(pubKeyHash)) unconfirmed += coin.amount;
    return { confirmed, immature, unconfirmed };
  }

  /**
   * Transactions for a block of at most `maxBytes` (room for header and coinbase is kept):
   * highest fee rate first among those whose pool parents are already in, so parents precede children.
   * `limit` stops the choice after that many (the miner's rule only needs to know it is reached).
   */
  selectForBlock(maxBytes: number, limit = Number.POSITIVE_INFINITY): { txs: Transaction[]; fees: bigint } {
    let budget = maxBytes - COINBASE_RESERVE_BYTES;
    let taken = 0;
    const byFeeRate = (a: PoolTx, b: PoolTx): number => {
      const lhs = a.entry.fee * BigInt(b.entry.size);
      const rhs = b.entry.fee * BigInt(a.entry.size);
      return lhs === rhs ? a.seq - b.seq : lhs > rhs ? -1 : 1;
    };
    const chosen = topoOrder(this.byTxid.values(), byFeeRate, (node) => {
      if (taken >= limit || node.entry.size > budget) return false;
      budget -= node.entry.size;
      taken++;
      return true;
    });
    let fees = 0n;
    for (const node of chosen) fees += node.entry.fee;
    return { txs: chosen.map((n) => n.entry.tx), fees };
  }

  /** How many pool transactions a block template of `maxBytes` would hold, counting at most `limit`. */
  countForBlock(maxBytes: number, limit: number): number {
    return this.selectForBlock(maxBytes, limit).txs.length;
  }

  /** Drops the block's transactions and everything in the pool that conflicts with them. */
  blockConnected(block: Block): void {
    if (this.reorgPending) this.finishReorg();
    this.minFee.blockConnected(this.nowMs());
    if (this.byTxid.size === 0) return; // nothing to confirm or conflict with (every block of an initial sync)
    const txs = block.transactions.filter((tx) => !tx.isCoinbase);
    for (const tx of txs) {
      const node = this.byTxid.get(bytesKey(tx.txid));
      if (node) this.removeSet(new Set([node]), RemovalReason.Confirmed);
    }
    for (const tx of txs) {
      for (const input of tx.inputs) {
        const spender = this.spentBy.get(outKey(input.prevout.txid, input.prevout.index));
        if (spender) this.removeWithDescendants(spender, RemovalReason.BlockConflict);
      }
    }
    this.expire();
  }

  /**
   * Puts a disconnected block's transactions back. A reorg disconnects tip first, so a tx may
   * come back before its parent: those that lack inputs wait in `pendingReadd` and are retried
   * as older blocks come back; whatever still fails once the reorg settles (next connected block,
   * or the next event-loop turn) is dropped, and pool txs whose inputs vanished go with it.
   */
  blockDisconnected(block: Block): void {
    this.pendingReadd = [...block.transactions.filter((tx) => !tx.isCoinbase), ...this.pendingReadd];
    this.reorgPending = true;
    this.retryPending();
    if (!this.finalizeScheduled) {
      this.finalizeScheduled = true;
      setImmediate(() => {
        this.finalizeScheduled = false;
        if (this.reorgPending) this.finishReorg();
      });
    }
  }

  private retryPending(): void {
    let progress = true;
    while (progress && this.pendingReadd.length > 0) {
      progress = false;
      const waiting: Transaction[] = [];
      for (const tx of this.pendingReadd) {
        try {
          this.admit(tx, true);
          progress = true;
        } catch (err) {
          if (err instanceof ValidationError && err.code === ValidationCode.MissingInputs) waiting.push(tx);
          else this.logger.debug({ txid: tx.txidHex, err: errorMessage(err) }, 'transaction of a disconnected block not re-added');
        }
      }
      this.pendingReadd = waiting;
    }
  }

  private finishReorg(): void {
    this.retryPending();
    for (const tx of this.pendingReadd) {
      this.logger.debug({ txid: tx.txidHex }, 'transaction of a disconnected block dropped: its inputs no longer exist');
    }
    this.pendingReadd = [];
    this.reorgPending = false;
    // Pool txs that spent outputs of blocks now gone (a disconnected coinbase, a dropped tx), or
    // block rewards that a shorter chain makes immature again (Core's removeForReorg).
    const spendHeight = this.unconfirmedHeight();
    for (const node of this.orderedNodes()) {
      if (this.byTxid.get(node.key) !== node) continue;
      let reason: RemovalReason | undefined;
      for (const input of node.entry.tx.inputs) {
        if (this.byTxid.has(bytesKey(input.prevout.txid))) continue;
        const coin = this.chain.getCoin(input.prevout);
        if (!coin) reason = RemovalReason.InputsMissing;
        else if (isImmatureCoinbase(coin, spendHeight, this.coinbaseMaturity)) reason ??= RemovalReason.ImmatureCoinbase;
      }
      if (reason) this.removeWithDescendants(node, reason);
    }
    this.trimToSize();
  }
}
