/**
 * Token buckets per key (an IP, a node id), at most `maxKeys` of them: a stranger rotating keys
 * evicts the oldest bucket instead of growing the table. An evicted key starts again with a full
 * burst, which `maxKeys` sized well above the peer count keeps harmless.
 *
 * A bucket that has refilled to its burst is forgotten: it is in the state a fresh one starts in,
 * so nothing changes for its key, and the table holds only the keys used within the last
 * burst ÷ rate seconds instead of every key ever seen up to `maxKeys`. (Discovery's per-sender
 * budget kept ~10,000 idle senders in a long run, ~250 bytes each: 2.5 MB a node.)
 */
import { TokenBucket } from '../rate-limit.js';

export interface KeyedLimitsOptions {
  readonly ratePerSec: number;
  readonly burst: number;
  readonly maxKeys: number;
  readonly now?: (() => number) | undefined;
}

/** A bucket with its own key, so moving it to the end stores no new string. */
interface Keyed {
  readonly key: string;
  readonly bucket: TokenBucket;
}

export class KeyedLimits {
  private readonly buckets = new Map<string, Keyed>();

  constructor(private readonly options: KeyedLimitsOptions) {}

  get size(): number {
    return this.buckets.size;
  }

  /** Takes one token of `key`'s bucket; false when it is empty. */
  take(key: string): boolean {
    this.forgetRefilled();
    let keyed = this.buckets.get(key);
    if (keyed === undefined) {
      const { ratePerSec, burst, now } = this.options;
      keyed = { key, bucket: new TokenBucket({ ratePerSec, burst, ...(now ? { now } : {}) }) };
      if (this.buckets.size >= this.options.maxKeys) {
        const oldest = this.buckets.keys().next().value;
        if (oldest !== undefined) this.buckets.delete(oldest);
      }
    } else {
      // Re-inserted: the map's order is last use, the first key the stalest. With the stored
      // key, not `key` (a string the caller just built): the map lives as long as the node, and
      // a young key in it would be an old-to-new pointer per request until it is promoted.
      this.buckets.delete(key);
    }
    this.buckets.set(keyed.key, keyed);
    return keyed.bucket.take();
  }

  /**
   * Drops the stalest buckets while they are full again. The map's first key is the one used
   * longest ago, so a first bucket that is not yet full means every key was used within the last
   * burst ÷ rate seconds: a check or two per take, not a sweep. (A rate of 0 never refills: such
   * buckets stay until evicted.)
   */
  private forgetRefilled(): void {
    for (const keyed of this.buckets.values()) {
      if (!keyed.bucket.full) return;
      this.buckets.delete(keyed.key);
    }
  }
}
