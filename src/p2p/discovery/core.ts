import type { EndpointProofs } from './endpoint-proofs.js';
import type { Introduction } from './introduction.js';
import type { NodeTable } from './node-table.js';
import type { PendingFindNodes } from './pending-find-nodes.js';
import type { PendingPings } from './pending-pings.js';
import type { PingWaiters } from './ping-waiters.js';
import type { DiscoveryTransport, Remote } from './transport.js';

/**
 * The state the service's packet handlers and its lookup queries share (one instance of each per
 * service): the socket, the table, the endpoint proofs, our outstanding requests, and the
 * service's ping.
 */
export interface DiscoveryCore {
  readonly transport: DiscoveryTransport;
  readonly table: NodeTable;
  readonly proofs: EndpointProofs;
  readonly pings: PendingPings;
  readonly findNodes: PendingFindNodes;
  readonly pingWaiters: PingWaiters;
  /** The service's ping (deduplicated per address, counts failures of table entries). */
  ping(remote: Remote, expectedId?: Buffer, tcpHint?: number, intro?: Introduction): Promise<boolean>;
}
