/**
 * Whom the automatic dialer tries, in what order, and whom it leaves alone for a while
 * (docs/scale.md defects 9–10; Bitcoin Core's ThreadOpenConnections and addrman's GetChance
 * are the model): addresses that failed or closed our session early cool down, nodes that only
 * ever contacted us come after the ones someone reached, and bootstrap nodes come last and
 * are kept only while we have few other outbound peers. Pure rules over plain values, so each
 * is testable without sockets.
 */
import {
  BOOTSTRAP_RELEASE_OUTBOUND,
  CONNECT_TIMEOUT_MS,
  FIRST_CONNECT_TIMEOUT_MS,
  MAX_REACHED_ADDRESSES,
  EARLY_CLOSE_COOLDOWN_MS,
  EARLY_CLOSE_MS,
  FAILED_DIAL_COOLDOWN_MS,
  MAX_DIAL_COOLDOWN_ENTRIES,
} from './constants.js';
import { TimedEntries } from './timed-entries.js';
import type { DiscoveredNode } from './types.js';

interface Cooldown {
  readonly key: string;
  readonly untilMs: number;
}

/** Addresses ("ip:port") the automatic dialer skips until their time is up; bounded, the oldest forgotten first. */
export class DialCooldowns {
  private readonly entries: TimedEntries<Cooldown>;

  constructor(
    private readonly nowMs: () => number,
    private readonly maxEntries: number = MAX_DIAL_COOLDOWN_ENTRIES,
  ) {
    this.entries = new TimedEntries(nowMs);
  }

  get size(): number {
    return this.entries.size;
  }

  isCooling(key: string): boolean {
    return this.entries.isLive(key);
  }

  /** A dial to `key` failed (no answer, refused). */
  dialFailed(key: string): void {
    this.hold(key, FAILED_DIAL_COOLDOWN_MS);
  }

  /**
   * An outbound session to `key` that connected at `connectedAtMs` ended: early = evicted or
   * refused by a full node, most likely; a session that lasted is no reason to wait.
   */
  sessionEnded(key: string, connectedAtMs: number): void {
    if (this.nowMs() - connectedAtMs < EARLY_CLOSE_MS) this.hold(key, EARLY_CLOSE_COOLDOWN_MS);
  }

  private hold(key: string, durationMs: number): void {
    const untilMs = this.nowMs() + durationMs;
    // A shorter hold never cuts a longer one short (a failed redial of an address that evicted us).
    if ((this.entries.get(key)?.untilMs ?? 0) >= untilMs) return;
    this.entries.set({ key, untilMs });
    this.entries.trim(this.maxEntries);
  }
}

/**
 * Addresses ("ip:port") whose dial connected in this run: they get the full CONNECT_TIMEOUT_MS,
 * any other address FIRST_CONNECT_TIMEOUT_MS. Bounded, the oldest forgotten first.
 */
export class ReachedAddresses {
  private readonly keys = new Set<string>();

  constructor(private readonly maxEntries: number = MAX_REACHED_ADDRESSES) {}

  get size(): number {
    return this.keys.size;
  }

  connected(key: string): void {
    this.keys.delete(key); // renewed: now the youngest
    this.keys.add(key);
    for (const oldest of this.keys) {
      if (this.keys.size <= this.maxEntries) break;
      this.keys.delete(oldest);
    }
  }

  connectTimeoutMs(key: string): number {
    return this.keys.has(key) ? CONNECT_TIMEOUT_MS : FIRST_CONNECT_TIMEOUT_MS;
  }
}

/** Dial order: 0 someone reached it (or we did), 1 it only contacted us (maybe behind NAT), 2 a bootstrap node. */
export function dialRank(node: DiscoveredNode, isBootstrap: boolean): number {
  if (isBootstrap) return 2;
  return node.unsolicited === true ? 1 : 0;
}

/** Candidates in dial order (stable: the source's own order within a rank). */
export function inDialOrder(nodes: readonly DiscoveredNode[], isBootstrap: (node: DiscoveredNode) => boolean): DiscoveredNode[] {
  return nodes
    .map((node, i) => ({ node, i, rank: dialRank(node, isBootstrap(node)) }))
    .sort((a, b) => a.rank - b.rank || a.i - b.i)
    .map((c) => c.node);
}

/** Whether a bootstrap node may be (or stay) an outbound peer next to `otherReadyOutbound` other ready outbound peers. */
export function bootstrapWanted(otherReadyOutbound: number, releaseAt: number = BOOTSTRAP_RELEASE_OUTBOUND): boolean {
  return otherReadyOutbound < releaseAt;
}
