import {
  FAILED_ATTEMPT_CHANCE,
  HORIZON_MS,
  MAX_FAILURES,
  MAX_FUTURE_LAST_SEEN_MS,
  MAX_PENALISED_ATTEMPTS,
  MIN_FAIL_MS,
  RECENT_TRY_CHANCE,
  RECENT_TRY_GRACE_MS,
  RECENT_TRY_PENALTY_MS,
  RETRIES_WITHOUT_SUCCESS,
} from './constants.js';

/** A dialable address: the TCP endpoint and the node id last seen there (hex). */
export interface PeerAddress {
  readonly nodeId: string;
  readonly ip: string;
  readonly tcpPort: number;
}

/** One row of the address table (Core's AddrInfo). Times are ms since the epoch; 0 = never. */
export interface AddressEntry extends PeerAddress {
  nodeId: string;
  /** The IP that told us of it: the address itself when it announced its own endpoint. */
  readonly source: string;
  lastSeenMs: number;
  lastTriedMs: number;
  lastSuccessMs: number;
  /** Dial attempts since the last success. */
  attempts: number;
  /** In the tried table (a verified outbound handshake completed), else in the new one. */
  tried: boolean;
}

export function addressKey(ip: string, tcpPort: number): string {
  return `${ip}:${tcpPort}`;
}

/** Core's IsTerrible: not worth keeping when room is needed (evicted first). */
export function isTerrible(entry: AddressEntry, nowMs: number): boolean {
  if (entry.lastTriedMs > 0 && nowMs - entry.lastTriedMs < RECENT_TRY_GRACE_MS) return false;
  if (entry.lastSeenMs > nowMs + MAX_FUTURE_LAST_SEEN_MS) return true;
  if (nowMs - entry.lastSeenMs > HORIZON_MS) return true;
  if (entry.lastSuccessMs === 0 && entry.attempts >= RETRIES_WITHOUT_SUCCESS) return true;
  return nowMs - entry.lastSuccessMs > MIN_FAIL_MS && entry.attempts >= MAX_FAILURES;
}

/** Core's GetChance: relative odds of being picked for a dial; recent tries and failures lower them. */
export function selectionChance(entry: AddressEntry, nowMs: number): number {
  let chance = 1;
  if (entry.lastTriedMs > 0 && nowMs - entry.lastTriedMs < RECENT_TRY_PENALTY_MS) chance *= RECENT_TRY_CHANCE;
  return chance * FAILED_ATTEMPT_CHANCE ** Math.min(entry.attempts, MAX_PENALISED_ATTEMPTS);
}
