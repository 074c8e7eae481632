/**
 * Entries keyed by address or node id that lapse at `untilMs`, dropped lazily when looked at:
 * the store behind operator bans (bans.ts) and discouragement (discouraged.ts). Insertion order
 * is kept, so the first key is the oldest.
 */
export interface TimedEntry {
  readonly key: string;
  readonly untilMs: number;
}

export class TimedEntries<E extends TimedEntry> {
  private readonly entries = new Map<string, E>();

  constructor(private readonly nowMs: () => number) {}

  get size(): number {
    return this.entries.size;
  }

  /** True while `key` holds an entry that has not lapsed (a lapsed one is dropped). */
  isLive(key: string): boolean {
    const entry = this.entries.get(key);
    if (!entry) return false;
    if (entry.untilMs > this.nowMs()) return true;
    this.entries.delete(key);
    return false;
  }

  /** The entry of `key` if it has not lapsed (a lapsed one is dropped). */
  get(key: string): E | undefined {
    return this.isLive(key) ? this.entries.get(key) : undefined;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Stores `entry` as the youngest. */
  set(entry: E): void {
    this.entries.delete(entry.key);
    this.entries.set(entry.key, entry);
  }

  delete(key: string): boolean {
    return this.entries.delete(key);
  }

  /** Forgets the oldest entries until at most `max` remain. */
  trim(max: number): void {
    for (const key of this.entries.keys()) {
      if (this.entries.size <= max) return;
      this.entries.delete(key);
    }
  }

  clear(): number {
    const n = this.entries.size;
    this.entries.clear();
    return n;
  }

  /** Drops the lapsed entries, without listing the rest (a caller that only makes room). */
  prune(): void {
    const now = this.nowMs();
    // Over values(), not [key, entry] pairs: a pair array per entry per call was most of what an
    // observed-address sample (one per pong) allocated.
    for (const entry of this.entries.values()) if (entry.untilMs <= now) this.entries.delete(entry.key);
  }

  /** The live entries, oldest first (lapsed ones are dropped). */
  list(): E[] {
    this.prune();
    return [...this.entries.values()];
  }
}
