import { BufferWriter } from '../../primitives/encoding.js';
import { HASH_BYTES, sha256, sha256Equals, sha256Into } from '../../primitives/hash.js';
import { isValidPublicKey, publicKeyOf, sign, verify } from '../../primitives/secp256k1.js';
import { DecodeError } from '../../util/errors.js';
import {
  MAX_PACKET_BYTES,
  PACKET_HASH_BYTES,
  PACKET_HEADER_BYTES,
  PACKET_PUBKEY_BYTES,
  PACKET_PUBKEY_OFFSET,
  PACKET_SIGNATURE_OFFSET,
  PACKET_TYPE_OFFSET,
} from './constants.js';
import { ENDPOINT_IPV6_BYTES } from './endpoint.js';
import { PacketError } from './errors.js';
import { nodeIdFromPublicKey } from './node-key.js';
import {
  type DiscoveryPacket,
  NEIGHBOURS_OVERHEAD_BYTES,
  type NeighbourNode,
  type NeighboursPacket,
  decodePacketBody,
  neighbourBytes,
  writePacketBody,
} from './payloads.js';


/**
 * Datagram: `hash(32) | signature(64) | pubkey(33) | type(1) | payload`.
 * signature = ECDSA(sha256(type ‖ payload)) by the sender's node key. Our secp256k1 wrapper has
 * no public-key recovery (discv4 recovers it), so the compressed key travels in the packet.
 * hash = sha256(signature ‖ pubkey ‖ type ‖ payload): a cheap integrity check before the ECDSA
 * verify, and the packet's identity (a pong echoes its ping's hash).
 */
export interface EncodedPacket {
  readonly bytes: Buffer;
  readonly hash: Buffer;
}

export interface DecodedPacket {
  readonly packet: DiscoveryPacket;
  /** 33-byte compressed key that signed the packet. */
  readonly senderPubKey: Buffer;
  /** sha256(senderPubKey). */
  readonly nodeId: Buffer;
  readonly hash: Buffer;
}

/**
 * The packets' signature scheme. Nodes always use SECP256K1_SIGNER; the simulator (src/sim/) may
 * pass a cheap stand-in when ECDSA would dominate its run time (docs/scale.md says when it does).
 */
export interface PacketSigner {
  sign(digest32: Buffer, privateKey: Buffer): Buffer;
  verify(signature: Buffer, digest32: Buffer, publicKey: Buffer): boolean;
  publicKeyOf(privateKey: Buffer): Buffer;
  isValidPublicKey(publicKey: Buffer): boolean;
}

let lastPrivateKey: Buffer | undefined;
let lastPublicKey: Buffer | undefined;

/**
 * Every packet carries the sender's public key: deriving it per packet cost a point
 * multiplication (~35 µs, 15 % of a packet's send + receive, docs/scale.md). A node signs with
 * one key, so a one-entry cache always hits.
 */
function cachedPublicKeyOf(privateKey: Buffer): Buffer {
  if (lastPublicKey !== undefined && lastPrivateKey !== undefined && lastPrivateKey.equals(privateKey)) return lastPublicKey;
  const publicKey = publicKeyOf(privateKey);
  lastPrivateKey = Buffer.from(privateKey);
  lastPublicKey = publicKey;
  return publicKey;
}

export const SECP256K1_SIGNER: PacketSigner = { sign, verify, publicKeyOf: cachedPublicKeyOf, isValidPublicKey };

/** Expiration for a packet sent at nowSec. */
export function packetExpiration(nowSec: number, lifetimeSec: number): number {
  return Math.floor(nowSec) + lifetimeSec;
}

/**
 * The signing digest of the packet being signed or verified, read by the signer at once and never
 * kept (secp256k1 and the simulator's stand-in alike): one buffer, not one per datagram.
 */
const signingDigest = Buffer.alloc(HASH_BYTES);

/** Room for hash, signature and key, filled in once the body is written behind it. */
const HEADER_ROOM = Buffer.alloc(PACKET_HEADER_BYTES - 1);
/** A varint count takes at most this many bytes. */
const VARINT_MAX_BYTES = 9;
/** Writer capacity that holds any ping, pong or find-node without growing. */
const SMALL_PACKET_CAPACITY_BYTES = 256;

/** Enough for the whole packet, so the writer does not grow (and copy) while writing it. */
function capacityFor(packet: DiscoveryPacket): number {
  if (packet.type !== 'neighbours') return SMALL_PACKET_CAPACITY_BYTES;
  return PACKET_HEADER_BYTES + NEIGHBOURS_OVERHEAD_BYTES + VARINT_MAX_BYTES + packet.nodes.length * (ENDPOINT_IPV6_BYTES + PACKET_PUBKEY_BYTES);
}

