/**
 * Blocks whose parent we do not have yet, held briefly until it arrives. Bounded in count, in
 * bytes and in age, so a peer cannot fill our memory with blocks that lead nowhere. When full,
 * the oldest orphan **of the sender holding the largest share** (count or bytes, whichever is the
 * larger fraction of its bound) goes, as for orphan transactions (tx-orphans.ts): an orphan costs
 * ~256 hashes here, and the oldest over the whole pool let one peer's stream flush every other
 * peer's orphans.
 */
import type { Block } from '../primitives/block.js';
import { MAX_ORPHAN_BLOCKS_TOTAL_BYTES } from './constants.js';

export interface Orphan<S> {
  readonly block: Block;
  /** Who sent it (to ask it for the missing parents, or punish it if the block turns out invalid). */
  readonly from: S;
  readonly addedAtMs: number;
}

const key = (hash: Buffer): string => hash.toString('latin1');

export class OrphanPool<S> {
  private readonly byHash = new Map<string, Orphan<S>>();
  private readonly byParent = new Map<string, Set<string>>();
  /** Each sender's orphans, oldest first, and their encoded bytes (the eviction choice). */
  private readonly bySender = new Map<S, { keys: Set<string>; bytes: number }>();
  /** Encoded bytes of the orphans held. */
  private heldBytes = 0;

  constructor(
    private readonly capacity: number,
    private readonly expiryMs: number,
    private readonly nowMs: () => number = Date.now,
    private readonly maxBytes: number = MAX_ORPHAN_BLOCKS_TOTAL_BYTES,
  ) {}

  get bytes(): number {
    return this.heldBytes;
  }

  get size(): number {
    return this.byHash.size;
  }

  has(hash: Buffer): boolean {
    return this.byHash.has(key(hash));
  }

  add(block: Block, from: S): void {
    this.expire();
    const k = key(block.hash);
    if (this.byHash.has(k) || this.capacity <= 0 || block.size > this.maxBytes) return;
    while (this.byHash.size > 0 && (this.byHash.size >= this.capacity || this.heldBytes + block.size > this.maxBytes)) this.evictFromLargestShare();
    this.byHash.set(k, { block, from, addedAtMs: this.nowMs() });
    this.heldBytes += block.size;
    const sender = this.bySender.get(from) ?? { keys: new Set<string>(), bytes: 0 };
    sender.keys.add(k);
    sender.bytes += block.size;
    this.bySender.set(from, sender);
    const parent = key(block.header.prevHash);
    let children = this.byParent.get(parent);
    if (!children) this.byParent.set(parent, (children = new Set()));
    children.add(k);
  }

  /**
   * An orphan held is the child of `parent` (its height one above, as the chain will check) and
   * stands above `height`: the branch through that parent reaches past it.
   */
  hasChildAbove(parent: { readonly hash: Buffer; readonly height: number }, height: number): boolean {
    const children = this.byParent.get(key(parent.hash));
    if (!children) return false;
    for (const k of children) {
      const childHeight = this.byHash.get(k)?.block.height;
      if (childHeight === parent.height + 1 && childHeight > height) return true;
    }
    return false;
  }

  /** Removes and returns the orphans whose parent is `parentHash`. */
  takeChildren(parentHash: Buffer): Orphan<S>[] {
    this.expire();
    const children = this.byParent.get(key(parentHash));
    if (!children) return [];
    const out: Orphan<S>[] = [];
    for (const k of [...children]) {
      const orphan = this.byHash.get(k);
      if (orphan) out.push(orphan);
      this.remove(k);
    }
    return out;
  }

  private remove(k: string): void {
    const orphan = this.byHash.get(k);
    if (!orphan) return;
    this.byHash.delete(k);
    this.heldBytes -= orphan.block.size;
    const sender = this.bySender.get(orphan.from);
    if (sender && sender.keys.delete(k)) {
      sender.bytes -= orphan.block.size;
      if (sender.keys.size === 0) this.bySender.delete(orphan.from);
    }
    const parent = key(orphan.block.header.prevHash);
    const children = this.byParent.get(parent);
    if (children) {
      children.delete(k);
      if (children.size === 0) this.byParent.delete(parent);
    }
  }

  /**
   * Drops everything `from` sent (its session closed); returns how many. An orphan names its
   * sender, so one held after the close kept the dead session alive (its read buffer, known set,
   * socket) until expiry, and a sender reconnecting per orphan escaped the share eviction.
   */
  removeForPeer(from: S): number {
    const sender = this.bySender.get(from);
    if (!sender) return 0;
    const keys = [...sender.keys];
    for (const k of keys) this.remove(k);
    return keys.length;
  }

  /** How many orphans `from` holds (tests). */
  countFrom(from: S): number {
    return this.bySender.get(from)?.keys.size ?? 0;
  }

  /** The oldest orphan of the sender whose count or bytes is the largest fraction of the pool's bound. */
  private evictFromLargestShare(): void {
    let worst: Set<string> | undefined;
    let worstShare = -1;
    for (const { keys, bytes } of this.bySender.values()) {
      const share = Math.max(keys.size / this.capacity, bytes / this.maxBytes);
      if (share > worstShare) [worst, worstShare] = [keys, share];
    }
    const oldest = worst?.values().next();
    if (oldest && !oldest.done) this.remove(oldest.value);
  }

  private expire(): void {
    const cutoff = this.nowMs() - this.expiryMs;
    for (const [k, orphan] of this.byHash) {
      if (orphan.addedAtMs >= cutoff) break; // insertion order = age order
      this.remove(k);
    }
  }
}
