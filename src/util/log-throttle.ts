import { setNewest } from './bounded-map.js';
import type { Logger } from './logger.js';

/**
 * Says whether a repeated event deserves a warn line again: once per key per interval. Every
 * refused inbound connection is worth one warning with its reason, but a stranger reconnecting
 * in a loop must not be able to flood the log (the repeats go to debug). Bounded: the key seen
 * least recently is forgotten first.
 */
export class LogThrottle {
  /** Insertion order = recency: the first key is the stalest. */
  private readonly lastWarnedMs = new Map<string, number>();

  constructor(
    private readonly maxKeys: number,
    private readonly intervalMs: number,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** True the first time `key` is seen in `intervalMs` (and records it). */
  shouldWarn(key: string): boolean {
    const now = this.nowMs();
    const last = this.lastWarnedMs.get(key);
    if (last !== undefined && now - last < this.intervalMs) return false;
    setNewest(this.lastWarnedMs, key, now, this.maxKeys);
    return true;
  }

  get size(): number {
    return this.lastWarnedMs.size;
  }
}

/**
 * A warn line for a refusal anyone on the network can cause (a request without the cookie, a
 * foreign Host, a full /ws): the first of its kind in `intervalMs` is a warning, the rest are
 * debug, and the next warning says how many went to debug meanwhile. Keyed by kind, not by
 * address: a thousand addresses must not buy a thousand warnings either.
 */
export class RefusalLog {
  private readonly throttle: LogThrottle;
  /** Per kind: refusals logged at debug since its last warning (bounded by the throttle's kinds). */
  private readonly quiet = new Map<string, number>();

  constructor(
    private readonly logger: Logger,
    maxKinds: number,
    intervalMs: number,
    nowMs: () => number = Date.now,
  ) {
    this.throttle = new LogThrottle(maxKinds, intervalMs, nowMs);
  }

  refused(kind: string, fields: Record<string, unknown>, message: string): void {
    if (this.throttle.shouldWarn(kind)) {
      const since = this.quiet.get(kind) ?? 0;
      this.quiet.delete(kind);
      this.logger.warn(since > 0 ? { ...fields, alsoRefusedSinceLastWarning: since } : fields, message);
      return;
    }
    if (this.quiet.has(kind) || this.quiet.size < MAX_QUIET_KINDS) this.quiet.set(kind, (this.quiet.get(kind) ?? 0) + 1);
    this.logger.debug(fields, message);
  }
}

/** Kinds are a handful of fixed strings per caller; this only guards against a caller keying by something unbounded. */
const MAX_QUIET_KINDS = 64;
