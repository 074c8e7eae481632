/**
 * A token bucket: `burst` tokens at most, refilled at `ratePerSec`. Per-peer limits on what a
 * message may make us do (announcements, served items, rejects) are built from it. The clock is
 * injectable so tests drive time by hand.
 */
export interface TokenBucketOptions {
  /** Tokens added per second. */
  readonly ratePerSec: number;
  /** Capacity, and the starting level: a fresh peer may use a full burst at once. */
  readonly burst: number;
  /** Milliseconds; defaults to Date.now. */
  readonly now?: () => number;
}

export class TokenBucket {
  private readonly ratePerMs: number;
  private readonly burst: number;
  private readonly now: () => number;
  private level: number;
  private lastMs: number;

  constructor(options: TokenBucketOptions) {
    if (!(options.ratePerSec >= 0) || !(options.burst > 0)) {
      throw new RangeError(`a token bucket needs a rate >= 0 and a burst > 0 (got ${options.ratePerSec}/s, burst ${options.burst})`);
    }
    this.ratePerMs = options.ratePerSec / 1000;
    this.burst = options.burst;
    this.now = options.now ?? Date.now;
    this.level = options.burst;
    this.lastMs = this.now();
  }

  /** Tokens available now (fractional). */
  get available(): number {
    this.refill();
    return this.level;
  }

  /** Refilled to its burst: in the state a fresh bucket starts in, so it may be forgotten and made again. */
  get full(): boolean {
    this.refill();
    return this.level >= this.burst;
  }

  /** Takes `count` tokens if all are there; otherwise takes none and returns false. */
  take(count = 1): boolean {
    this.refill();
    if (this.level < count) return false;
    this.level -= count;
    return true;
  }

  /** Takes as many of `count` whole tokens as are there; returns how many it took. */
  takeUpTo(count: number): number {
    this.refill();
    const granted = Math.max(0, Math.min(count, Math.floor(this.level)));
    this.level -= granted;
    return granted;
  }

  private refill(): void {
    const now = this.now();
    const elapsed = now - this.lastMs;
    // A clock that steps back adds nothing, and refilling resumes from the new reading: kept at
    // the old one, every limit built on a bucket would stay frozen for as long as the step (an
    // NTP step of an hour: an hour of serving nothing past the burst). What a later forward step
    // over-credits is capped by the burst.
    if (elapsed > 0) this.level = Math.min(this.burst, this.level + elapsed * this.ratePerMs);
    this.lastMs = now;
  }
}
