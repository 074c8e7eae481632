/**
 * The UDP half of the live campaign: signed discovery datagrams, mutated before signing (odd but
 * validly signed fields, or a mutated body signed as is) and after (bytes changed, the outer hash
 * recomputed most of the time so the datagram reaches the parser and the signature check), sent
 * from several loopback addresses. Each socket also behaves like a node with one identity key:
 * it answers the node's pings and find-nodes (with made-up neighbours), so the node bonds with it
 * and the answering and lookup paths run too. Every endpoint we put in a datagram is on our own loopback addresses (127.0.0.2+), so
 * whatever the node does with it stays on this host and away from other nodes on 127.0.0.1.
 */
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { PACKET_HASH_BYTES, PACKET_PUBKEY_OFFSET, PACKET_SIGNATURE_OFFSET, PACKET_TYPE_OFFSET } from '../../../src/p2p/discovery/constants.js';
import { nodeKeyFromPrivateKey, type NodeKey } from '../../../src/p2p/discovery/node-key.js';
import { decodePacket, encodePacket, packetExpiration } from '../../../src/p2p/discovery/packet.js';
import { type DiscoveryPacket, type NeighbourNode, encodePacketBody } from '../../../src/p2p/discovery/payloads.js';
import { sha256 } from '../../../src/primitives/hash.js';
import { generatePrivateKey, publicKeyOf, sign } from '../../../src/primitives/secp256k1.js';
import { bytesArb, hashArb, mutated, u16Arb, u32Arb } from '../../unit/fuzz/fuzz-helpers.js';

const BATCH = 500;
/** Sender keys of the fuzz datagrams (signing is the cost; a few dozen identities are plenty). */
const SENDER_KEYS: readonly Buffer[] = Array.from({ length: 32 }, () => generatePrivateKey());
/** Datagrams per second we start at; halved when the node's socket drops, grown while it keeps up. */
const START_RATE_PER_SEC = 1_000;
const MAX_RATE_PER_SEC = 8_000;
const MIN_RATE_PER_SEC = 200;
const RATE_CHECK_MS = 250;

export interface UdpStats {
  sent: number;
  readonly byMode: Record<string, number>;
  readonly byType: Record<string, number>;
  /** Datagrams the kernel dropped at the node's socket (receive buffer full), from /proc/net/udp. */
  kernelDrops: number;
  /** Pings, find-nodes the node sent to our sockets (and we answered). */
  nodePings: number;
  nodeFindNodes: number;
}

export function newUdpStats(): UdpStats {
  return { sent: 0, byMode: {}, byType: {}, kernelDrops: 0, nodePings: 0, nodeFindNodes: 0 };
}

const bump = (m: Record<string, number>, k: string): void => void (m[k] = (m[k] ?? 0) + 1);

const ownIpArb = (ips: readonly string[]): fc.Arbitrary<string> => fc.constantFrom(...ips);
const expirationArb = fc.oneof(
  { weight: 6, arbitrary: fc.constant(-1) }, // -1: valid (filled in at send time)
  { weight: 1, arbitrary: fc.constantFrom(0, 1, 0xffff_ffff) },
  { weight: 1, arbitrary: u32Arb },
);

/** A packet with odd but encodable fields; IPs only ours, TCP ports 0 (so the node dials nothing). */
function packetArb(ips: readonly string[]): fc.Arbitrary<DiscoveryPacket> {
  const endpoint = fc.record({ ip: ownIpArb(ips), udpPort: u16Arb, tcpPort: fc.constant(0) });
  const neighbourKey = fc.oneof(fc.constantFrom(...SENDER_KEYS.map((k) => publicKeyOf(k))), fc.tuple(fc.constantFrom(2, 3), bytesArb(32, 32)).map(([p, x]) => Buffer.concat([Buffer.from([p]), x])));
  return fc.oneof(
    fc.record({ type: fc.constant('ping' as const), version: fc.oneof(fc.constant(1), u32Arb), from: endpoint, to: endpoint, expiration: expirationArb }),
    fc.record({ type: fc.constant('pong' as const), to: endpoint, pingHash: hashArb, expiration: expirationArb }),
    fc.record({ type: fc.constant('find-node' as const), target: hashArb, expiration: expirationArb }),
    fc.record({ type: fc.constant('neighbours' as const), nodes: fc.array(fc.record({ endpoint, publicKey: neighbourKey }), { maxLength: 27 }), expiration: expirationArb }),
  );
}

