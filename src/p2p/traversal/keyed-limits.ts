/**
 * Token buckets per key (an IP, a node id), at most `maxKeys` of them: a stranger rotating keys
 * evicts the oldest bucket instead of growing the table. An evicted key starts again with a full
 * burst, which `maxKeys` sized well above the peer count keeps harmless.
 */
import { TokenBucket } from '../rate-limit.js';

export interface KeyedLimitsOptions {
  readonly ratePerSec: number;
  readonly burst: number;
  readonly maxKeys: number;
  readonly now?: (() => number) | undefined;
}

export class KeyedLimits {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly options: KeyedLimitsOptions) {}

  get size(): number {
    return this.buckets.size;
  }

  /** Takes one token of `key`'s bucket; false when it is empty. */
  take(key: string): boolean {
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      const { ratePerSec, burst, now } = this.options;
      bucket = new TokenBucket({ ratePerSec, burst, ...(now ? { now } : {}) });
      if (this.buckets.size >= this.options.maxKeys) {
        const oldest = this.buckets.keys().next().value;
        if (oldest !== undefined) this.buckets.delete(oldest);
      }
    } else {
      this.buckets.delete(key); // re-insert: the map's order is last use, the first key the stalest
    }
    this.buckets.set(key, bucket);
    return bucket.take();
  }
}
