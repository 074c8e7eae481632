export type MappingProtocol = 'TCP' | 'UDP';
export type PortMapperProtocol = 'upnp-igdv1' | 'upnp-igdv2' | 'nat-pmp';

export interface MapRequest {
  readonly protocol: MappingProtocol;
  readonly internalPort: number;
  /** What we would like; the router may grant another one (IGDv2, NAT-PMP) or refuse (IGDv1). */
  readonly externalPort: number;
  /** 0 asks for a permanent mapping. */
  readonly ttlSec: number;
  readonly description: string;
}

export interface MapResult {
  readonly externalPort: number;
  /** What the router granted; 0 = permanent. */
  readonly leaseSec: number;
}

export interface UnmapRequest {
  readonly protocol: MappingProtocol;
  readonly internalPort: number;
  readonly externalPort: number;
}

/**
 * One port-mapping protocol talking to one gateway. Adapters hide the client libraries;
 * every call is bounded in time and rejects with a NatError.
 */
export interface PortMapper {
  readonly protocol: PortMapperProtocol;
  externalIp(): Promise<string>;
  map(request: MapRequest): Promise<MapResult>;
  unmap(request: UnmapRequest): Promise<void>;
  /** Releases sockets; never throws. Does not remove mappings (NatService does that first). */
  close(): Promise<void>;
}

/** Finds a gateway speaking one protocol within `timeoutMs`; rejects (NatError) when there is none. */
export interface PortMapperFactory {
  readonly protocol: PortMapperProtocol;
  discover(options: { timeoutMs: number; signal?: AbortSignal }): Promise<PortMapper>;
}

export interface MappedPort {
  readonly protocol: MappingProtocol;
  readonly internal: number;
  readonly external: number;
  /** ms since epoch; undefined for a permanent mapping. */
  readonly leaseExpiresAt: number | undefined;
}

export interface ExternalEndpoint {
  readonly ip: string;
  readonly tcpPort: number;
  readonly udpPort: number;
}

/** What `getinfo` / `cli nat` show. */
export interface NatState {
  readonly enabled: boolean;
  readonly gatewayFound: boolean;
  readonly protocol: PortMapperProtocol | undefined;
  readonly externalIp: string | undefined;
  readonly mappedPorts: readonly MappedPort[];
  readonly doubleNat: boolean;
  /** True when peers outside can dial the advertised endpoint (both ports mapped, public IP). */
  readonly reachable: boolean;
  /** The endpoint to advertise in discovery and the handshake, when reachable. */
  readonly externalEndpoint: ExternalEndpoint | undefined;
}
