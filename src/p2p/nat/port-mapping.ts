import { errorMessage } from '../../util/errors.js';
import { NatError } from './errors.js';
import { isNonPublicIPv4, isUsableExternalIPv4 } from './ip-class.js';
import type { MappingProtocol, PortMapper } from './types.js';

const MAX_PORT = 65_535;

export interface ActiveMapping {
  readonly protocol: MappingProtocol;
  readonly internal: number;
  external: number;
  /** 0 = permanent. */
  leaseSec: number;
  /** ms since epoch; undefined when permanent. */
  leaseExpiresAt: number | undefined;
}

export interface MappingPolicy {
  readonly leaseSec: number;
  readonly portAttempts: number;
  readonly description: string;
  readonly nowMs: () => number;
}

export function expiryOf(leaseSec: number, nowMs: number): number | undefined {
  return leaseSec > 0 ? nowMs + leaseSec * 1000 : undefined;
}

/**
 * Maps one port, asking for `wanted` first and then the next ports up: an IGDv1 router refuses a
 * taken port (718 ConflictInMappingEntry) rather than picking another. A timeout ends the search:
 * the router is not answering, more attempts would only delay start-up.
 */
export async function mapPort(mapper: PortMapper, protocol: MappingProtocol, internal: number, wanted: number, policy: MappingPolicy): Promise<ActiveMapping> {
  let lastError: unknown;
  for (let attempt = 0; attempt < policy.portAttempts && wanted + attempt <= MAX_PORT; attempt++) {
    try {
      const result = await mapper.map({ protocol, internalPort: internal, externalPort: wanted + attempt, ttlSec: policy.leaseSec, description: policy.description });
      return { protocol, internal, external: result.externalPort, leaseSec: result.leaseSec, leaseExpiresAt: expiryOf(result.leaseSec, policy.nowMs()) };
    } catch (err) {
      lastError = err;
      if (err instanceof NatError && (err.code === 'nat-timeout' || err.code === 'nat-closed')) break;
    }
  }
  throw lastError instanceof NatError
    ? lastError
    : new NatError('nat-mapping-refused', `the router refused to map ${protocol} port ${internal}: ${errorMessage(lastError)}.`, { cause: lastError });
}

export interface MappedGateway {
  readonly externalIp: string;
  readonly doubleNat: boolean;
  readonly mappings: ActiveMapping[];
}

/** External address, then the TCP and UDP mappings; all or nothing (a half-mapped node is not dialable). */
export async function mapNodePorts(mapper: PortMapper, ports: { tcpPort: number; udpPort: number }, policy: MappingPolicy): Promise<MappedGateway> {
  const externalIp = await mapper.externalIp();
  if (!isUsableExternalIPv4(externalIp)) {
    throw new NatError('nat-bad-external-ip', `the ${mapper.protocol} gateway reports no usable external IPv4 address ("${externalIp}").`);
  }
  const tcp = await mapPort(mapper, 'TCP', ports.tcpPort, ports.tcpPort, policy);
  let udp: ActiveMapping;
  try {
    udp = await mapPort(mapper, 'UDP', ports.udpPort, ports.udpPort, policy);
  } catch (err) {
    await mapper.unmap({ protocol: 'TCP', internalPort: tcp.internal, externalPort: tcp.external }).catch(() => undefined);
    throw err;
  }
  return { externalIp, doubleNat: isNonPublicIPv4(externalIp), mappings: [tcp, udp] };
}
