import { LATE_PONG_GRACE_MS, MAX_LATE_PINGS } from './constants.js';
import { type Clock, SYSTEM_CLOCK, type TimerHandle } from '../../util/clock.js';
import { FOUND, type Introduction } from './introduction.js';

/**
 * Our outstanding pings (with pending-find-nodes.ts and ping-waiters.ts, the outstanding requests
 * of the discovery service). A reply is accepted only if it matches one of these: that is what
 * makes unsolicited pongs and neighbours packets harmless.
 * Every request ends (resolves) on its reply, on its timeout, or on clear() at stop.
 */

/** The key of a request's address ("ip:port"). */
export function addressKey(ip: string, port: number): string {
  return `${ip}:${port}`;
}

interface PendingPing {
  readonly address: string;
  readonly expectedId: Buffer | undefined;
  /** TCP port we believe the node has (a neighbours entry), used until its own ping tells us. */
  readonly tcpHint: number | undefined;
  /** Why we pinged: how the node enters the table if its pong admits it (a known entry keeps its own). */
  readonly intro: Introduction;
  readonly sentAtMs: number;
  readonly done: Promise<boolean>;
  readonly resolve: (answered: boolean) => void;
  readonly timer: TimerHandle;
}

export interface PongMatch {
  readonly tcpHint: number | undefined;
  readonly intro: Introduction;
  /** It came after the ping had timed out (the ping's promise already said false). */
  readonly late: boolean;
}

interface LatePing {
  readonly address: string;
  readonly expectedId: Buffer | undefined;
  readonly tcpHint: number | undefined;
  readonly intro: Introduction;
  readonly sentAtMs: number;
}

/** Our pings awaiting a pong, by ping hash; at most one per address. */
export class PendingPings {
  private readonly byHash = new Map<string, PendingPing>();
  private readonly byAddress = new Map<string, PendingPing>();
  /** Timed-out pings whose pong may still come (oldest first), by ping hash. */
  private readonly late = new Map<string, LatePing>();
  private latePongCount = 0;

  constructor(
    private readonly nowMs: () => number,
    private readonly timeoutMs: number,
    private readonly lateGraceMs = LATE_PONG_GRACE_MS,
    private readonly maxLate = MAX_LATE_PINGS,
    private readonly clock: Clock = SYSTEM_CLOCK,
  ) {}

  /** Timed-out pings still waiting for a late pong (bounded by maxLate). */
  get lateSize(): number {
    return this.late.size;
  }

  /** Pongs accepted after their ping's timeout, since start. */
  get latePongs(): number {
    return this.latePongCount;
  }

  get size(): number {
    return this.byHash.size;
  }

  /** The answer promise of a ping already in flight to this address, if any. */
  inFlight(ip: string, port: number): Promise<boolean> | undefined {
    return this.byAddress.get(addressKey(ip, port))?.done;
  }

  /** The node a ping in flight to this address expects: undefined when none is in flight, null when it expects no one in particular. */
  inFlightExpecting(ip: string, port: number): Buffer | null | undefined {
    const entry = this.byAddress.get(addressKey(ip, port));
    return entry === undefined ? undefined : (entry.expectedId ?? null);
  }

  add(hash: Buffer, ip: string, port: number, expectedId: Buffer | undefined, tcpHint: number | undefined, intro: Introduction = FOUND): Promise<boolean> {
    const key = hash.toString('hex');
    let resolve: (answered: boolean) => void = () => {};
    const done = new Promise<boolean>((r) => (resolve = r));
    const timer = this.clock.setTimeout(() => this.expire(key), this.timeoutMs);
    const entry: PendingPing = { address: addressKey(ip, port), expectedId, tcpHint, intro, sentAtMs: this.nowMs(), done, resolve, timer };
    this.byHash.set(key, entry);
    this.byAddress.set(entry.address, entry);
    return done;
  }

  /**
   * Matches a pong to a ping of ours to that very address (and node, if we knew its id) sent
   * within the timeout; undefined when it answers nothing we asked.
   */
  matchPong(pingHash: Buffer, ip: string, port: number, senderId: Buffer): PongMatch | undefined {
    const key = pingHash.toString('hex');
    const entry = this.byHash.get(key) ?? this.late.get(key);
    if (entry === undefined || entry.address !== addressKey(ip, port)) return undefined;
    if (entry.expectedId !== undefined && !entry.expectedId.equals(senderId)) return undefined;
    const ageMs = this.nowMs() - entry.sentAtMs;
    if (this.late.delete(key)) {
      if (ageMs > this.lateGraceMs) return undefined;
      this.latePongCount++;
      return { tcpHint: entry.tcpHint, intro: entry.intro, late: true };
    }
    // Past the timeout but its timer has not run yet (a busy event loop): the answer is real.
    this.finish(key, true);
    if (ageMs > this.timeoutMs) this.latePongCount++;
    return { tcpHint: entry.tcpHint, intro: entry.intro, late: ageMs > this.timeoutMs };
  }

  clear(): void {
    for (const key of [...this.byHash.keys()]) this.finish(key, false);
    this.late.clear();
  }

  /** The ping timed out: it counts as unanswered, and a pong within the grace still proves the endpoint. */
  private expire(key: string): void {
    const entry = this.byHash.get(key);
    if (entry === undefined) return;
    this.finish(key, false);
    this.late.set(key, { address: entry.address, expectedId: entry.expectedId, tcpHint: entry.tcpHint, intro: entry.intro, sentAtMs: entry.sentAtMs });
    while (this.late.size > this.maxLate) {
      const oldest = this.late.keys().next();
      if (oldest.done === true) break;
      this.late.delete(oldest.value);
    }
    const cutoffMs = this.nowMs() - this.lateGraceMs;
    for (const [k, late] of this.late) {
      if (late.sentAtMs >= cutoffMs) break; // insertion order is timeout order, so the rest are newer
      this.late.delete(k);
    }
  }

  private finish(key: string, answered: boolean): void {
    const entry = this.byHash.get(key);
    if (entry === undefined) return;
    this.clock.clear(entry.timer);
    this.byHash.delete(key);
    if (this.byAddress.get(entry.address) === entry) this.byAddress.delete(entry.address);
    entry.resolve(answered);
  }
}
