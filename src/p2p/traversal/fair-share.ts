/**
 * One rate shared fairly among groups (the punch relay's: the netgroups of its ready peers). Each
 * group's bucket refills at the total rate divided by the groups there are now, so sybils in many
 * networks cannot use up what an honest group gets: they only shrink every share, theirs too, and
 * the shares add up to the total (plus one burst per group). At most `maxKeys` buckets; a group
 * forgotten (the least recently used first) starts again with a full burst.
 */
import { setNewest } from '../../util/bounded-map.js';

export interface FairShareOptions {
  /** What all groups together get per second. */
  readonly totalPerSec: number;
  /** Tokens one group may hold: what it may use at once after a quiet spell. */
  readonly burst: number;
  readonly maxKeys: number;
  readonly now?: (() => number) | undefined;
}

interface Bucket {
  level: number;
  lastMs: number;
}

export class FairShare {
  private readonly buckets = new Map<string, Bucket>();
  private readonly now: () => number;

  constructor(private readonly options: FairShareOptions) {
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.buckets.size;
  }

  /** Takes one token of `group`'s bucket, refilled at its share among `groups` groups; false when it is empty. */
  take(group: string, groups: number): boolean {
    const { totalPerSec, burst, maxKeys } = this.options;
    const now = this.now();
    const bucket = this.buckets.get(group) ?? { level: burst, lastMs: now };
    const elapsedMs = now - bucket.lastMs;
    // A clock that steps back adds nothing, and refilling resumes from the new reading (as TokenBucket: not frozen for the step's length).
    if (elapsedMs > 0) bucket.level = Math.min(burst, bucket.level + (elapsedMs * totalPerSec) / Math.max(1, groups) / 1000);
    bucket.lastMs = now;
    setNewest(this.buckets, group, bucket, maxKeys);
    if (bucket.level < 1) return false;
    bucket.level -= 1;
    return true;
  }
}
