/** Every bound of the /ws feed in one object (constants.ts has each one's reason); tests pass smaller ones. */
import {
  WS_DRAIN_POLL_MS,
  WS_DRAIN_WAIT_MS,
  WS_EVENT_BURST,
  WS_EVENT_FLUSH_MS,
  WS_EVENTS_PER_SEC,
  WS_MAX_BUFFERED_BYTES,
  WS_LOOPBACK_RESERVED_CLIENTS,
  WS_MAX_CLIENTS,
  WS_MAX_CLIENTS_PER_IP,
  WS_MAX_PAYLOAD_BYTES,
  WS_MAX_QUEUED_REQUESTS,
  WS_MAX_REFUSED_IN_A_ROW,
  WS_PING_INTERVAL_MS,
  WS_REMOTE_COST_BURST,
  WS_REMOTE_COST_UNITS_PER_SEC,
  WS_REQUEST_BURST,
  WS_REQUESTS_PER_SEC,
} from './constants.js';

export interface WsLimits {
  readonly maxClients: number;
  readonly maxClientsPerIp: number;
  readonly loopbackReservedClients: number;
  readonly maxPayloadBytes: number;
  readonly maxBufferedBytes: number;
  /** Cost units (cost.ts) per second, and at once. */
  readonly requestsPerSec: number;
  readonly requestBurst: number;
  /** Cost units per second (and at once) that all clients not on loopback share. */
  readonly remoteCostPerSec: number;
  readonly remoteCostBurst: number;
  readonly maxQueuedRequests: number;
  readonly drainPollMs: number;
  readonly drainWaitMs: number;
  readonly maxRefusedInARow: number;
  readonly eventsPerSec: number;
  readonly eventBurst: number;
  readonly eventFlushMs: number;
  readonly pingIntervalMs: number;
}

export const DEFAULT_WS_LIMITS: WsLimits = {
  maxClients: WS_MAX_CLIENTS,
  maxClientsPerIp: WS_MAX_CLIENTS_PER_IP,
  loopbackReservedClients: WS_LOOPBACK_RESERVED_CLIENTS,
  maxPayloadBytes: WS_MAX_PAYLOAD_BYTES,
  maxBufferedBytes: WS_MAX_BUFFERED_BYTES,
  requestsPerSec: WS_REQUESTS_PER_SEC,
  requestBurst: WS_REQUEST_BURST,
  remoteCostPerSec: WS_REMOTE_COST_UNITS_PER_SEC,
  remoteCostBurst: WS_REMOTE_COST_BURST,
  maxQueuedRequests: WS_MAX_QUEUED_REQUESTS,
  drainPollMs: WS_DRAIN_POLL_MS,
  drainWaitMs: WS_DRAIN_WAIT_MS,
  maxRefusedInARow: WS_MAX_REFUSED_IN_A_ROW,
  eventsPerSec: WS_EVENTS_PER_SEC,
  eventBurst: WS_EVENT_BURST,
  eventFlushMs: WS_EVENT_FLUSH_MS,
  pingIntervalMs: WS_PING_INTERVAL_MS,
};
