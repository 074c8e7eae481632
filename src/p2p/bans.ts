/** Timed bans keyed by node id (hex) or IP address. Expired entries are dropped lazily. */
export interface BanEntry {
  /** Node id hex or IP address. */
  readonly key: string;
  readonly reason: string;
  readonly untilMs: number;
}

export class BanList {
  private readonly entries = new Map<string, BanEntry>();

  constructor(private readonly nowMs: () => number = Date.now) {}

  ban(key: string, durationMs: number, reason: string): BanEntry {
    const entry = { key, reason, untilMs: this.nowMs() + durationMs };
    this.entries.set(key, entry);
    return entry;
  }

  unban(key: string): boolean {
    return this.entries.delete(key);
  }

  isBanned(key: string): boolean {
    const entry = this.entries.get(key);
    if (!entry) return false;
    if (entry.untilMs > this.nowMs()) return true;
    this.entries.delete(key);
    return false;
  }

  list(): BanEntry[] {
    const now = this.nowMs();
    for (const [key, entry] of this.entries) if (entry.untilMs <= now) this.entries.delete(key);
    return [...this.entries.values()];
  }
}
