/**
 * Discouraged addresses (Bitcoin Core ≥ 0.21 replaced misbehaviour bans with this): not dialled,
 * accepted inbound only while slots are free, evicted first. Bounded — a full set forgets its
 * oldest entry (Core's rolling bloom filter of 50 000 does the same, probabilistically) — and
 * each entry expires, so a shared address (a CGNAT, a VPN exit) recovers on its own.
 */
import { TimedEntries } from './timed-entries.js';

export interface DiscouragedEntry {
  /** The IP address (never a node id: handshake-acks can be relayed). */
  readonly key: string;
  readonly reason: string;
  readonly untilMs: number;
}

export class DiscouragedSet {
  private readonly entries: TimedEntries<DiscouragedEntry>;

  constructor(
    private readonly maxEntries: number,
    private readonly expiryMs: number,
    private readonly nowMs: () => number = Date.now,
  ) {
    this.entries = new TimedEntries(nowMs);
  }

  discourage(key: string, reason: string): DiscouragedEntry {
    const entry = { key, reason, untilMs: this.nowMs() + this.expiryMs };
    this.entries.set(entry); // renewed: now the youngest
    this.entries.trim(this.maxEntries);
    return entry;
  }

  isDiscouraged(key: string): boolean {
    return this.entries.isLive(key);
  }

  get size(): number {
    return this.entries.size;
  }

  list(): DiscouragedEntry[] {
    return this.entries.list();
  }

  clear(): void {
    this.entries.clear();
  }
}
