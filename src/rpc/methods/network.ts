import { type HostPort, HostPortError, formatHostPort, parseHostPort } from '../../node/host-port.js';
import type { PeerInfo } from '../../p2p/peer-info.js';
import type { MethodTable, RpcContext } from '../context.js';
import { RpcParamError } from '../errors.js';
import { param, parseParams } from '../params.js';

const MS_PER_SEC = 1_000;
/** Node ids are 32 bytes; 8 of them tell peers apart in a table. */
const SHORT_NODE_ID_HEX_CHARS = 16;
/** A ban of up to ten years is plenty; beyond, the timer arithmetic stops being meaningful. */
const MAX_BAN_DURATION_SEC = 10 * 365 * 24 * 3_600;

const remainingSec = (untilMs: number, nowMs: number): number => Math.max(0, Math.ceil((untilMs - nowMs) / MS_PER_SEC));

function banRow(b: { key: string; reason: string; untilMs: number }, nowMs: number): Record<string, unknown> {
  return { key: b.key, reason: b.reason, until: new Date(b.untilMs).toISOString(), remainingSec: remainingSec(b.untilMs, nowMs) };
}

/** Optional whole seconds, 1 … MAX_BAN_DURATION_SEC; a numeric string is accepted (the CLI sends one). */
function durationSec(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = typeof value === 'string' && /^[0-9]+$/.test(value.trim()) ? Number(value.trim()) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1 || n > MAX_BAN_DURATION_SEC) {
    throw new RpcParamError(`parameter "${name}" must be a whole number of seconds between 1 and ${MAX_BAN_DURATION_SEC}, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** One connection as `peers` lists it (the status page shows a subset of the same row). */
export function peerRow(p: PeerInfo, nowMs: number) {
  return {
    nodeId: p.nodeId ?? null,
    id: p.nodeId?.slice(0, SHORT_NODE_ID_HEX_CHARS) ?? null,
    address: p.address,
    listenPort: p.listenPort ?? null,
    direction: p.direction,
    ready: p.ready,
    manual: p.manual,
    discouraged: p.discouraged,
    height: p.bestHeight,
    work: p.bestWork,
    pingMs: p.pingRttMs ?? null,
    connectedSince: new Date(p.connectedSinceMs).toISOString(),
    connectedForSec: Math.max(0, Math.floor((nowMs - p.connectedSinceMs) / MS_PER_SEC)),
    punched: p.punched === undefined ? null : { relay: p.punched.relay },
  };
}

export function networkMethods(ctx: Pick<RpcContext, 'network' | 'logger'>): MethodTable {
  return {
    peers: (params) => {
      parseParams(params, {});
      const nowMs = Date.now();
      const peers = ctx.network.peers().map((p) => peerRow(p, nowMs));
      const bans = ctx.network.bans().map((b) => banRow(b, nowMs));
      const discouraged = ctx.network.discouraged().map((d) => banRow(d, nowMs));
      const manual = ctx.network.manualPeers().map((m) => ({
        address: m.address,
        state: m.state,
        lastError: m.lastError ?? null,
        nextRetrySec: m.nextRetryAtMs === undefined ? null : remainingSec(m.nextRetryAtMs, nowMs),
      }));
      return { peers, bans, discouraged, manual };
    },

    /** Bitcoin Core's setban add: an IP or a node id, for durationSec (default p2p.banDurationSec). */
    ban: (params) => {
      const { key, durationSec: sec, reason } = parseParams(params, {
        key: param.string(),
        durationSec,
        reason: param.optional(param.string(), undefined),
      });
      const entry = ctx.network.ban(key, reason, sec === undefined ? undefined : sec * MS_PER_SEC);
      return banRow(entry, Date.now());
    },

    unban: (params) => {
      const { key } = parseParams(params, { key: param.string() });
      if (!ctx.network.unban(key)) throw new RpcParamError(`"${key}" is not banned (see: listbanned)`);
      return { key, unbanned: true };
    },

    listbanned: (params) => {
      parseParams(params, {});
      const nowMs = Date.now();
      return ctx.network.bans().map((b) => banRow(b, nowMs));
    },

    clearbanned: (params) => {
      parseParams(params, {});
      return { cleared: ctx.network.clearBans() };
    },

    addpeer: (params) => {
      const { address } = parseParams(params, { address: param.string() });
      const target = parseAddress(address);
      ctx.network.addPeer(target.host, target.port);
      ctx.logger.info({ peer: formatHostPort(target) }, 'manual peer added');
      return { address: formatHostPort(target), connecting: true };
    },

    removepeer: (params) => {
      const { address } = parseParams(params, { address: param.string() });
      const target = parseAddress(address);
      const closed = ctx.network.removePeer(target.host, target.port);
      ctx.logger.info({ peer: formatHostPort(target), closed }, 'manual peer removed');
      return { address: formatHostPort(target), removed: true, closed };
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
