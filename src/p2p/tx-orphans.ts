/**
 * Transactions whose parents we do not have yet (Bitcoin's mapOrphanTransactions). Held until a
 * parent is accepted into the mempool, then retried. Bounded in count, total bytes, per-tx bytes
 * and age, so a peer announcing unconnected txs cannot grow our memory. When full, a random orphan
 * **of the peer holding the largest share** (count or bytes, whichever is the larger fraction of
 * its limit) is evicted, as Bitcoin Core's TxOrphanage evicts from the peer with the highest DoS
 * score: a peer sending a stream of orphans only churns its own, where a random pick over the
 * whole pool let it flush every honest peer's orphans. Random within that peer, not its oldest,
 * so which of its orphans go cannot be planned.
 */
import type { Transaction } from '../primitives/tx.js';
import { CRYPTO_RANDOM } from '../util/random-source.js';

export interface TxOrphan<S> {
  readonly tx: Transaction;
  /** Who sent it: asked for the missing parents, punished if the tx turns out invalid. */
  readonly from: S;
  readonly addedAtMs: number;
  readonly sizeBytes: number;
}

export interface TxOrphanPoolOptions {
  maxCount: number;
  maxTotalBytes: number;
  /** Larger transactions are refused ('too-large'), not held. */
  maxTxBytes: number;
  expiryMs: number;
  nowMs?: () => number;
  /** In [0, 1): picks the eviction victim (tests and the simulator pass a deterministic one); default the CSPRNG's. */
  random?: () => number;
}

export type TxOrphanAddResult = 'added' | 'duplicate' | 'too-large';

const key = (hash: Buffer): string => hash.toString('latin1');
const outKey = (txid: Buffer, index: number): string => `${key(txid)}:${index}`;

export class TxOrphanPool<S> {
  private readonly options: Required<TxOrphanPoolOptions>;
  /** Insertion order is age order (expiry walks from the front). */
  private readonly byTxid = new Map<string, TxOrphan<S>>();
  /** Txid of every input's previous tx → orphans spending one of its outputs. */
  private readonly byParent = new Map<string, Set<string>>();
  private readonly byPeer = new Map<S, Set<string>>();
  /** Encoded bytes each sender holds (its share of maxTotalBytes, for the eviction choice). */
  private readonly peerBytes = new Map<S, number>();
  private bytes = 0;

  constructor(options: TxOrphanPoolOptions) {
    this.options = { nowMs: Date.now, random: CRYPTO_RANDOM.fraction, ...options };
  }