export function encodePacket(packet: DiscoveryPacket, privateKey: Buffer, signer: PacketSigner = SECP256K1_SIGNER): EncodedPacket {
  // The body goes straight behind room for the header: one buffer, copied once (three copies and four buffers before).
  const bytes = writePacketBody(new BufferWriter(capacityFor(packet)).bytes(HEADER_ROOM), packet).finish();
  if (bytes.length > MAX_PACKET_BYTES) {
    throw new RangeError(`${packet.type} packet would be ${bytes.length} bytes, more than the ${MAX_PACKET_BYTES} a datagram may carry`);
  }
  signer.sign(sha256Into(bytes.subarray(PACKET_TYPE_OFFSET), signingDigest), privateKey).copy(bytes, PACKET_SIGNATURE_OFFSET);
  signer.publicKeyOf(privateKey).copy(bytes, PACKET_PUBKEY_OFFSET);
  const hash = sha256(bytes.subarray(PACKET_HASH_BYTES));
  hash.copy(bytes, 0);
  return { bytes, hash };
}

/**
 * Verifies and parses a received datagram. Checks run cheapest first (size, hash, parse, expiry,
 * then the ECDSA verify), so junk costs little. Throws PacketError with code 'oversize',
 * 'malformed', 'bad-hash', 'expired' or 'bad-signature'.
 */
export function decodePacket(bytes: Buffer, nowSec: number, signer: PacketSigner = SECP256K1_SIGNER): DecodedPacket {
  if (bytes.length > MAX_PACKET_BYTES) throw new PacketError('oversize', `datagram of ${bytes.length} bytes exceeds the ${MAX_PACKET_BYTES}-byte limit`);
  if (bytes.length < PACKET_HEADER_BYTES) throw new PacketError('malformed', `datagram of ${bytes.length} bytes is shorter than a packet header`);
  if (!sha256Equals(bytes.subarray(PACKET_HASH_BYTES), bytes)) throw new PacketError('bad-hash', 'packet hash does not match its contents');
  const signature = bytes.subarray(PACKET_SIGNATURE_OFFSET, PACKET_PUBKEY_OFFSET);
  const senderPubKey = Buffer.from(bytes.subarray(PACKET_PUBKEY_OFFSET, PACKET_TYPE_OFFSET));
  const body = bytes.subarray(PACKET_TYPE_OFFSET);

  let packet: DiscoveryPacket;
  try {
    packet = decodePacketBody(body);
  } catch (err) {
    if (err instanceof DecodeError) throw new PacketError('malformed', `malformed discovery packet: ${err.message}`, { cause: err });
    throw err;
  }
  if (packet.expiration < nowSec) {
    throw new PacketError('expired', `${packet.type} packet expired ${Math.floor(nowSec - packet.expiration)} s ago`);
  }
  // verify() is false for a key that does not parse (not on the curve): a separate
  // isValidPublicKey parse first was 5 % of the 200-node bench's CPU for nothing.
  if (!signer.verify(signature, sha256Into(body, signingDigest), senderPubKey)) {
    throw new PacketError('bad-signature', `${packet.type} packet signature does not verify against its sender key`);
  }
  if (packet.type === 'neighbours') {
    for (const node of packet.nodes) {
      if (!signer.isValidPublicKey(node.publicKey)) throw new PacketError('malformed', 'neighbours packet lists a public key that is not on the secp256k1 curve');
    }
  }
  // Copied only now, for a packet that passed every check (a pong echoes it; its ping's may be kept).
  const hash = Buffer.from(bytes.subarray(0, PACKET_HASH_BYTES));
  return { packet, senderPubKey, nodeId: nodeIdFromPublicKey(senderPubKey), hash };
}

/** Largest neighbours body entries may fill so the whole datagram stays ≤ MAX_PACKET_BYTES. */
const NEIGHBOURS_ENTRY_BUDGET_BYTES = MAX_PACKET_BYTES - (PACKET_HEADER_BYTES - 1) - NEIGHBOURS_OVERHEAD_BYTES;

/**
 * Packs nodes into as few groups as possible with each neighbours datagram ≤ MAX_PACKET_BYTES
 * (IPv4 entries take 42 bytes, IPv6 54, so one packet holds 27 IPv4 or 21 IPv6 entries).
 * An empty list gives one empty group: an answer to find-node that says "I know nobody".
 */
export function splitNeighbours(nodes: readonly NeighbourNode[]): NeighbourNode[][] {
  const groups: NeighbourNode[][] = [[]];
  let used = 0;
  for (const node of nodes) {
    const size = neighbourBytes(node);
    if (used + size > NEIGHBOURS_ENTRY_BUDGET_BYTES) {
      groups.push([]);
      used = 0;
    }
    groups[groups.length - 1].push(node);
    used += size;
  }
  return groups;
}

/** Signed neighbours datagrams carrying all of `nodes`. */
export function encodeNeighbours(nodes: readonly NeighbourNode[], expiration: number, privateKey: Buffer, signer: PacketSigner = SECP256K1_SIGNER): EncodedPacket[] {
  return splitNeighbours(nodes).map((group) => {
    const packet: NeighboursPacket = { type: 'neighbours', nodes: group, expiration };
    return encodePacket(packet, privateKey, signer);
  });
}