/** Signs `body` (type ‖ payload, any bytes) the way encodePacket does. */
function signBody(body: Buffer, privateKey: Buffer): Buffer {
  const bytes = Buffer.concat([Buffer.alloc(PACKET_TYPE_OFFSET), body]);
  sign(sha256(body), privateKey).copy(bytes, PACKET_SIGNATURE_OFFSET);
  publicKeyOf(privateKey).copy(bytes, PACKET_PUBKEY_OFFSET);
  sha256(bytes.subarray(PACKET_HASH_BYTES)).copy(bytes, 0);
  return bytes;
}

const rehash = (bytes: Buffer): Buffer => {
  const out = Buffer.from(bytes);
  if (out.length > PACKET_HASH_BYTES) sha256(out.subarray(PACKET_HASH_BYTES)).copy(out, 0);
  return out;
};

interface Datagram {
  readonly mode: string;
  readonly type: string;
  readonly bytes: Buffer;
}

function withExpiration(p: DiscoveryPacket): DiscoveryPacket {
  return p.expiration === -1 ? { ...p, expiration: packetExpiration(Date.now() / 1000, 20) } : p;
}

function datagramArb(ips: readonly string[]): fc.Arbitrary<Datagram> {
  const keyArb = fc.constantFrom(...SENDER_KEYS);
  const packet = packetArb(ips);
  const signed = fc.tuple(packet, keyArb).map(([p, key]) => ({ type: p.type, bytes: encodePacket(withExpiration(p), key).bytes }));
  return fc.oneof(
    { weight: 3, arbitrary: signed.map((d) => ({ ...d, mode: 'fields-signed' })) },
    { weight: 3, arbitrary: fc.tuple(packet, keyArb).chain(([p, key]) => mutated(fc.constant(encodePacketBody(withExpiration(p)))).map((body) => ({ mode: 'body-mutated-signed', type: p.type, bytes: signBody(body, key) }))) },
    { weight: 4, arbitrary: fc.tuple(signed, fc.nat(9)).chain(([d, r]) => mutated(fc.constant(d.bytes)).map((bytes) => ({ mode: 'mutated-after-signing', type: d.type, bytes: r < 8 ? rehash(bytes) : bytes }))) },
    { weight: 1, arbitrary: fc.tuple(signed, bytesArb(33, 33)).map(([d, key]) => ({ mode: 'foreign-pubkey', type: d.type, bytes: rehash(Buffer.concat([d.bytes.subarray(0, PACKET_PUBKEY_OFFSET), key, d.bytes.subarray(PACKET_TYPE_OFFSET)])) })) },
    { weight: 1, arbitrary: fc.tuple(signed, bytesArb(1200, 1400)).map(([d, tail]) => ({ mode: 'oversize', type: d.type, bytes: rehash(Buffer.concat([d.bytes, tail])) })) },
  );
}

/** Drops counted by the kernel on the UDP socket bound to 127.0.0.1:port (the "drops" column of /proc/net/udp). */
export function udpDrops(port: number): number {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const line of readFileSync('/proc/net/udp', 'utf8').split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols[1] === local) return Number(cols.at(-1));
  }
  return 0;
}

/** One of our UDP sockets, answering the node like a live node with one identity key would. */
async function fuzzSocket(ip: string, nodePort: number, stats: UdpStats, neighbours: () => NeighbourNode[]): Promise<Socket> {
  const identity: NodeKey = nodeKeyFromPrivateKey(generatePrivateKey());
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, ip, resolve));
  socket.on('error', () => undefined);
  socket.on('message', (msg) => {
    let decoded;
    try {
      decoded = decodePacket(msg, Date.now() / 1000);
    } catch {
      return;
    }
    const expiration = packetExpiration(Date.now() / 1000, 20);
    const reply = (p: DiscoveryPacket): void => void socket.send(encodePacket(p, identity.privateKey).bytes, nodePort, '127.0.0.1');
    if (decoded.packet.type === 'ping') {
      stats.nodePings++;
      reply({ type: 'pong', to: { ip: '127.0.0.1', udpPort: nodePort, tcpPort: 0 }, pingHash: decoded.hash, expiration });
    } else if (decoded.packet.type === 'find-node') {
      stats.nodeFindNodes++;
      reply({ type: 'neighbours', nodes: neighbours(), expiration });
    }
  });
  // Say hello with the identity key, so the node pings back and bonds.
  socket.send(encodePacket({ type: 'ping', version: 1, from: { ip, udpPort: socket.address().port, tcpPort: 0 }, to: { ip: '127.0.0.1', udpPort: nodePort, tcpPort: 0 }, expiration: packetExpiration(Date.now() / 1000, 20) }, identity.privateKey).bytes, nodePort, '127.0.0.1');
  return socket;
}

