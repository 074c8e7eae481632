/**
 * What the node tells others about where to dial it, decided in one place from two sources:
 * the router's port mapping (UPnP/NAT-PMP, nat.ts) and the reachability verdict of our peers'
 * dial-backs (p2p traversal). A node nobody can dial advertises no TCP endpoint (tcpPort 0 in
 * discovery, listenPort 0 in handshakes), so no one wastes dials on it; it still dials out.
 */
import type { AdvertisedEndpoint } from '../p2p/discovery/service-options.js';
import type { ExternalEndpoint } from '../p2p/nat/index.js';
import type { Reachability } from '../p2p/traversal/index.js';
import type { Logger } from '../util/logger.js';

/** Discovery's side: what our pings claim as `from`. */
export interface AdvertisingDiscovery {
  readonly localEndpoint: AdvertisedEndpoint;
  setAdvertisedEndpoint(endpoint: AdvertisedEndpoint): void;
}

/** The peer layer's side: the listen port our handshakes announce, and the port its reachability checks test. */
export interface AdvertisingPeers {
  setAdvertisedListenPort(port: number | undefined): void;
  setMappedPort(port: number | undefined): void;
}

export interface AdvertiserOptions {
  readonly p2p: AdvertisingPeers;
  readonly discovery: AdvertisingDiscovery | undefined;
  readonly logger: Logger;
}

type Advertised = 'mapped' | 'none' | 'local';

export class Advertiser {
  private readonly local: AdvertisedEndpoint | undefined;
  private mapping: ExternalEndpoint | undefined;
  private reachability: Reachability = 'unknown';
  private current: Advertised = 'local';
  private readonly log: Logger;

  constructor(private readonly options: AdvertiserOptions) {
    this.local = options.discovery?.localEndpoint;
    this.log = options.logger.child({ component: 'node' });
  }

  /** The router granted (or withdrew: undefined) an external endpoint. */
  setMapping(endpoint: ExternalEndpoint | undefined): void {
    this.mapping = endpoint;
    this.options.p2p.setMappedPort(endpoint?.tcpPort);
    this.apply(true);
  }

  setReachability(status: Reachability): void {
    if (status === this.reachability) return;
    this.reachability = status;
    this.apply(false);
  }

  private apply(mappingChanged: boolean): void {
    const { p2p, discovery } = this.options;
    const unreachable = this.reachability === 'behind-nat-port-preserving' || this.reachability === 'behind-nat-symmetric';
    // Peers' failed dial-backs outrank a mapping: a router may grant a port that does not work (double NAT, a firewall).
    const next: Advertised = unreachable ? 'none' : this.mapping !== undefined ? 'mapped' : 'local';
    if (next === this.current && !mappingChanged) return;
    const previous = this.current;
    this.current = next;
    if (next === 'mapped' && this.mapping !== undefined) {
      const endpoint = this.mapping;
      discovery?.setAdvertisedEndpoint(endpoint);
      p2p.setAdvertisedListenPort(endpoint.tcpPort);
      this.log.info({ ip: endpoint.ip, tcpPort: endpoint.tcpPort, udpPort: endpoint.udpPort }, `advertising the external endpoint ${endpoint.ip} (tcp ${endpoint.tcpPort}, udp ${endpoint.udpPort}) to peers`);
      return;
    }
    if (next === 'none') {
      if (this.local !== undefined) discovery?.setAdvertisedEndpoint({ ...this.local, tcpPort: 0 });
      p2p.setAdvertisedListenPort(0);
      if (previous !== 'none') this.log.info('peers cannot dial this node (behind a NAT): advertising no TCP endpoint; it still dials out, and hole punching is tried where the NAT allows it');
      return;
    }
    if (this.local !== undefined) discovery?.setAdvertisedEndpoint(this.local);
    p2p.setAdvertisedListenPort(undefined);
    if (previous === 'mapped') this.log.info('the external endpoint is gone; advertising the local one again (inbound peers from outside cannot reach this node now)');
    else if (previous === 'none') this.log.info('peers can dial this node again: advertising its TCP endpoint');
  }
}
