/**
 * Finding partners for hole punching. As relay we list our ready peers nobody can dial (they
 * announced listenPort 0, or our own dial-back to them failed): facts we verified, not claims
 * of the asker. As a node behind a port-preserving NAT we ask our peers for such lists — every
 * second at first, since two NATed nodes usually come up together, then backing off to a
 * minute — and punch the ids we get, one direction only: the lower node id starts, so two
 * nodes never punch each other at the same time.
 */
import { randomInt } from 'node:crypto';
import type { Peer } from '../peer.js';
import { MAX_PUNCH_CANDIDATES } from '../wire/index.js';
import {
  CANDIDATE_POLL_FAST_ROUNDS,
  CANDIDATE_POLL_MAX_MS,
  CANDIDATE_POLL_MIN_MS,
  CANDIDATES_PER_PEER_BURST,
  CANDIDATES_PER_PEER_PER_SEC,
  MAX_PUNCH_BACKOFFS,
  PUNCH_BACKOFF_MS,
  PUNCH_MAX_BACKOFF_MS,
  RATE_LIMIT_KEYS,
} from './constants.js';
import type { TraversalPeers } from './deps.js';
import { KeyedLimits } from './keyed-limits.js';

export interface CandidateListOptions {
  readonly peers: TraversalPeers;
  /** Whether our dial-back to this node id failed recently. */
  readonly wasUnreachable: (idHex: string) => boolean;
  readonly now?: (() => number) | undefined;
}

/** The relay's side: answers get-punch-candidates, rate-limited per asker. */
export class CandidateList {
  private readonly limits: KeyedLimits;

  constructor(private readonly options: CandidateListOptions) {
    this.limits = new KeyedLimits({ ratePerSec: CANDIDATES_PER_PEER_PER_SEC, burst: CANDIDATES_PER_PEER_BURST, maxKeys: RATE_LIMIT_KEYS, now: options.now });
  }

  /** Our answer to `asker`, or undefined when it asks too often (it gets nothing). */
  answer(asker: Peer): Buffer[] | undefined {
    const askerId = asker.provenNodeId?.toString('hex');
    if (askerId === undefined || !this.limits.take(askerId)) return undefined;
    const { peers, wasUnreachable } = this.options;
    const ids: Buffer[] = [];
    for (const peer of peers.ready()) {
      const id = peer.provenNodeId;
      if (id === undefined || peer === asker || peers.isBanned(id.toString('hex'))) continue;
      if (peer.remoteHandshake?.listenPort === 0 || wasUnreachable(id.toString('hex'))) ids.push(id);
    }
    // A random pick when there are more: every candidate gets its chance across asks.
    for (let i = ids.length - 1; i > 0; i--) {
      const j = randomInt(i + 1);
      [ids[i], ids[j]] = [ids[j] as Buffer, ids[i] as Buffer];
    }
    return ids.slice(0, MAX_PUNCH_CANDIDATES);
  }
}

/** When to poll next: CANDIDATE_POLL_FAST_ROUNDS at the minimum, then doubling to the maximum. */
export function candidatePollDelayMs(round: number): number {
  if (round < CANDIDATE_POLL_FAST_ROUNDS) return CANDIDATE_POLL_MIN_MS;
  return Math.min(CANDIDATE_POLL_MAX_MS, CANDIDATE_POLL_MIN_MS * 2 ** (round - CANDIDATE_POLL_FAST_ROUNDS + 1));
}

/** Targets whose punch failed, left alone for a doubling while (bounded table). */
export class PunchBackoff {
  private readonly entries = new Map<string, { untilMs: number; delayMs: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  get size(): number {
    return this.entries.size;
  }

  isWaiting(idHex: string): boolean {
    const entry = this.entries.get(idHex);
    return entry !== undefined && entry.untilMs > this.now();
  }

  failed(idHex: string): void {
    const previous = this.entries.get(idHex);
    const delayMs = previous === undefined ? PUNCH_BACKOFF_MS : Math.min(PUNCH_MAX_BACKOFF_MS, previous.delayMs * 2);
    this.entries.delete(idHex);
    this.entries.set(idHex, { untilMs: this.now() + delayMs, delayMs });
    while (this.entries.size > MAX_PUNCH_BACKOFFS) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  succeeded(idHex: string): void {
    this.entries.delete(idHex);
  }
}