export interface UdpOptions {
  readonly nodePort: number;
  readonly localAddresses: readonly string[];
  readonly seed: number;
  readonly target: number;
  readonly stats: UdpStats;
}

/** Sends `target` datagrams, paced so the node's socket buffer keeps up (kernel drops are counted, not hidden). */
export async function runUdpCampaign(o: UdpOptions): Promise<void> {
  // Answers to the node's find-nodes: up to 27 made-up nodes on our addresses (nobody listens there: the node's pings to them go unanswered).
  const entries = fc.sample(fc.array(fc.record({ endpoint: fc.record({ ip: ownIpArb(o.localAddresses), udpPort: fc.integer({ min: 1, max: 0xffff }), tcpPort: fc.constant(0) }), publicKey: fc.constantFrom(...SENDER_KEYS.map((k) => publicKeyOf(k))) }), { maxLength: 27 }), { seed: o.seed - 1, numRuns: 64 });
  let answer = 0;
  const sockets = await Promise.all(o.localAddresses.map((ip) => fuzzSocket(ip, o.nodePort, o.stats, () => entries[answer++ % entries.length]!)));
  const dropsBefore = udpDrops(o.nodePort);
  const arb = datagramArb(o.localAddresses);
  let rate = START_RATE_PER_SEC;
  let lastDrops = dropsBefore;
  let batch: Datagram[] = [];
  let batchNo = 0;
  // Datagrams that reached the node's socket: a kernel drop is not a datagram the node survived, so drops are made up for.
  const delivered = (): number => o.stats.sent - (lastDrops - dropsBefore);
  try {
    while (delivered() < o.target) {
      const started = Date.now();
      const quota = Math.min(o.target - delivered(), Math.ceil((rate * RATE_CHECK_MS) / 1000));
      for (let i = 0; i < quota; i++) {
        if (batch.length === 0) batch = fc.sample(arb, { seed: o.seed + batchNo++, numRuns: BATCH }).reverse();
        const d = batch.pop()!;
        sockets[o.stats.sent % sockets.length]!.send(d.bytes, o.nodePort, '127.0.0.1');
        o.stats.sent++;
        bump(o.stats.byMode, d.mode);
        bump(o.stats.byType, d.type);
        if (i % 50 === 49) await new Promise((r) => setImmediate(r));
      }
      const left = RATE_CHECK_MS - (Date.now() - started);
      if (left > 0) await new Promise((r) => setTimeout(r, left));
      const drops = udpDrops(o.nodePort);
      rate = drops > lastDrops ? Math.max(MIN_RATE_PER_SEC, rate / 2) : Math.min(MAX_RATE_PER_SEC, rate * 1.1);
      lastDrops = drops;
      if (delivered() >= o.target) {
        // The last sends may still be on their way to the kernel: count their drops before calling it done.
        await new Promise((r) => setTimeout(r, 500));
        lastDrops = udpDrops(o.nodePort);
      }
    }
    o.stats.kernelDrops = lastDrops - dropsBefore;
  } finally {
    await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

/**
 * After the campaign: a fresh identity pings the node from `ip` and must get a pong echoing its
 * ping's hash (discovery still reads, verifies and answers). Retries once a second; false after `timeoutMs`.
 */
export async function discoveryAnswers(nodePort: number, ip: string, timeoutMs: number): Promise<boolean> {
  const identity: NodeKey = nodeKeyFromPrivateKey(generatePrivateKey());
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, ip, resolve));
  socket.on('error', () => undefined);
  const sent: Buffer[] = [];
  let answered = false;
  socket.on('message', (msg) => {
    try {
      const { packet } = decodePacket(msg, Date.now() / 1000);
      if (packet.type === 'pong' && sent.some((h) => h.equals(packet.pingHash))) answered = true;
    } catch {
      // not an answer of the node's
    }
  });
  try {
    const deadline = Date.now() + timeoutMs;
    while (!answered && Date.now() < deadline) {
      const ping = encodePacket({ type: 'ping', version: 1, from: { ip, udpPort: socket.address().port, tcpPort: 0 }, to: { ip: '127.0.0.1', udpPort: nodePort, tcpPort: 0 }, expiration: packetExpiration(Date.now() / 1000, 20) }, identity.privateKey);
      sent.push(ping.hash);
      socket.send(ping.bytes, nodePort, '127.0.0.1');
      for (let i = 0; i < 10 && !answered; i++) await new Promise((r) => setTimeout(r, 100));
    }
    return answered;
  } finally {
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}
