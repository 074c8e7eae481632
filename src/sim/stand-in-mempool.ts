/**
 * A simulated node's mempool: the relay code's view of a Mempool (RelayMempool) in memory. It
 * admits any tx (after SIM_TX_VALIDATE_MS of virtual time, then 'tx:added' as the real pool
 * emits it) and drops the txs of each connected block. For a measured block, the txs "relayed
 * before it" are put in every pool at once as one shared list with a per-node set of the ones
 * this node lacks (prefill): 4,000 txs × 10,000 nodes as separate entries would cost gigabytes.
 */
import { EventEmitter } from 'node:events';
import type { RelayMempool, RelayPoolEntry } from '../p2p/relay-deps.js';
import type { Block } from '../primitives/block.js';
import type { Transaction } from '../primitives/tx.js';
import { MempoolError } from '../mempool/errors.js';
import type { Clock } from '../util/clock.js';
import { SIM_TX_VALIDATE_MS } from './constants.js';

interface SimMempoolEvents {
  'tx:added': [entry: RelayPoolEntry, readded: boolean];
  'reorg:settled': [];
}

/** Txs every pool got before the block: shared by all nodes. */
export class SharedPool {
  readonly byKey = new Map<string, Transaction>();
  /** keys[i]: txs[i]'s txid as a latin1 string. */
  readonly keys: readonly string[];

  constructor(
    readonly txs: readonly Transaction[],
    readonly addedAtMs: number,
  ) {
    this.keys = txs.map((tx) => tx.txid.toString('latin1'));
    for (const [i, tx] of txs.entries()) this.byKey.set(this.keys[i]!, tx);
  }
}

const keyOf = (txid: Buffer): string => txid.toString('latin1');

export class SimMempool extends EventEmitter<SimMempoolEvents> implements RelayMempool {
  private readonly own = new Map<string, RelayPoolEntry>();
  private shared: SharedPool | undefined;
  private lacking: ReadonlySet<string> = new Set();

  constructor(
    private readonly clock: Clock,
    /** The node's chain confirmed this tx: refused as the real pool refuses it ('txn-already-known'). */
    private readonly isConfirmed: (txid: Buffer) => boolean,
    private readonly validateMs = SIM_TX_VALIDATE_MS,
  ) {
    super();
    this.setMaxListeners(0);
  }

  /** This node got `pool`'s txs before the block, except `lacking` (keys: latin1 txids). */
  prefill(pool: SharedPool, lacking: ReadonlySet<string>): void {
    this.shared = pool;
    this.lacking = lacking;
  }

  clearPrefill(): void {
    this.shared = undefined;
    this.lacking = new Set();
  }

  get size(): number {
    return this.own.size + (this.shared ? this.shared.txs.length - this.lacking.size : 0);
  }

  has(txid: Buffer): boolean {
    return this.get(txid) !== undefined;
  }

  get(txid: Buffer): Transaction | undefined {
    const key = keyOf(txid);
    const own = this.own.get(key);
    if (own) return own.tx;
    return this.shared !== undefined && !this.lacking.has(key) ? this.shared.byKey.get(key) : undefined;
  }

  *entries(): Iterable<RelayPoolEntry> {
    const shared = this.shared;
    if (shared) {
      const { txs, keys, addedAtMs } = shared;
      for (let i = 0; i < txs.length; i++) if (!this.lacking.has(keys[i]!)) yield { tx: txs[i]!, addedAtMs };
    }
    yield* this.own.values();
  }

  forEachTransaction(visit: (tx: Transaction) => void): void {
    const shared = this.shared;
    if (shared) {
      const { txs, keys } = shared;
      const lacking = this.lacking;
      if (lacking.size === 0) for (const tx of txs) visit(tx);
      else for (let i = 0; i < txs.length; i++) if (!lacking.has(keys[i]!)) visit(txs[i]!);
    }
    for (const entry of this.own.values()) visit(entry.tx);
  }

  /**
   * Admits any tx but one our chain confirmed: a stand-in that took those (it once did) let a tx
   * fetched just after its block connected re-enter the pool and spread again from node to node.
   */
  addTransaction(tx: Transaction): RelayPoolEntry {
    if (this.isConfirmed(tx.txid)) throw new MempoolError('txn-already-known', `transaction ${tx.txidHex} is already confirmed`);
    const entry: RelayPoolEntry = { tx, addedAtMs: this.clock.nowMs() };
    this.own.set(keyOf(tx.txid), entry);
    this.clock.setTimeout(() => {
      if (this.own.get(keyOf(tx.txid)) === entry) this.emit('tx:added', entry, false);
    }, this.validateMs);
    return entry;
  }

  minFeeRate(): number {
    return 0;
  }

  /** As the real pool on 'block:connected': the block's txs leave. */
  blockConnected(block: Block): void {
    if (this.own.size > 0) for (const tx of block.transactions) this.own.delete(keyOf(tx.txid));
    if (this.shared !== undefined && block.transactions.length > 1 && this.shared.byKey.has(keyOf(block.transactions[1]!.txid))) this.clearPrefill();
  }
}
