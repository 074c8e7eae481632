import { LATE_PONG_GRACE_MS, MAX_LATE_PINGS } from './constants.js';
import { type Clock, SYSTEM_CLOCK, type TimerHandle } from '../../util/clock.js';
import { FOUND, type Introduction } from './introduction.js';
import type { NeighbourNode } from './payloads.js';

/**
 * Outstanding requests of the discovery service. A reply is accepted only if it matches one of
 * these: that is what makes unsolicited pongs and neighbours packets harmless.
 * Every request ends (resolves) on its reply, on its timeout, or on clear() at stop.
 */

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

interface PendingFindNode {
  readonly nodes: NeighbourNode[];
  /** Some neighbours packet arrived (an empty one is a real answer: "I know nobody"). */
  answered: boolean;
  readonly done: Promise<NeighbourNode[] | undefined>;
  readonly resolve: (nodes: NeighbourNode[] | undefined) => void;
  timer: TimerHandle;
}

/**
 * Our find-node requests awaiting neighbours, by node id and address. An answer may span several
 * datagrams; it is complete when `maxNodes` entries arrived or a packet says it is the last.
 */
export class PendingFindNodes {
  private readonly pending = new Map<string, PendingFindNode>();
  /** Requests that timed out unanswered → when: a neighbours packet within the grace is a late answer (oldest first). */
  private readonly late = new Map<string, number>();

  constructor(
    private readonly timeoutMs: number,
    private readonly maxNodes: number,
    private readonly nowMs: () => number = Date.now,
    private readonly lateGraceMs = LATE_PONG_GRACE_MS,
    private readonly maxLate = MAX_LATE_PINGS,
    private readonly clock: Clock = SYSTEM_CLOCK,
  ) {}

  /**
   * A neighbours packet that matched nothing: true (once) when it answers a request of ours to
   * that node that timed out within the grace — the node is alive, only slow (or we were).
   */
  lateAnswer(nodeId: Buffer, ip: string, port: number): boolean {
    const key = this.key(nodeId, ip, port);
    const timedOutMs = this.late.get(key);
    if (timedOutMs === undefined) return false;
    this.late.delete(key);
    return this.nowMs() - timedOutMs <= this.lateGraceMs;
  }

  has(nodeId: Buffer, ip: string, port: number): boolean {
    return this.pending.has(this.key(nodeId, ip, port));
  }

  /**
   * A neighbours packet does not say which target it answers, so there is one request per node
   * at a time: this resolves when the outstanding one (if any) has ended.
   */
  async idle(nodeId: Buffer, ip: string, port: number): Promise<void> {
    const key = this.key(nodeId, ip, port);
    for (let entry = this.pending.get(key); entry !== undefined; entry = this.pending.get(key)) await entry.done;
  }

  /** Resolves with the entries received, or undefined if nothing arrived in time. Call idle() first. */
  add(nodeId: Buffer, ip: string, port: number): Promise<NeighbourNode[] | undefined> {
    const key = this.key(nodeId, ip, port);
    this.finish(key); // only reached when the caller skipped idle(): the newer request wins
    let resolve: (nodes: NeighbourNode[] | undefined) => void = () => {};
    const done = new Promise<NeighbourNode[] | undefined>((r) => (resolve = r));
    const timer = this.clock.setTimeout(() => this.expire(key), this.timeoutMs);
    this.late.delete(key);
    this.pending.set(key, { nodes: [], answered: false, done, resolve, timer });
    return done;
  }

  /**
   * The outstanding request to that node was sent again (the first one was dropped as unproven):
   * its timeout starts over, so the two extra legs (its ping-back, our pong and the resend) do not
   * eat the answer's time.
   */
  rearm(nodeId: Buffer, ip: string, port: number): void {
    const key = this.key(nodeId, ip, port);
    const entry = this.pending.get(key);
    if (entry === undefined) return;
    this.clock.clear(entry.timer);
    entry.timer = this.clock.setTimeout(() => this.expire(key), this.timeoutMs);
  }

  /** False when no find-node of ours to that node is outstanding (the packet must be dropped). */
  deliver(nodeId: Buffer, ip: string, port: number, nodes: readonly NeighbourNode[], last: boolean): boolean {
    const key = this.key(nodeId, ip, port);
    const entry = this.pending.get(key);
    if (entry === undefined) return false;
    entry.answered = true;
    for (const node of nodes) {
      if (entry.nodes.length >= this.maxNodes) break;
      entry.nodes.push(node);
    }
    if (last || entry.nodes.length >= this.maxNodes) this.finish(key);
    return true;
  }

  clear(): void {
    for (const key of [...this.pending.keys()]) this.finish(key);
    this.late.clear();
  }

  private expire(key: string): void {
    const entry = this.pending.get(key);
    if (entry === undefined) return;
    const unanswered = !entry.answered;
    this.finish(key);
    if (!unanswered) return;
    this.late.set(key, this.nowMs());
    while (this.late.size > this.maxLate) {
      const oldest = this.late.keys().next();
      if (oldest.done === true) break;
      this.late.delete(oldest.value);
    }
  }

  private key(nodeId: Buffer, ip: string, port: number): string {
    return `${nodeId.toString('hex')}@${addressKey(ip, port)}`;
  }

  /** A request that got at least one packet counts as answered even if it timed out waiting for more. */
  private finish(key: string): void {
    const entry = this.pending.get(key);
    if (entry === undefined) return;
    this.clock.clear(entry.timer);
    this.pending.delete(key);
    entry.resolve(entry.answered ? entry.nodes : undefined);
  }
}

/** Callers waiting for a node to ping us (its ping-back after our ping completes the bond). */
export class PingWaiters {
  private readonly waiters = new Map<string, Array<(pinged: boolean) => void>>();
  private readonly listeners = new Map<string, Array<() => void>>();

  constructor(private readonly clock: Clock = SYSTEM_CLOCK) {}

  /** Resolves true when `notify(nodeId)` comes within timeoutMs, false otherwise. */
  wait(nodeId: Buffer, timeoutMs: number): Promise<boolean> {
    const key = nodeId.toString('hex');
    return new Promise((resolve) => {
      const list = this.waiters.get(key) ?? [];
      this.waiters.set(key, list);
      const timer = this.clock.setTimeout(() => done(false), timeoutMs);
      const done = (pinged: boolean): void => {
        this.clock.clear(timer);
        const current = this.waiters.get(key);
        const at = current?.indexOf(done) ?? -1;
        if (current !== undefined && at >= 0) {
          current.splice(at, 1);
          if (current.length === 0) this.waiters.delete(key);
        }
        resolve(pinged);
      };
      list.push(done);
    });
  }

  /** Calls `listener` on every ping from nodeId until the returned function is called. */
  subscribe(nodeId: Buffer, listener: () => void): () => void {
    const key = nodeId.toString('hex');
    const list = this.listeners.get(key) ?? [];
    list.push(listener);
    this.listeners.set(key, list);
    return () => {
      const current = this.listeners.get(key) ?? [];
      const at = current.indexOf(listener);
      if (at >= 0) current.splice(at, 1);
      if (current.length === 0) this.listeners.delete(key);
    };
  }

  notify(nodeId: Buffer): void {
    const key = nodeId.toString('hex');
    for (const listener of [...(this.listeners.get(key) ?? [])]) listener();
    for (const done of [...(this.waiters.get(key) ?? [])]) done(true);
  }

  clear(): void {
    for (const list of [...this.waiters.values()]) for (const done of [...list]) done(false);
    this.listeners.clear();
  }
}
