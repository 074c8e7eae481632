import type { NodeNatState } from '../../node/nat-state.js';
import type { TraversalState } from '../../p2p/traversal/index.js';
import type { MethodTable, RpcContext } from '../context.js';
import { CLI_NAME, cliCommand } from '../../util/suggest.js';
import { RpcParamError } from '../errors.js';
import { parseParams } from '../params.js';
import { punchResultView, traversalView } from './traversal-view.js';

/** A node id is 32 bytes: 64 hex digits. */
const NODE_ID_HEX_RE = /^[0-9a-f]{64}$/;

/**
 * NodeNatState as JSON: absent values as null, lease expiry as an ISO time (null = permanent);
 * `traversal` (observed address, reachability, hole punching) works with UPnP off too, so it is
 * there whatever the router mapping's state.
 */
export function natView(state: NodeNatState, traversal: TraversalState): Record<string, unknown> {
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
    traversal: traversalView(traversal),
  };
}

/** 64 hex digits (either case), not our own id; lower-case hex out. */
function farNodeId(value: unknown, ownId: Buffer, peersHint: string): string {
  if (value === undefined || value === null) throw new RpcParamError('missing parameter "nodeId"');
  const hex = typeof value === 'string' ? value.trim().toLowerCase() : '';
  if (!NODE_ID_HEX_RE.test(hex)) {
    throw new RpcParamError(`parameter "nodeId" must be a node id of 64 hex digits (see: ${peersHint}), got ${JSON.stringify(value)}${typeof value === 'string' ? ` (${value.trim().length} characters)` : ''}`);
  }
  if (hex === ownId.toString('hex')) throw new RpcParamError(`that node id is this node's own: punch another node's id (see: ${peersHint})`);
  return hex;
}

export function natMethods(ctx: Pick<RpcContext, 'network'> & Partial<Pick<RpcContext, 'config'>>): MethodTable {
  // Built when a call needs it: reading the context up front would touch it before the parameters are checked.
  const peersHint = (): string => (ctx.config === undefined ? `${CLI_NAME} peers` : cliCommand('peers', ctx.config));
  return {
    nat: (params) => {
      parseParams(params, {});
      return natView(ctx.network.nat(), ctx.network.traversal());
    },

    /** A direct connection to a node through a peer both are connected to (hole punching); a failure is a result with its reason, not an error. The target's id is echoed so the answer stands on its own. */
    punch: async (params) => {
      const { nodeId } = parseParams(params, { nodeId: (value: unknown) => farNodeId(value, ctx.network.nodeId, peersHint()) });
      return { nodeId, ...punchResultView(await ctx.network.punch(nodeId)) };
    },
  };
}
