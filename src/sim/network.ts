import { PACKET_TYPE_OFFSET } from '../p2p/discovery/constants.js';
import type { DatagramSocket, DatagramSocketFactory } from '../p2p/discovery/datagram-socket.js';
import type { Rng } from './rng.js';
import type { VirtualClock } from './virtual-clock.js';
import { NAT_SWEEP_AT_ENTRIES, UDP_OVERHEAD_BYTES } from './constants.js';

/** The network model's knobs (docs/scale.md lists the values of each run). */
export interface NetworkModel {
  /** Median one-way access delay of a host; a link's one-way delay is the sum of both ends' plus jitter. */
  readonly accessDelayMedianMs: number;
  /** Log-normal spread of the access delay. */
  readonly accessDelaySigma: number;
  /** RTT bounds of any link (the model clamps to them). */
  readonly minRttMs: number;
  readonly maxRttMs: number;
  /** Share of datagrams lost. */
  readonly loss: number;
  /** Share of hosts behind a NAT: they receive only from addresses they sent to recently. */
  readonly natShare: number;
  /** How long a NAT keeps a mapping open after the host last sent to that address. */
  readonly natMappingMs: number;
  /** Uplink bandwidth range (log-uniform), bits per second; downlink is downlinkFactor × that. */
  readonly uplinkMinBps: number;
  readonly uplinkMaxBps: number;
  readonly downlinkFactor: number;
}

export const DEFAULT_NETWORK_MODEL: NetworkModel = {
  accessDelayMedianMs: 18,
  accessDelaySigma: 0.6,
  minRttMs: 20,
  maxRttMs: 300,
  loss: 0.01,
  natShare: 0.6,
  natMappingMs: 60_000,
  uplinkMinBps: 5e6,
  uplinkMaxBps: 100e6,
  downlinkFactor: 4,
};


const TYPE_NAMES: Record<number, string> = { 1: 'ping', 2: 'pong', 3: 'find-node', 4: 'neighbours' };


export interface Host {
  readonly ip: string;
  readonly natted: boolean;
  readonly accessDelayMs: number;
  readonly uplinkBps: number;
  readonly downlinkBps: number;
  upFreeAtMs: number;
  downFreeAtMs: number;
  alive: boolean;
  bytesSent: number;
  bytesReceived: number;
  packetsSent: number;
  /** "ip:port" we sent to → when (the NAT's filter). */
  readonly natOpen: Map<string, number>;
  readonly sockets: Map<number, (bytes: Buffer, ip: string, port: number) => void>;
}

export interface NetworkStats {
  sent: number;
  /** Datagrams sent by discovery packet type (the byte after hash, signature and key). */
  readonly sentByType: Record<string, number>;
  delivered: number;
  lost: number;
  natDropped: number;
  deadDropped: number;
}

/** Sees (and may replace) every datagram at send time; returning undefined keeps it as is. */
export type DatagramTap = (from: Host, fromPort: number, toIp: string, toPort: number, bytes: Buffer) => Buffer | undefined;

/**
 * The simulated internet: hosts with an access delay, up/downlink bandwidth, optional NAT;
 * datagrams are delayed, serialised through each end's link, lost at random, and dropped at a
 * NAT that has no mapping for the sender. Delivery is an event on the shared virtual clock.
 */
export class SimNetwork {
  readonly hosts = new Map<string, Host>();
  readonly stats: NetworkStats = { sent: 0, sentByType: {}, delivered: 0, lost: 0, natDropped: 0, deadDropped: 0 };
  tap: DatagramTap | undefined;

  constructor(
    private readonly clock: VirtualClock,
    private readonly rng: Rng,
    readonly model: NetworkModel = DEFAULT_NETWORK_MODEL,
  ) {}

  addHost(ip: string, natted: boolean): Host {
    const m = this.model;
    const uplinkBps = m.uplinkMinBps * Math.pow(m.uplinkMaxBps / m.uplinkMinBps, this.rng.next());
    const host: Host = {
      ip,
      natted,
      accessDelayMs: this.rng.logNormal(m.accessDelayMedianMs, m.accessDelaySigma),
      uplinkBps,
      downlinkBps: uplinkBps * m.downlinkFactor,
      upFreeAtMs: 0,
      downFreeAtMs: 0,
      alive: true,
      bytesSent: 0,
      bytesReceived: 0,
      packetsSent: 0,
      natOpen: new Map(),
      sockets: new Map(),
    };
    this.hosts.set(ip, host);
    return host;
  }

