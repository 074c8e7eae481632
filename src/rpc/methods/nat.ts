import type { NodeNatState } from '../../node/nat-state.js';
import type { MethodTable, RpcContext } from '../context.js';
import { parseParams } from '../params.js';

/** NodeNatState as JSON: absent values as null, lease expiry as an ISO time (null = permanent). */
export function natView(state: NodeNatState): Record<string, unknown> {
  const endpoint = state.externalEndpoint;
  return {
    enabled: state.enabled,
    searching: state.searching,
    gatewayFound: state.gatewayFound,
    protocol: state.protocol ?? null,
    externalIp: state.externalIp ?? null,
    mappedPorts: state.mappedPorts.map((m) => ({
      protocol: m.protocol,
      internal: m.internal,
      external: m.external,
      leaseExpiresAt: m.leaseExpiresAt === undefined ? null : new Date(m.leaseExpiresAt).toISOString(),
    })),
    doubleNat: state.doubleNat,
    reachable: state.reachable,
    externalEndpoint: endpoint === undefined ? null : { ip: endpoint.ip, tcpPort: endpoint.tcpPort, udpPort: endpoint.udpPort },
  };
}

export function natMethods(ctx: RpcContext): MethodTable {
  return {
    nat: (params) => {
      parseParams(params, {});
      return natView(ctx.network.nat());
    },
  };
}
