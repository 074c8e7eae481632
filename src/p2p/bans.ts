/**
 * Manual bans (the operator's `cli ban`, Bitcoin Core's setban), keyed by node id (hex) or IP
 * address, timed, bounded in count. Misbehaviour does not ban: it discourages (discouraged.ts).
 * Expired entries are dropped lazily. Persisted by ban-file.ts.
 */
import { P2PError } from './errors.js';

export interface BanEntry {
  /** Node id hex or IP address. */
  readonly key: string;
  readonly reason: string;
  readonly createdMs: number;
  readonly untilMs: number;
}

export class BanList {
  private readonly entries = new Map<string, BanEntry>();

  constructor(
    private readonly maxEntries: number,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** Adds or renews a ban; a full list refuses a new key (an operator's ban is never dropped silently). */
  ban(key: string, durationMs: number, reason: string): BanEntry {
    if (!this.entries.has(key) && this.list().length >= this.maxEntries) {
      throw new P2PError('ban-list-full', `the ban list already holds ${this.maxEntries} entries; unban some (cli unban) or clear it (cli clearbanned)`);
    }
    const now = this.nowMs();
    const entry = { key, reason, createdMs: now, untilMs: now + durationMs };
    this.entries.set(key, entry);
    return entry;
  }

  /** Loads a persisted entry as it was (expired ones are skipped; beyond the bound, ignored). */
  restore(entry: BanEntry): void {
    if (entry.untilMs <= this.nowMs() || this.entries.size >= this.maxEntries) return;
    this.entries.set(entry.key, entry);
  }

  unban(key: string): boolean {
    return this.entries.delete(key);
  }

  clear(): number {
    const n = this.entries.size;
    this.entries.clear();
    return n;
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
