import type { NatState } from './types.js';

/**
 * What getinfo shows when NAT mapping is switched off (`--no-upnp`, conf `nat.upnp: false`).
 * Kept apart from service.ts so that a node with NAT off never loads the UPnP/NAT-PMP libraries
 * (they add ~27 MB of resident memory).
 */
export function disabledNatState(): NatState {
  return { enabled: false, gatewayFound: false, protocol: undefined, externalIp: undefined, mappedPorts: [], doubleNat: false, reachable: false, externalEndpoint: undefined };
}