  /** One-way propagation delay of a link (symmetric, fixed per pair: a pair hash gives ±15 % jitter). */
  oneWayMs(a: Host, b: Host): number {
    const jitter = 0.85 + 0.3 * pairHash(a.ip, b.ip);
    const oneWay = (a.accessDelayMs + b.accessDelayMs) * jitter;
    return Math.min(this.model.maxRttMs / 2, Math.max(this.model.minRttMs / 2, oneWay));
  }

  /** Serialisation through `host`'s uplink starting no earlier than now: when the last bit leaves. */
  uplinkDone(host: Host, bytes: number): number {
    const start = Math.max(this.clock.nowMs(), host.upFreeAtMs);
    host.upFreeAtMs = start + (bytes * 8 * 1000) / host.uplinkBps;
    return host.upFreeAtMs;
  }

  downlinkDone(host: Host, arrivalMs: number, bytes: number): number {
    const start = Math.max(arrivalMs, host.downFreeAtMs);
    host.downFreeAtMs = start + (bytes * 8 * 1000) / host.downlinkBps;
    return host.downFreeAtMs;
  }

  /** A socket factory for discovery on `host` (the DatagramSocket seam of src/p2p/discovery). */
  socketFactory(host: Host): DatagramSocketFactory {
    return (options) => {
      let boundPort: number | undefined;
      const socket: DatagramSocket = {
        bind: (port) => {
          boundPort = port;
          host.sockets.set(port, options.onMessage);
          return Promise.resolve(port);
        },
        send: (bytes, port, ip) => {
          if (boundPort !== undefined) this.send(host, boundPort, ip, port, bytes);
        },
        close: () => {
          if (boundPort !== undefined && host.sockets.get(boundPort) === options.onMessage) host.sockets.delete(boundPort);
          return Promise.resolve();
        },
      };
      return socket;
    };
  }

  send(from: Host, fromPort: number, toIp: string, toPort: number, payload: Buffer): void {
    if (!from.alive) return;
    const bytes = this.tap?.(from, fromPort, toIp, toPort, payload) ?? payload;
    const now = this.clock.nowMs();
    this.stats.sent++;
    const type = TYPE_NAMES[bytes[PACKET_TYPE_OFFSET] ?? 0] ?? 'other';
    this.stats.sentByType[type] = (this.stats.sentByType[type] ?? 0) + 1;
    from.packetsSent++;
    const wireBytes = bytes.length + UDP_OVERHEAD_BYTES;
    from.bytesSent += wireBytes;
    if (from.natted) this.openNat(from, `${toIp}:${toPort}`, now);
    const to = this.hosts.get(toIp);
    const departedMs = this.uplinkDone(from, wireBytes);
    if (to === undefined) {
      this.stats.deadDropped++;
      return;
    }
    if (this.rng.next() < this.model.loss) {
      this.stats.lost++;
      return;
    }
    const arrivalMs = this.downlinkDone(to, departedMs + this.oneWayMs(from, to), wireBytes);
    this.clock.setTimeout(() => this.deliver(from, fromPort, to, toPort, bytes), arrivalMs - now);
  }

  /** Records the NAT mapping; expired ones are swept when the map grows (bounds memory over a long run). */
  private openNat(host: Host, key: string, now: number): void {
    host.natOpen.delete(key);
    host.natOpen.set(key, now);
    if (host.natOpen.size <= NAT_SWEEP_AT_ENTRIES) return;
    for (const [k, at] of host.natOpen) {
      if (now - at <= this.model.natMappingMs) break; // insertion order = oldest first
      host.natOpen.delete(k);
    }
  }

  private deliver(from: Host, fromPort: number, to: Host, toPort: number, bytes: Buffer): void {
    if (!to.alive) {
      this.stats.deadDropped++;
      return;
    }
    if (to.natted) {
      const key = `${from.ip}:${fromPort}`;
      const opened = to.natOpen.get(key);
      if (opened === undefined || this.clock.nowMs() - opened > this.model.natMappingMs) {
        if (opened !== undefined) to.natOpen.delete(key);
        this.stats.natDropped++;
        return;
      }
    }
    const handler = to.sockets.get(toPort);
    if (handler === undefined) {
      this.stats.deadDropped++;
      return;
    }
    this.stats.delivered++;
    to.bytesReceived += bytes.length + UDP_OVERHEAD_BYTES;
    handler(bytes, from.ip, fromPort);
  }
}

/** A stable number in [0, 1) for an unordered pair of addresses. */
function pairHash(a: string, b: string): number {
  const s = a < b ? `${a}|${b}` : `${b}|${a}`;
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0) / 4294967296;
}
