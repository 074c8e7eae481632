/**
 * Whom the automatic dialer tries, in what order, and whom it leaves alone for a while
 * (docs/scale.md defects 9–10; Bitcoin Core's ThreadOpenConnections and addrman's GetChance
 * are the model): addresses that failed or closed our session early cool down, nodes that only
 * ever contacted us come after the ones someone reached, and bootstrap nodes come last and
 * are kept only while we have few other outbound peers. Pure rules over plain values, so each
 * is testable without sockets.
 *
 * A cool-down is a preference, not a veto, for an address that worked before (Core's addrman
 * lowers a failed address's odds but still picks it when nothing better is left): a round with
 * slots still free after every other candidate redials a reached address whose dial failed.
 * Without that, nodes cut off from each other for longer than a dial round (a partition, a
 * router reboot) each put the other half's addresses on cool-down while the cut held, and after
 * the heal nobody dialled across for up to a minute (test/lab/partition.test.ts, long cut; 5
 * minutes where the lost session was younger than EARLY_CLOSE_MS, before a silent link's drop
 * stopped counting as an early close).
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
import type { DisconnectCode } from './resource-codes.js';
import { TimedEntries } from './timed-entries.js';
import type { DiscoveredNode } from './types.js';

/** Why an address cools down: its dial failed, or it closed our session soon after the connect. */
export type CooldownKind = 'failed-dial' | 'early-close';

interface Cooldown {
  readonly key: string;
  readonly untilMs: number;
  readonly kind: CooldownKind;
}

/**
 * Our own drops of a session whose link went silent (no pong, a frame stalled): a cut cable or a
 * partition, not the far end turning us away, so no reason for the early-close cool-down.
 */
const LINK_SILENT_CODES: ReadonlySet<DisconnectCode> = new Set(['ping-timeout', 'frame-timeout']);

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

  /** Why `key` is cooling down, or undefined when it is not. */
  kindOf(key: string): CooldownKind | undefined {
    return this.entries.get(key)?.kind;
  }

  /** A dial to `key` failed (no answer, refused). */
  dialFailed(key: string): void {
    this.hold(key, FAILED_DIAL_COOLDOWN_MS, 'failed-dial');
  }

  /**
   * An outbound session to `key` that connected at `connectedAtMs` ended, `code` set when we
   * dropped it for a resource reason. Early = evicted or refused by a full node, most likely; a
   * session that lasted is no reason to wait. Nor is one we dropped because its link went silent
   * (LINK_SILENT_CODES): the next round may dial it at once, and if the link is still down that
   * dial fails and the address cools down like any failed one. A session that never completed its
   * handshake in time was a failed dial.
   */
  sessionEnded(key: string, connectedAtMs: number, code?: DisconnectCode): void {
    if (code !== undefined && LINK_SILENT_CODES.has(code)) return;
    if (code === 'handshake-timeout') return this.dialFailed(key);
    if (this.nowMs() - connectedAtMs < EARLY_CLOSE_MS) this.hold(key, EARLY_CLOSE_COOLDOWN_MS, 'early-close');
  }

  private hold(key: string, durationMs: number, kind: CooldownKind): void {
    const untilMs = this.nowMs() + durationMs;
    // A shorter hold never cuts a longer one short (a failed redial of an address that evicted us).
    if ((this.entries.get(key)?.untilMs ?? 0) >= untilMs) return;
    this.entries.set({ key, untilMs, kind });
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

  has(key: string): boolean {
    return this.keys.has(key);
  }

  connectTimeoutMs(key: string): number {
    return this.keys.has(key) ? CONNECT_TIMEOUT_MS : FIRST_CONNECT_TIMEOUT_MS;
  }
}

/**
 * Whether a round's second pass — slots still free after every candidate off cool-down — may
 * dial `key` despite its cool-down: only a failed dial's (an address that turned us away early
 * stays alone), and only to an address that connected before in this run. One that never did is
 * most likely behind NAT (docs/scale.md defect 10) and keeps its full cool-down.
 */
export function mayRetryCooling(key: string, cooldowns: DialCooldowns, reached: ReachedAddresses): boolean {
  return cooldowns.kindOf(key) === 'failed-dial' && reached.has(key);
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