  get size(): number {
    return this.byTxid.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  has(txid: Buffer): boolean {
    return this.byTxid.has(key(txid));
  }

  get(txid: Buffer): TxOrphan<S> | undefined {
    return this.byTxid.get(key(txid));
  }

  /** The held transactions (a compact block may contain some: they are rebuilt from here too). */
  *transactions(): Iterable<Transaction> {
    for (const orphan of this.byTxid.values()) yield orphan.tx;
  }

  /** Holds `tx`, evicting random orphans while the pool is over its count or byte limit. */
  add(tx: Transaction, from: S): TxOrphanAddResult {
    this.expire();
    const k = key(tx.txid);
    if (this.byTxid.has(k)) return 'duplicate';
    const sizeBytes = tx.size;
    const { maxCount, maxTotalBytes, maxTxBytes } = this.options;
    if (sizeBytes > maxTxBytes || sizeBytes > maxTotalBytes || maxCount <= 0) return 'too-large';
    while (this.byTxid.size > 0 && (this.byTxid.size + 1 > maxCount || this.bytes + sizeBytes > maxTotalBytes)) this.evictFromLargestShare();
    const orphan: TxOrphan<S> = { tx, from, addedAtMs: this.options.nowMs(), sizeBytes };
    this.byTxid.set(k, orphan);
    this.bytes += sizeBytes;
    for (const parent of parentKeys(tx)) addTo(this.byParent, parent, k);
    addTo(this.byPeer, from, k);
    this.peerBytes.set(from, (this.peerBytes.get(from) ?? 0) + sizeBytes);
    return 'added';
  }

  /** Orphans spending an output of `parentTxid`, oldest first (they stay in the pool). */
  childrenOf(parentTxid: Buffer): TxOrphan<S>[] {
    this.expire();
    const out: TxOrphan<S>[] = [];
    for (const k of this.byParent.get(key(parentTxid)) ?? []) {
      const orphan = this.byTxid.get(k);
      if (orphan) out.push(orphan);
    }
    return out.sort((a, b) => a.addedAtMs - b.addedAtMs);
  }

  remove(txid: Buffer): boolean {
    return this.removeKey(key(txid));
  }

  /** Drops everything `from` sent us (it disconnected or was banned); returns how many. */
  removeForPeer(from: S): number {
    const keys = this.byPeer.get(from);
    if (!keys) return 0;
    let removed = 0;
    for (const k of [...keys]) if (this.removeKey(k)) removed++;
    return removed;
  }

  /** Drops orphans a block confirmed or made invalid (they spend an outpoint the block spends). */
  removeForBlock(txs: readonly Transaction[]): number {
    // No orphans (every block of an initial sync): nothing to look up, and no set of every input the block spends.
    if (this.byTxid.size === 0) return 0;
    const spent = new Set<string>();
    for (const tx of txs) for (let i = 0; i < tx.inputCount; i++) spent.add(outKey(tx.inputPrevoutTxid(i), tx.inputPrevoutIndex(i)));
    let removed = 0;
    for (const tx of txs) if (this.remove(tx.txid)) removed++;
    for (const [k, orphan] of [...this.byTxid]) {
      if (orphan.tx.inputs.some((input) => spent.has(outKey(input.prevout.txid, input.prevout.index))) && this.removeKey(k)) removed++;
    }
    return removed;
  }

  /** Drops orphans older than the expiry; returns how many. */
  expire(): number {
    const cutoff = this.options.nowMs() - this.options.expiryMs;
    let removed = 0;
    for (const [k, orphan] of this.byTxid) {
      if (orphan.addedAtMs > cutoff) break;
      if (this.removeKey(k)) removed++;
    }
    return removed;
  }

  /** How many orphans `from` holds (tests, logs). */
  countFrom(from: S): number {
    return this.byPeer.get(from)?.size ?? 0;
  }

  /** A random orphan of the sender whose count or bytes is the largest fraction of the pool's limit. */
  private evictFromLargestShare(): void {
    const { maxCount, maxTotalBytes } = this.options;
    let worst: Set<string> | undefined;
    let worstShare = -1;
    for (const [from, keys] of this.byPeer) {
      const share = Math.max(keys.size / maxCount, (this.peerBytes.get(from) ?? 0) / maxTotalBytes);
      if (share > worstShare) [worst, worstShare] = [keys, share];
    }
    if (!worst) return;
    const index = Math.min(worst.size - 1, Math.floor(this.options.random() * worst.size));
    let i = 0;
    for (const k of worst) {
      if (i++ === index) {
        this.removeKey(k);
        return;
      }
    }
  }

  private removeKey(k: string): boolean {
    const orphan = this.byTxid.get(k);
    if (!orphan) return false;
    this.byTxid.delete(k);
    this.bytes -= orphan.sizeBytes;
    for (const parent of parentKeys(orphan.tx)) deleteFrom(this.byParent, parent, k);
    deleteFrom(this.byPeer, orphan.from, k);
    const left = (this.peerBytes.get(orphan.from) ?? 0) - orphan.sizeBytes;
    if (this.byPeer.has(orphan.from)) this.peerBytes.set(orphan.from, left);
    else this.peerBytes.delete(orphan.from);
    return true;
  }
}

function parentKeys(tx: Transaction): Set<string> {
  return new Set(tx.inputs.map((input) => key(input.prevout.txid)));
}

function addTo<K>(index: Map<K, Set<string>>, at: K, k: string): void {
  let set = index.get(at);
  if (!set) index.set(at, (set = new Set()));
  set.add(k);
}

function deleteFrom<K>(index: Map<K, Set<string>>, at: K, k: string): void {
  const set = index.get(at);
  if (set && set.delete(k) && set.size === 0) index.delete(at);
}
