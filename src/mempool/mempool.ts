import { EventEmitter } from 'node:events';
import { ValidationCode, ValidationError } from '../chain/errors.js';
import type { ChainTip, Coin, CoinEntry, CoinView } from '../chain/types.js';
import { checkTransactionInputs, checkTransactionSanity, verifyTransactionSignatures } from '../chain/validate-tx.js';
import type { Block } from '../primitives/block.js';
import type { OutPoint, Transaction } from '../primitives/tx.js';
import { errorMessage } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { COINBASE_RESERVE_BYTES } from './constants.js';
import { MempoolError, RemovalReason } from './errors.js';
import { topoOrder } from './topo.js';

/** What the pool needs from the chain: confirmed coins and the tip. The real Chain satisfies it. */
export interface MempoolChain extends CoinView {
  readonly tip: ChainTip | undefined;
  getCoinsByPubKeyHash(pubKeyHash: Buffer): CoinEntry[];
}

export interface MempoolEntry {
  readonly tx: Transaction;
  readonly fee: bigint;
  readonly size: number;
  readonly addedAtMs: number;
}

export interface MempoolOptions {
  chain: MempoolChain;
  logger: Logger;
  maxTxs: number;
  nowMs?: () => number;
}

export interface MempoolEvents {
  'tx:added': [entry: MempoolEntry];
  'tx:removed': [txid: Buffer, reason: string];
}

/** A pooled tx with its in-pool dependency links (parents: pool txs whose outputs it spends). */
interface PoolTx {
  readonly entry: MempoolEntry;
  readonly key: string;
  readonly seq: number;
  readonly parents: Set<PoolTx>;
  readonly children: Set<PoolTx>;
}

/** Map keys: latin1 strings of raw bytes are 1 char per byte, cheaper than hex and still unique. */
const bytesKey = (b: Buffer): string => b.toString('latin1');
const outKey = (txid: Buffer, index: number): string => `${txid.toString('latin1')}${index}`;

/**
 * Unconfirmed transactions. Admission is O(inputs): conflicts come from `spentBy`, unconfirmed
 * parents from `byTxid`, everything else from the chain's UTXO set.
 */
