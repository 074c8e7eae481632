import { PortAnnouncer } from './announce.js';
import { type Endpoint, ipToBytes } from './endpoint.js';
import { INBOUND, type Introduction } from './introduction.js';
import type { NodeTable } from './node-table.js';
import type { PendingPings } from './pending-pings.js';
import type { AdvertisedEndpoint } from './service-options.js';
import type { Remote } from './transport.js';

export interface OwnEndpointDeps {
  /** The IP our pings claim until NAT tells us better (DiscoveryOptions.advertisedIp, else the bind host). */
  readonly ip: string;
  /** The TCP port others dial until NAT tells us better (DiscoveryOptions.tcpPort). */
  readonly tcpPort: number;
  readonly table: NodeTable;
  readonly pings: PendingPings;
  /** The UDP port we are bound to (0 before start): claimed unless NAT gave an external one. */
  boundPort(): number;
  /** A change before start (or after stop) is only remembered, not announced. */
  isRunning(): boolean;
  /** The service's ping (deduplicated per address, counts failures of table entries). */
  ping(remote: Remote, expectedId?: Buffer, tcpHint?: number, intro?: Introduction): Promise<boolean>;
}

/**
 * Our endpoint as our pings advertise it, and telling the nodes that hold it when its TCP port
 * changes (PortAnnouncer says who and why).
 */
export class OwnEndpoint {
  private advertised: { ip: string; udpPort: number | undefined; tcpPort: number };
  private readonly announcer = new PortAnnouncer();

  constructor(private readonly deps: OwnEndpointDeps) {
    this.advertised = { ip: deps.ip, udpPort: undefined, tcpPort: deps.tcpPort };
  }

  /** What our pings claim as `from` (the TCP port is what others dial). */
  get local(): Endpoint {
    return { ip: this.advertised.ip, udpPort: this.advertised.udpPort ?? this.deps.boundPort(), tcpPort: this.advertised.tcpPort };
  }

  /** NAT learned our external address: advertise it from now on. */
  set(endpoint: AdvertisedEndpoint): void {
    ipToBytes(endpoint.ip); // throws RangeError for something that is not an IP
    const tcpChanged = endpoint.tcpPort !== this.advertised.tcpPort;
    this.advertised = { ip: endpoint.ip, udpPort: endpoint.udpPort, tcpPort: endpoint.tcpPort };
    if (tcpChanged && this.deps.isRunning()) this.announceTcpPort();
  }

  /** Our ping (carrying our current TCP port) went to `remote`: it is told if the port changes. */
  pinging(remote: Remote, id: Buffer | undefined): void {
    this.announcer.pinging(remote, id);
  }

  /** Our TCP port changed: ping each node that holds the old one once (PortAnnouncer says who and why). */
  private announceTcpPort(): void {
    for (const { remote, id, tcpHint, entry } of this.announcer.targets(this.deps.table.all())) {
      const announce = (): Promise<boolean> => this.deps.ping(remote, id, tcpHint, entry ?? INBOUND);
      // A ping already in flight carries the old port (ping() would return it): announce after it.
      const inFlight = this.deps.pings.inFlight(remote.ip, remote.port);
      void (inFlight === undefined ? announce() : inFlight.then(announce));
    }
  }
}
