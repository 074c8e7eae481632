/**
 * A bounded set of 32-byte hashes kept as seeded 64-bit fingerprints: what Bitcoin Core's rolling
 * bloom filters are for (a peer's known inventory, recent rejects, recently confirmed txids),
 * at ~8–11 bytes per entry instead of the ~80 a latin1 string in a Set costs (string, Set
 * entry, hash-table slack), and nothing for the garbage collector to trace per entry.
 *
 * Like BoundedHashSet (src/util/bounded-hash-set.ts) it rolls over two generations, so the newest ⌈capacity/2⌉
 * hashes are always remembered and never more than `capacity`. Unlike it, it can answer "yes"
 * for a hash it never saw: when two hashes share a fingerprint, about one in 2^64 for a pair
 * (the test probes a million). Callers are the sets where such a rare false "yes" costs one
 * skipped announcement or request, as with Core's filters (false-positive rate 10⁻⁶); sets whose
 * answer decides validity (failed blocks) stay exact.
 *
 * The fingerprint is two seeded MurmurHash3 lanes over the hash's words, the seeds drawn once per
 * process. That is not a keyed PRF (MurmurHash3 has seed-independent collisions for crafted
 * inputs), and need not be: what goes in are txids and block hashes, double-SHA256 outputs a peer
 * cannot shape bit by bit, and the seeds keep a peer from predicting which ones share a
 * fingerprint here. SipHash would be that PRF at ~0.4 µs a hash, twice a string set's lookup;
 * this costs ~0.1 µs, a third of the string set's (the words are read from the bytes, no string
 * is made).
 */
import { randomBytes } from 'node:crypto';

/** Slots a generation's table starts with (grows by doubling up to what its share of the capacity needs). */
const INITIAL_SLOTS = 16;
/** Fill (numerator / 4) at which a table doubles: linear probing stays short below three quarters. */
const MAX_LOAD_QUARTERS = 3;

/** Two 32-bit seeds, one per half of the fingerprint, drawn once per process. */
export type FilterKey = readonly [number, number];
const PROCESS_KEY: FilterKey = [randomBytes(4).readUInt32LE(0), randomBytes(4).readUInt32LE(0)];

/** MurmurHash3's 32-bit body step and finaliser (Appleby), seeded: one lane per fingerprint half. */
function mixWord(state: number, word: number): number {
  let k = Math.imul(word, 0xcc9e2d51);
  k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
  const h = state ^ k;
  return (Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64) | 0;
}

function finish(state: number, length: number): number {
  let h = state ^ length;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * An open-addressing table of 64-bit fingerprints (two 32-bit halves per slot, linear probing).
 * (0, 0) marks an empty slot, so a fingerprint that comes out as (0, 0) is stored as (1, 0).
 */
class FingerprintTable {
  private slots: Uint32Array;
  private mask: number;
  count = 0;

  constructor(private readonly maxSlots: number) {
    const initial = Math.min(INITIAL_SLOTS, maxSlots);
    this.slots = new Uint32Array(2 * initial);
    this.mask = initial - 1;
  }

  get bytes(): number {
    return this.slots.byteLength;
  }

  has(lo: number, hi: number): boolean {
    const { slots, mask } = this;
    for (let i = lo & mask; ; i = (i + 1) & mask) {
      const slotLo = slots[2 * i]!;
      const slotHi = slots[2 * i + 1]!;
      if (slotLo === lo && slotHi === hi) return true;
      if (slotLo === 0 && slotHi === 0) return false;
    }
  }

  /** Adds a fingerprint not yet in the table (the caller checked). */
  insert(lo: number, hi: number): void {
    const slotCount = this.mask + 1;
    if (4 * (this.count + 1) > MAX_LOAD_QUARTERS * slotCount && slotCount < this.maxSlots) this.grow();
    this.place(lo, hi);
    this.count++;
  }

  private place(lo: number, hi: number): void {
    const { slots, mask } = this;
    let i = lo & mask;
    while (slots[2 * i] !== 0 || slots[2 * i + 1] !== 0) i = (i + 1) & mask;
    slots[2 * i] = lo;
    slots[2 * i + 1] = hi;
  }

  private grow(): void {
    const old = this.slots;
    const slotCount = 2 * (this.mask + 1);
    this.slots = new Uint32Array(2 * slotCount);
    this.mask = slotCount - 1;
    for (let i = 0; i < old.length; i += 2) if (old[i] !== 0 || old[i + 1] !== 0) this.place(old[i]!, old[i + 1]!);
  }
}

/** Smallest power of two ≥ n. */
const powerOfTwoAtLeast = (n: number): number => 2 ** Math.ceil(Math.log2(Math.max(1, n)));

export class HashFilter {
  private readonly generationSize: number;
  /** Slots a generation may grow to: its share of the capacity below the load limit. */
  private readonly maxSlots: number;
  private current: FingerprintTable;
  private previous: FingerprintTable;
  private readonly fingerprint = new Uint32Array(2);

  constructor(
    capacity: number,
    private readonly key: FilterKey = PROCESS_KEY,
  ) {
    this.generationSize = Math.max(1, Math.ceil(capacity / 2));
    this.maxSlots = powerOfTwoAtLeast((4 * this.generationSize) / MAX_LOAD_QUARTERS + 1);
    this.current = new FingerprintTable(this.maxSlots);
    this.previous = new FingerprintTable(this.maxSlots);
  }

  /** Entries held (a hash refreshed from the previous generation counts in both until that one is dropped). */
  get size(): number {
    return this.current.count + this.previous.count;
  }

  /** Bytes of the two tables (for tests and memory accounting). */
  get bytes(): number {
    return this.current.bytes + this.previous.bytes;
  }

  has(hash: Uint8Array): boolean {
    const fingerprint = this.fingerprintOf(hash);
    const lo = fingerprint[0]!;
    const hi = fingerprint[1]!;
    return this.current.has(lo, hi) || this.previous.has(lo, hi);
  }

  /** Adds `hash`, or makes it the newest if it is only in the previous generation. */
  add(hash: Uint8Array): void {
    const fingerprint = this.fingerprintOf(hash);
    const lo = fingerprint[0]!;
    const hi = fingerprint[1]!;
    if (this.current.has(lo, hi)) return;
    this.current.insert(lo, hi);
    if (this.current.count >= this.generationSize) {
      this.previous = this.current;
      this.current = new FingerprintTable(this.maxSlots);
    }
  }

  clear(): void {
    this.current = new FingerprintTable(this.maxSlots);
    this.previous = new FingerprintTable(this.maxSlots);
  }

  /** The fingerprint as its two halves, in a reused array (no allocation per call: this runs per announced item). */
  private fingerprintOf(hash: Uint8Array): Uint32Array {
    let lo = this.key[0];
    let hi = this.key[1];
    const whole = hash.length & ~3;
    for (let i = 0; i < whole; i += 4) {
      const word = hash[i]! | (hash[i + 1]! << 8) | (hash[i + 2]! << 16) | (hash[i + 3]! << 24);
      lo = mixWord(lo, word);
      hi = mixWord(hi, word);
    }
    let tail = 0;
    for (let i = whole; i < hash.length; i++) tail |= hash[i]! << (8 * (i - whole));
    lo = mixWord(lo, tail);
    hi = mixWord(hi, tail);
    const out = this.fingerprint;
    out[0] = finish(lo, hash.length);
    out[1] = finish(hi, hash.length);
    if (out[0] === 0 && out[1] === 0) out[0] = 1;
    return out;
  }
}
