import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { DiscoveredNode } from '../types.js';
import {
  BOND_WAIT_MS,
  BOOTSTRAP_RETRY_INTERVAL_MS,
  BUCKET_REFRESH_INTERVAL_MS,
  ENDPOINT_PROOF_TTL_MS,
  FIND_NODE_TIMEOUT_MS,
  PING_TIMEOUT_MS,
  REVALIDATE_INTERVAL_MS,
  SEED_LOOKUP_SPACING_MS,
  THIN_TABLE_RETRY_MIN_MS,
} from './constants.js';
import type { DatagramSocketFactory } from './datagram-socket.js';
import type { NodeKey } from './node-key.js';
import type { PacketSigner } from './packet.js';
import type { RandomSource } from './random-source.js';

/** Every timer of the service; production uses the constants, tests shorten them. */
export interface DiscoveryTiming {
  readonly pingTimeoutMs: number;
  readonly findNodeTimeoutMs: number;
  readonly bondWaitMs: number;
  readonly refreshIntervalMs: number;
  /** First retry delay of the self-lookup while the table is thin (doubles up to refreshIntervalMs). */
  readonly thinTableRetryMinMs: number;
  /** Between the table's seeding lookups (SEED_LOOKUP_SPACING_MS, jittered down to half). */
  readonly seedLookupSpacingMs: number;
  readonly revalidateIntervalMs: number;
  readonly bootstrapRetryIntervalMs: number;
  readonly endpointProofTtlMs: number;
}

export const DEFAULT_DISCOVERY_TIMING: DiscoveryTiming = {
  pingTimeoutMs: PING_TIMEOUT_MS,
  findNodeTimeoutMs: FIND_NODE_TIMEOUT_MS,
  bondWaitMs: BOND_WAIT_MS,
  refreshIntervalMs: BUCKET_REFRESH_INTERVAL_MS,
  thinTableRetryMinMs: THIN_TABLE_RETRY_MIN_MS,
  seedLookupSpacingMs: SEED_LOOKUP_SPACING_MS,
  revalidateIntervalMs: REVALIDATE_INTERVAL_MS,
  bootstrapRetryIntervalMs: BOOTSTRAP_RETRY_INTERVAL_MS,
  endpointProofTtlMs: ENDPOINT_PROOF_TTL_MS,
};

export interface BootstrapAddress {
  /** IP address or host name (resolved once at start). */
  readonly host: string;
  /** Its UDP discovery port. */
  readonly port: number;
}

export interface AdvertisedEndpoint {
  readonly ip: string;
  readonly udpPort: number;
  readonly tcpPort: number;
}

export interface DiscoveryOptions {
  readonly nodeKey: NodeKey;
  /** Default '0.0.0.0'; an IPv6 address (e.g. '::') makes a dual-stack udp6 socket. */
  readonly bindHost?: string;
  /** UDP port to bind; 0 (the default) = ephemeral, see `Discovery.udpPort` after start. */
  readonly udpPort?: number;
  /** The TCP port peers should dial; it travels in our signed pings. */
  readonly tcpPort: number;
  /** IP to put in our pings' `from` (NAT sets it later through setAdvertisedEndpoint). */
  readonly advertisedIp?: string;
  readonly bootstrap?: readonly BootstrapAddress[];
  readonly logger: Logger;
  readonly nowMs?: () => number;
  /** Time and timers; default the system clock (the simulator passes a virtual one). */
  readonly clock?: Clock;
  /** Default: a real UDP socket (the simulator passes its network). */
  readonly socketFactory?: DatagramSocketFactory;
  /** Default: secp256k1 signatures (only the simulator passes a stand-in). */
  readonly signer?: PacketSigner;
  /** Refresh targets, revalidation picks and retry jitter; default the OS CSPRNG (the simulator passes a seeded source per node). */
  readonly random?: RandomSource;
  readonly timing?: Partial<DiscoveryTiming>;
  /** Kademlia k (entries per bucket, nodes per answer); tests use a small one to fill buckets. */
  readonly bucketSize?: number;
  /** Inbound requests served per second (MAX_INBOUND_REQUESTS_PER_SEC by default); tests make a bootstrap shed load with a small one. */
  readonly inboundRequestsPerSec?: number;
  /** Aborting it stops the service (same as stop()). */
  readonly signal?: AbortSignal;
}

export interface DiscoveryEvents {
  /** A node entered the routing table (or a table entry's endpoint changed). */
  'node:verified': [node: DiscoveredNode];
  /** A node left the table: evicted for a live newcomer's place, or it stopped answering. */
  'node:removed': [node: DiscoveredNode];
  /** A node we pinged saw our UDP packet come from ip:port (our discovery socket's port is `localPort`). */
  observed: [observation: { observerId: Buffer; observerIp: string; ip: string; port: number; localPort: number }];
}