export class Mempool extends EventEmitter<MempoolEvents> {
  private readonly chain: MempoolChain;
  private readonly logger: Logger;
  private readonly maxTxs: number;
  private readonly nowMs: () => number;
  private readonly byTxid = new Map<string, PoolTx>();
  /** outpoint → the pool tx spending it. */
  private readonly spentBy = new Map<string, PoolTx>();
  /** pubKeyHash → pool txs with an output paying it (for spendableCoins). */
  private readonly byPubKeyHash = new Map<string, Set<PoolTx>>();
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
    this.nowMs = options.nowMs ?? Date.now;
  }

  get size(): number {
    return this.byTxid.size;
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

  private admit(tx: Transaction, reinsertion: boolean): MempoolEntry {
    checkTransactionSanity(tx);
    if (tx.isCoinbase) throw new MempoolError('coinbase-not-allowed', `transaction ${tx.txidHex} is a coinbase, which is only valid inside a block`);
    const key = bytesKey(tx.txid);
    if (this.byTxid.has(key)) throw new MempoolError('txn-already-in-mempool', `transaction ${tx.txidHex} is already in the mempool`);
    // Transactions coming back from a disconnected block were valid once: they may exceed the limit.
    if (!reinsertion && this.byTxid.size >= this.maxTxs) {
      throw new MempoolError('mempool-full', `the mempool is full (${this.maxTxs} transactions); try again after the next block`);
    }
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
    const { fee } = checkTransactionInputs(tx, this.view);
    verifyTransactionSignatures(tx);
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

  private insert(tx: Transaction, key: string, fee: bigint): MempoolEntry {
    const entry: MempoolEntry = { tx, fee, size: tx.size, addedAtMs: this.nowMs() };
    const node: PoolTx = { entry, key, seq: this.seq++, parents: new Set(), children: new Set() };
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
    for (const out of tx.outputs) {
      const pkh = bytesKey(out.pubKeyHash);
      let set = this.byPubKeyHash.get(pkh);
      if (!set) this.byPubKeyHash.set(pkh, (set = new Set()));
      set.add(node);
    }
    this.byTxid.set(key, node);
    this.emit('tx:added', entry);
    return entry;
  }

  /** Removes one tx; its in-pool children stay (their parent is now confirmed, or they go next). */
  private removeOne(node: PoolTx, reason: RemovalReason): void {
    if (this.byTxid.get(node.key) !== node) return;
    this.byTxid.delete(node.key);
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
    const stack = [root];
    const seen = new Set<PoolTx>();
    const order: PoolTx[] = [];
    for (let node = stack.pop(); node; node = stack.pop()) {
      if (seen.has(node)) continue;
      seen.add(node);
      order.push(node);
      for (const child of node.children) stack.push(child);
    }
    for (const node of order) this.removeOne(node, reason);
  }

  /** Confirmed coins not spent in the pool, plus pool outputs to `pubKeyHash` not spent in the pool. */
  spendableCoins(pubKeyHash: Buffer): CoinEntry[] {
    const coins: CoinEntry[] = [];
    for (const c of this.chain.getCoinsByPubKeyHash(pubKeyHash)) {
      if (!this.spentBy.has(outKey(c.outpoint.txid, c.outpoint.index))) coins.push(c);
    }
    const height = this.unconfirmedHeight();
    for (const node of this.byPubKeyHash.get(bytesKey(pubKeyHash)) ?? []) {
      const { tx } = node.entry;
      tx.outputs.forEach((out, index) => {
        if (!out.pubKeyHash.equals(pubKeyHash) || this.spentBy.has(outKey(tx.txid, index))) return;
        coins.push({ outpoint: { txid: tx.txid, index }, coin: { amount: out.amount, pubKeyHash: out.pubKeyHash, height, isCoinbase: false } });
      });
    }
    return coins;
  }

  /**
   * Transactions for a block of at most `maxBytes` (room for header and coinbase is kept):
   * highest fee rate first among those whose pool parents are already in, so parents precede children.
   */
  selectForBlock(maxBytes: number): { txs: Transaction[]; fees: bigint } {
    let budget = maxBytes - COINBASE_RESERVE_BYTES;
    const byFeeRate = (a: PoolTx, b: PoolTx): number => {
      const lhs = a.entry.fee * BigInt(b.entry.size);
      const rhs = b.entry.fee * BigInt(a.entry.size);
      return lhs === rhs ? a.seq - b.seq : lhs > rhs ? -1 : 1;
    };
    const chosen = topoOrder(this.byTxid.values(), byFeeRate, (node) => {
      if (node.entry.size > budget) return false;
      budget -= node.entry.size;
      return true;
    });
    let fees = 0n;
    for (const node of chosen) fees += node.entry.fee;
    return { txs: chosen.map((n) => n.entry.tx), fees };
  }

  /** Drops the block's transactions and everything in the pool that conflicts with them. */
  blockConnected(block: Block): void {
    if (this.reorgPending) this.finishReorg();
    if (this.byTxid.size === 0) return; // nothing to confirm or conflict with (every block of an initial sync)
    const txs = block.transactions.filter((tx) => !tx.isCoinbase);
    for (const tx of txs) {
      const node = this.byTxid.get(bytesKey(tx.txid));
      if (node) this.removeOne(node, RemovalReason.Confirmed);
    }
    for (const tx of txs) {
      for (const input of tx.inputs) {
        const spender = this.spentBy.get(outKey(input.prevout.txid, input.prevout.index));
        if (spender) this.removeWithDescendants(spender, RemovalReason.BlockConflict);
      }
    }
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
    // Pool txs that spent outputs of blocks now gone (a disconnected coinbase, a dropped tx).
    for (const node of this.orderedNodes()) {
      if (this.byTxid.get(node.key) !== node) continue;
      const missing = node.entry.tx.inputs.some((input) => !this.byTxid.has(bytesKey(input.prevout.txid)) && !this.chain.getCoin(input.prevout));
      if (missing) this.removeWithDescendants(node, RemovalReason.InputsMissing);
    }
  }
}
