/**
 * Discouraged addresses (Bitcoin Core ≥ 0.21 replaced misbehaviour bans with this): not dialled,
 * accepted inbound only while slots are free, evicted first. Bounded — a full set forgets its
 * oldest entry (Core's rolling bloom filter of 50 000 does the same, probabilistically) — and
 * each entry expires, so a shared address (a CGNAT, a VPN exit) recovers on its own.
 */
export interface DiscouragedEntry {
  /** IP address, or node id (hex) proven by a handshake-ack. */
  readonly key: string;
  readonly reason: string;
  readonly untilMs: number;
}

export class DiscouragedSet {
  /** Insertion order = age: the first entry is the oldest. */
  private readonly entries = new Map<string, DiscouragedEntry>();

  constructor(
    private readonly maxEntries: number,
    private readonly expiryMs: number,
    private readonly nowMs: () => number = Date.now,
  ) {}

  discourage(key: string, reason: string): DiscouragedEntry {
    const entry = { key, reason, untilMs: this.nowMs() + this.expiryMs };
    this.entries.delete(key); // re-insert at the young end
    this.entries.set(key, entry);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    return entry;
  }

  isDiscouraged(key: string): boolean {
    const entry = this.entries.get(key);
    if (!entry) return false;
    if (entry.untilMs > this.nowMs()) return true;
    this.entries.delete(key);
    return false;
  }

  get size(): number {
    return this.entries.size;
  }

  list(): DiscouragedEntry[] {
    const now = this.nowMs();
    for (const [key, entry] of this.entries) if (entry.untilMs <= now) this.entries.delete(key);
    return [...this.entries.values()];
  }

  clear(): void {
    this.entries.clear();
  }
}
