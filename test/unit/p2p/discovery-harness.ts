/**
 * Shared by the discovery service tests: real Discovery instances and a hand-driven "raw peer"
 * (a plain dgram socket with its own node key) on 127.0.0.1, ephemeral ports only.
 */
import { createSocket, type Socket } from 'node:dgram';
import { generatePrivateKey } from '../../../src/primitives/secp256k1.js';
import { type NodeKey, nodeKeyFromPrivateKey } from '../../../src/p2p/discovery/node-key.js';
import { type DecodedPacket, decodePacket, encodePacket, packetExpiration } from '../../../src/p2p/discovery/packet.js';
import type { DiscoveryPacket } from '../../../src/p2p/discovery/payloads.js';
import { bucketIndex } from '../../../src/p2p/discovery/routing-table.js';
import { Discovery } from '../../../src/p2p/discovery/service.js';
import type { DiscoveryOptions, DiscoveryTiming } from '../../../src/p2p/discovery/service-options.js';
import { silentLogger } from '../../../src/util/logger.js';
import { setTimeout as sleep } from 'node:timers/promises';

export const HOST = '127.0.0.1';

export const FAST_TIMING: DiscoveryTiming = {
  pingTimeoutMs: 300,
  findNodeTimeoutMs: 300,
  bondWaitMs: 150,
  refreshIntervalMs: 400,
  thinTableRetryMinMs: 100,
  seedLookupSpacingMs: 50,
  revalidateIntervalMs: 60_000, // tests that need revalidation set it themselves
  bootstrapRetryIntervalMs: 300,
  endpointProofTtlMs: 60_000,
};

let nextTcpPort = 41_000;

export function randomNodeKey(): NodeKey {
  return nodeKeyFromPrivateKey(generatePrivateKey());
}

/** A key whose id falls into bucket `index` of `selfId` (random search; index 255 takes ~2 tries). */
export function nodeKeyInBucket(selfId: Buffer, index: number): NodeKey {
  for (;;) {
    const key = randomNodeKey();
    if (bucketIndex(selfId, key.nodeId) === index) return key;
  }
}

export async function startNode(overrides: Partial<DiscoveryOptions> = {}): Promise<Discovery> {
  const node = new Discovery({
    nodeKey: randomNodeKey(),
    bindHost: HOST,
    udpPort: 0,
    tcpPort: nextTcpPort++,
    advertisedIp: HOST,
    bootstrap: [],
    logger: silentLogger(),
    timing: FAST_TIMING,
    ...overrides,
  });
  await node.start();
  return node;
}

export { sleep };

/** Polls until check() is true; false if it never was within timeoutMs. */
export async function waitFor(check: () => boolean, timeoutMs: number, intervalMs = 10): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await sleep(intervalMs);
  }
  return check();
}

export function hasNode(node: Discovery, id: Buffer): boolean {
  return node.knownNodes(Number.MAX_SAFE_INTEGER).some((n) => n.nodeId.equals(id));
}

/** atMs: when it arrived (Date.now()), for tests of how often something is sent. */
export type RawPacket = DecodedPacket & { readonly from: { ip: string; port: number }; readonly atMs: number };

/** A peer driven by the test: sends exactly what it is told, records everything it receives. */
export class RawPeer {
  readonly received: RawPacket[] = [];
  /** Answer pings with a pong (as a live node would). */
  autoPong = true;
  /** Answer find-node with an empty neighbours packet (a live node that knows nobody else). */
  autoNeighbours = false;

  private constructor(
    readonly key: NodeKey,
    private readonly socket: Socket,
  ) {
    socket.on('message', (msg, rinfo) => {
      let decoded: DecodedPacket;
      try {
        decoded = decodePacket(msg, Date.now() / 1000);
      } catch {
        return;
      }
      const from = { ip: rinfo.address, port: rinfo.port };
      this.received.push({ ...decoded, from, atMs: Date.now() });
      if (decoded.packet.type === 'ping' && this.autoPong) {
        this.send({ type: 'pong', to: { ip: from.ip, udpPort: from.port, tcpPort: 0 }, pingHash: decoded.hash, expiration: this.expiration() }, from.port);
      }
      if (decoded.packet.type === 'find-node' && this.autoNeighbours) this.send({ type: 'neighbours', nodes: [], expiration: this.expiration() }, from.port);
    });
  }

  static async create(key: NodeKey = randomNodeKey()): Promise<RawPeer> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, HOST, resolve));
    return new RawPeer(key, socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  expiration(offsetSec = 20): number {
    return packetExpiration(Date.now() / 1000, offsetSec);
  }

  /** Signs and sends; returns the packet hash. */
  send(packet: DiscoveryPacket, port: number): Buffer {
    const encoded = encodePacket(packet, this.key.privateKey);
    this.sendBytes(encoded.bytes, port);
    return encoded.hash;
  }

  sendBytes(bytes: Buffer, port: number): void {
    this.socket.send(bytes, port, HOST);
  }

  /** tcpPort: what it claims others may dial; a server's by default (0 makes it a client, kept out of tables). */
  ping(port: number, tcpPort = 30_303): Buffer {
    return this.send(
      { type: 'ping', version: 1, from: { ip: HOST, udpPort: this.port, tcpPort }, to: { ip: HOST, udpPort: port, tcpPort: 0 }, expiration: this.expiration() },
      port,
    );
  }

  count(type: DiscoveryPacket['type']): number {
    return this.received.filter((p) => p.packet.type === type).length;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

/** A raw UDP socket on another loopback address (another host to the nodes), keeping the bytes it receives; `sign` encodes with its key. */
export interface HostSocket {
  readonly socket: Socket;
  readonly port: number;
  readonly received: Buffer[];
  sign(packet: DiscoveryPacket): ReturnType<typeof encodePacket>;
}

export async function socketOn(host: string, key: NodeKey = randomNodeKey()): Promise<HostSocket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, host, resolve));
  const received: Buffer[] = [];
  socket.on('message', (msg) => received.push(msg));
  return { socket, port: socket.address().port, received, sign: (packet) => encodePacket(packet, key.privateKey) };
}
