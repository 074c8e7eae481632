/**
 * Where a discovery-scale node's datagrams go: a counting wrapper around the real UDP socket, by
 * packet type and by phase (before / after the node's table first held MIN_TABLE_SIZE entries),
 * plus the moments that explain a slow node (first pong and first neighbours from the bootstrap,
 * first reaching MIN_TABLE_SIZE). Figures only: the discovery code is the production one.
 */
import { PACKET_TYPE_OFFSET, PacketType } from '../../src/p2p/discovery/constants.js';
import { type DatagramSocketFactory, createUdpSocket } from '../../src/p2p/discovery/datagram-socket.js';

export const TYPE_NAMES = ['ping', 'pong', 'find-node', 'neighbours'] as const;
export type TypeName = (typeof TYPE_NAMES)[number];
export type TypeCounts = Record<TypeName, number>;

/** Sent and received by type, until the node reached MIN_TABLE_SIZE ("start") and after. */
export interface NodeTraffic {
  readonly sent: { start: TypeCounts; after: TypeCounts };
  readonly received: { start: TypeCounts; after: TypeCounts };
  /** ms after go: first pong / first neighbours from the bootstrap, first MIN_TABLE_SIZE entries (undefined: not yet). */
  bootPongMs?: number;
  bootNeighboursMs?: number;
  reachedMs?: number;
}

const zero = (): TypeCounts => ({ ping: 0, pong: 0, 'find-node': 0, neighbours: 0 });

export function newTraffic(): NodeTraffic {
  return { sent: { start: zero(), after: zero() }, received: { start: zero(), after: zero() } };
}

function typeOf(bytes: Buffer): TypeName | undefined {
  const t = bytes.length > PACKET_TYPE_OFFSET ? bytes[PACKET_TYPE_OFFSET] : 0;
  return t >= PacketType.Ping && t <= PacketType.Neighbours ? TYPE_NAMES[t - 1] : undefined;
}

/**
 * A UDP socket factory that counts into `traffic`; `since()` is ms since go, `boot` the bootstrap's
 * "ip:port" (undefined for the bootstrap itself).
 */
export function countingSocket(traffic: NodeTraffic, since: () => number, boot: string | undefined): DatagramSocketFactory {
  const phase = (): 'start' | 'after' => (traffic.reachedMs === undefined ? 'start' : 'after');
  return (options) => {
    const inner = createUdpSocket({
      ...options,
      onMessage: (bytes, ip, port) => {
        const type = typeOf(bytes);
        if (type !== undefined) {
          traffic.received[phase()][type]++;
          if (boot !== undefined && boot === `${ip}:${port}`) {
            if (type === 'pong') traffic.bootPongMs ??= since();
            if (type === 'neighbours') traffic.bootNeighboursMs ??= since();
          }
        }
        options.onMessage(bytes, ip, port);
      },
    });
    return {
      bind: (port, host) => inner.bind(port, host),
      send(bytes, port, ip, onError) {
        const type = typeOf(bytes);
        if (type !== undefined) traffic.sent[phase()][type]++;
        inner.send(bytes, port, ip, onError);
      },
      close: () => inner.close(),
    };
  };
}

/** Sum of many nodes' counts (per type, both phases kept apart). */
export function sumTraffic(all: readonly NodeTraffic[]): { sent: { start: TypeCounts; after: TypeCounts }; received: { start: TypeCounts; after: TypeCounts } } {
  const out = newTraffic();
  for (const t of all) {
    for (const dir of ['sent', 'received'] as const) {
      for (const ph of ['start', 'after'] as const) for (const name of TYPE_NAMES) out[dir][ph][name] += t[dir][ph][name];
    }
  }
  return { sent: out.sent, received: out.received };
}

/** p50 / p90 / max of the defined values (null when there are none). */
export function spread(values: readonly (number | undefined)[]): { p50: number; p90: number; max: number; missing: number } | null {
  const v = values.filter((x): x is number => x !== undefined).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const at = (q: number): number => v[Math.min(v.length - 1, Math.floor(q * v.length))];
  return { p50: at(0.5), p90: at(0.9), max: v[v.length - 1], missing: values.length - v.length };
}
