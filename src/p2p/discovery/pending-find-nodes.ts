import { LATE_PONG_GRACE_MS, MAX_LATE_PINGS } from './constants.js';
import { type Clock, SYSTEM_CLOCK, type TimerHandle } from '../../util/clock.js';
import type { NeighbourNode } from './payloads.js';
import { addressKey } from './pending-pings.js';

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
