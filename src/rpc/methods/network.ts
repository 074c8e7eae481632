import { type HostPort, HostPortError, formatHostPort, parseHostPort } from '../../node/host-port.js';
import type { MethodTable, RpcContext } from '../context.js';
import { RpcParamError } from '../errors.js';
import { param, parseParams } from '../params.js';

const MS_PER_SEC = 1_000;
/** Node ids are 32 bytes; 8 of them tell peers apart in a table. */
const SHORT_NODE_ID_HEX_CHARS = 16;

export function networkMethods(ctx: RpcContext): MethodTable {
  return {
    peers: (params) => {
      parseParams(params, {});
      const nowMs = Date.now();
      const peers = ctx.network.peers().map((p) => ({
        nodeId: p.nodeId ?? null,
        id: p.nodeId?.slice(0, SHORT_NODE_ID_HEX_CHARS) ?? null,
        address: p.address,
        listenPort: p.listenPort ?? null,
        direction: p.direction,
        ready: p.ready,
        manual: p.manual,
        height: p.bestHeight,
        work: p.bestWork,
        pingMs: p.pingRttMs ?? null,
        connectedSince: new Date(p.connectedSinceMs).toISOString(),
        connectedForSec: Math.max(0, Math.floor((nowMs - p.connectedSinceMs) / MS_PER_SEC)),
      }));
      const bans = ctx.network.bans().map((b) => ({
        key: b.key,
        reason: b.reason,
        until: new Date(b.untilMs).toISOString(),
        remainingSec: Math.max(0, Math.ceil((b.untilMs - nowMs) / MS_PER_SEC)),
      }));
      return { peers, bans };
    },

    addpeer: (params) => {
      const { address } = parseParams(params, { address: param.string() });
      const target = parseAddress(address);
      ctx.network.addPeer(target.host, target.port);
      ctx.logger.info({ peer: formatHostPort(target) }, 'manual peer added');
      return { address: formatHostPort(target), connecting: true };
    },
  };
}

function parseAddress(address: string): HostPort {
  try {
    return parseHostPort(address);
  } catch (err) {
    if (err instanceof HostPortError) throw new RpcParamError(`parameter "address": ${err.message}`);
    throw err;
  }
}
