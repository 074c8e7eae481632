import { TokenBucket } from '../rate-limit.js';
import { KeyedLimits } from '../traversal/keyed-limits.js';
import { MAX_BUDGET_SENDERS, MAX_INBOUND_REQUESTS_PER_SEC, MAX_REQUESTS_PER_SENDER_PER_SEC } from './constants.js';

/** Why a request was not served: the node's work budget is spent, or this sender used its share. */
export type BudgetVerdict = 'ok' | 'shed' | 'sender-rate';

export interface InboundBudgetOptions {
  /** Requests (ping, find-node) served per second by the whole node; one second's worth may come at once. */
  readonly requestsPerSec?: number;
  /** Requests per second from one sender address (ip:port); twice that may come at once. */
  readonly perSenderPerSec?: number;
  readonly maxSenders?: number;
  readonly nowMs?: () => number;
}

/**
 * Bounded work per second for inbound requests, decided before the ECDSA verify (the expensive
 * part). A bootstrap hit by a burst answers what its budget allows and drops the rest, which the
 * senders' thin-table retries (backing off, with jitter) bring back later; answering everything
 * instead only queued the answers past the senders' timeouts. The per-sender share is keyed by
 * ip:port, not by IP: behind one CGNAT address sit many innocent nodes, and one of them flooding
 * must use up its own share only.
 */
export class InboundBudget {
  private readonly total: TokenBucket;
  private readonly perSender: KeyedLimits;

  constructor(options: InboundBudgetOptions = {}) {
    const ratePerSec = options.requestsPerSec ?? MAX_INBOUND_REQUESTS_PER_SEC;
    const perSender = options.perSenderPerSec ?? MAX_REQUESTS_PER_SENDER_PER_SEC;
    const now = options.nowMs;
    this.total = new TokenBucket({ ratePerSec, burst: Math.max(1, ratePerSec), ...(now ? { now } : {}) });
    this.perSender = new KeyedLimits({ ratePerSec: perSender, burst: Math.max(1, 2 * perSender), maxKeys: options.maxSenders ?? MAX_BUDGET_SENDERS, now });
  }

  /** Senders with a share being tracked (bounded by maxSenders). */
  get senders(): number {
    return this.perSender.size;
  }

  /** Takes one request's worth of work for a packet from ip:port. */
  admit(ip: string, port: number): BudgetVerdict {
    if (!this.perSender.take(`${ip}:${port}`)) return 'sender-rate';
    return this.total.take() ? 'ok' : 'shed';
  }
}
