/**
 * The operator's ban list kept on disk: loaded at start, rewritten (one write after another,
 * each of the whole list) after every change. The peer set closes what a new ban matches.
 */
import { rename } from 'node:fs/promises';
import { isIP } from 'node:net';
import { errorMessage } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { readBanFile, writeBanFile } from './ban-file.js';
import { BanList, type BanEntry } from './bans.js';
import { MAX_BAN_ENTRIES } from './constants.js';
import { normalizeIp } from './discovery/endpoint.js';
import { P2PError } from './errors.js';

/** An IP (normalised) or a node id (64 hex digits, lower case); anything else is refused. */
export function banKey(raw: string): string {
  const key = raw.trim();
  if (isIP(key) !== 0) return normalizeIp(key);
  if (/^[0-9a-fA-F]{64}$/.test(key)) return key.toLowerCase();
  throw new P2PError('invalid-ban-key', `"${raw}" is neither an IP address nor a node id (64 hex digits)`);
}

export class BanStore {
  readonly list = new BanList(MAX_BAN_ENTRIES);
  /** Ban file writes, one after another (each writes the whole list). */
  private writes: Promise<void> = Promise.resolve();

  /** `file` undefined: bans live in memory only. */
  constructor(
    private readonly file: string | undefined,
    private readonly logger: Logger,
  ) {}

  /** Bans `rawKey` (an IP or a node id) and saves the list. */
  ban(rawKey: string, reason: string, durationMs: number): BanEntry {
    const key = banKey(rawKey);
    const entry = this.list.ban(key, durationMs, reason);
    // An ISO time and the length, not epoch milliseconds: a person reads this line.
    this.logger.warn({ key, reason, until: new Date(entry.untilMs).toISOString(), forSec: Math.round(durationMs / 1000) }, 'banned');
    this.save();
    return entry;
  }

  /** Lifts a ban; false when `key` was not banned. */
  unban(rawKey: string): boolean {
    const key = banKey(rawKey);
    const removed = this.list.unban(key);
    if (removed) {
      this.logger.warn({ key }, 'unbanned');
      this.save();
    }
    return removed;
  }

  /** Lifts every ban; returns how many there were. */
  clear(): number {
    const n = this.list.clear();
    this.logger.warn({ count: n }, 'cleared every ban');
    this.save();
    return n;
  }

  /** Resolves once every ban change so far is on disk. */
  async flush(): Promise<void> {
    await this.writes;
  }

  async load(): Promise<void> {
    const file = this.file;
    if (file === undefined) return;
    try {
      for (const entry of await readBanFile(file)) this.list.restore(entry);
      if (this.list.list().length > 0) this.logger.info({ file, bans: this.list.list().length }, 'loaded bans');
    } catch (err) {
      // Bans are the operator's convenience, not chain state: start without them, loudly, and
      // keep the damaged file aside (the next ban change writes a new one).
      const aside = `${file}.unreadable-${Date.now()}`;
      const moved = await rename(file, aside).then(() => true, () => false);
      this.logger.error({ file, err: errorMessage(err), ...(moved ? { keptAs: aside } : {}) }, 'ignoring an unreadable ban file');
    }
  }

  private save(): void {
    const file = this.file;
    if (file === undefined) return;
    const snapshot = this.list.list();
    this.writes = this.writes
      .then(() => writeBanFile(file, snapshot))
      .catch((err: unknown) => this.logger.error({ file, err: errorMessage(err) }, 'could not save the bans'));
  }
}
