/**
 * Says whether a repeated event deserves a warn line again: once per key per interval. Every
 * refused inbound connection is worth one warning with its reason, but a stranger reconnecting
 * in a loop must not be able to flood the log (the repeats go to debug). Bounded: the key seen
 * least recently is forgotten first.
 */
export class LogThrottle {
  /** Insertion order = recency: the first key is the stalest. */
  private readonly lastWarnedMs = new Map<string, number>();

  constructor(
    private readonly maxKeys: number,
    private readonly intervalMs: number,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** True the first time `key` is seen in `intervalMs` (and records it). */
  shouldWarn(key: string): boolean {
    const now = this.nowMs();
    const last = this.lastWarnedMs.get(key);
    if (last !== undefined && now - last < this.intervalMs) return false;
    this.lastWarnedMs.delete(key);
    this.lastWarnedMs.set(key, now);
    while (this.lastWarnedMs.size > this.maxKeys) {
      const stalest = this.lastWarnedMs.keys().next().value;
      if (stalest === undefined) break;
      this.lastWarnedMs.delete(stalest);
    }
    return true;
  }

  get size(): number {
    return this.lastWarnedMs.size;
  }
}
