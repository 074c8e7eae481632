import { setNewest } from '../../util/bounded-map.js';
import { MAX_IPV4_TEXTS } from './constants.js';

/**
 * The text of a received IPv4 address, one string per address: every endpoint decoded used to
 * build its own (a template of four numbers, ~0.3 KB of garbage per simulated event), and the
 * copies that table entries, endpoint proofs and budgets keep were each young objects stored into
 * long-lived maps. Bounded: beyond maxEntries the oldest text is forgotten (and built again when
 * its address comes back), so a peer naming many addresses costs only the rebuilding.
 */
export class Ipv4Texts {
  /** Keyed by the address as an unsigned 32-bit number. */
  private readonly texts = new Map<number, string>();

  constructor(private readonly maxEntries: number = MAX_IPV4_TEXTS) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError(`maxEntries must be a positive integer, not ${maxEntries}`);
  }

  get size(): number {
    return this.texts.size;
  }

  /** "a.b.c.d" for four octets (0–255 each). */
  text(a: number, b: number, c: number, d: number): string {
    const key = a * 0x1000000 + ((b << 16) | (c << 8) | d);
    const known = this.texts.get(key);
    if (known !== undefined) return known;
    const text = `${a}.${b}.${c}.${d}`;
    setNewest(this.texts, key, text, this.maxEntries);
    return text;
  }
}

/** The process's one table: a string is immutable, so every node and socket may share it. */
export const IPV4_TEXTS = new Ipv4Texts();
