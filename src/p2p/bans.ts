/**
 * Manual bans (the operator's `cli ban`, Bitcoin Core's setban), keyed by node id (hex) or IP
 * address, timed, bounded in count. Misbehaviour does not ban: it discourages (discouraged.ts).
 * Expired entries are dropped lazily. Persisted by ban-file.ts.
 */
import { P2PError } from './errors.js';
import { TimedEntries } from './timed-entries.js';

export interface BanEntry {
  /** Node id hex or IP address. */
  readonly key: string;
  readonly reason: string;
  readonly createdMs: number;
  readonly untilMs: number;
}

export class BanList {
  private readonly entries: TimedEntries<BanEntry>;

  constructor(
    private readonly maxEntries: number,
    private readonly nowMs: () => number = Date.now,
  ) {
    this.entries = new TimedEntries(nowMs);
  }

  /** Adds or renews a ban; a full list refuses a new key (an operator's ban is never dropped silently). */
  ban(key: string, durationMs: number, reason: string): BanEntry {
    if (!this.entries.has(key) && this.list().length >= this.maxEntries) {
      throw new P2PError('ban-list-full', `the ban list already holds ${this.maxEntries} entries; unban some (cli unban) or clear it (cli clearbanned)`);
    }
    const now = this.nowMs();
    const entry = { key, reason, createdMs: now, untilMs: now + durationMs };
    this.entries.set(entry);
    return entry;
  }

  /** Loads a persisted entry as it was (expired ones are skipped; beyond the bound, ignored). */
  restore(entry: BanEntry): void {
    if (entry.untilMs <= this.nowMs() || this.entries.size >= this.maxEntries) return;
    this.entries.set(entry);
  }

  unban(key: string): boolean {
    return this.entries.delete(key);
  }

  clear(): number {
    return this.entries.clear();
  }

  isBanned(key: string): boolean {
    return this.entries.isLive(key);
  }

  list(): BanEntry[] {
    return this.entries.list();
  }
}
