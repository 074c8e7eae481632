import { BufferReader, BufferWriter } from '../../primitives/encoding.js';
import { DecodeError } from '../../util/errors.js';
import { NODE_ID_BYTES, PACKET_PUBKEY_BYTES, PacketType, type PacketTypeNumber } from './constants.js';
import { type Endpoint, ENDPOINT_IPV4_BYTES, endpointBytes, readEndpoint, writeEndpoint } from './endpoint.js';

/**
 * Bodies of the four discovery packets. Every body ends with `expiration u32` (Unix seconds):
 * a receiver drops packets whose expiration has passed, which bounds replays.
 */
export interface PingPacket {
  readonly type: 'ping';
  readonly version: number;
  /** The sender's own endpoint, as it believes it to be: its TCP port is what peers dial. */
  readonly from: Endpoint;
  /** The recipient's endpoint as the sender sees it (lets a node learn its external address). */
  readonly to: Endpoint;
  readonly expiration: number;
}

export interface PongPacket {
  readonly type: 'pong';
  /** The ping's source endpoint as seen by the responder. */
  readonly to: Endpoint;
  /** Hash of the ping being answered: proves the responder received that exact packet. */
  readonly pingHash: Buffer;
  readonly expiration: number;
}

export interface FindNodePacket {
  readonly type: 'find-node';
  readonly target: Buffer;
  readonly expiration: number;
}

export interface NeighbourNode {
  readonly endpoint: Endpoint;
  /** 33-byte compressed key: the recipient derives the node id and can check the node's own packets against it. */
  readonly publicKey: Buffer;
}

export interface NeighboursPacket {
  readonly type: 'neighbours';
  readonly nodes: readonly NeighbourNode[];
  readonly expiration: number;
}

export type DiscoveryPacket = PingPacket | PongPacket | FindNodePacket | NeighboursPacket;

export const PACKET_TYPE_BY_NAME: { readonly [K in DiscoveryPacket['type']]: PacketTypeNumber } = {
  ping: PacketType.Ping,
  pong: PacketType.Pong,
  'find-node': PacketType.FindNode,
  neighbours: PacketType.Neighbours,
};

const EXPIRATION_BYTES = 4;
const MIN_NEIGHBOUR_BYTES = ENDPOINT_IPV4_BYTES + PACKET_PUBKEY_BYTES;

/** Encoded size of one neighbours entry. */
export function neighbourBytes(node: NeighbourNode): number {
  return endpointBytes(node.endpoint) + PACKET_PUBKEY_BYTES;
}

function writeFixed(w: BufferWriter, bytes: Buffer, length: number, what: string): BufferWriter {
  if (bytes.length !== length) throw new RangeError(`${what} must be ${length} bytes, got ${bytes.length}`);
  return w.bytes(bytes);
}

/** Writes `type(1) | body`: exactly the bytes the sender signs. */
export function encodePacketBody(packet: DiscoveryPacket): Buffer {
  return writePacketBody(new BufferWriter(128), packet).finish();
}

/** Appends `type(1) | body` to w (encodePacket writes it after room for the header, so a packet is built in one buffer). */
export function writePacketBody(writer: BufferWriter, packet: DiscoveryPacket): BufferWriter {
  const w = writer.u8(PACKET_TYPE_BY_NAME[packet.type]);
  switch (packet.type) {
    case 'ping':
      writeEndpoint(writeEndpoint(w.u32(packet.version), packet.from), packet.to);
      break;
    case 'pong':
      writeFixed(writeEndpoint(w, packet.to), packet.pingHash, 32, 'ping hash');
      break;
    case 'find-node':
      writeFixed(w, packet.target, NODE_ID_BYTES, 'find-node target');
      break;
    case 'neighbours':
      w.varint(packet.nodes.length);
      for (const node of packet.nodes) writeFixed(writeEndpoint(w, node.endpoint), node.publicKey, PACKET_PUBKEY_BYTES, 'neighbour public key');
      break;
  }
  return w.u32(packet.expiration);
}

/** Copies entry `index`'s key into `keys` (one buffer for all keys of a packet) and returns its slice. */
function readPublicKey(r: BufferReader, keys: Buffer, index: number): Buffer {
  const key = r.view(PACKET_PUBKEY_BYTES, 'neighbour public key');
  // Only the prefix here; the curve check (an EC operation) runs after the packet's signature checks out.
  if (key[0] !== 0x02 && key[0] !== 0x03) throw new DecodeError('neighbour public key is not a compressed secp256k1 key');
  const at = index * PACKET_PUBKEY_BYTES;
  key.copy(keys, at);
  return keys.subarray(at, at + PACKET_PUBKEY_BYTES);
}

/** Parses `type(1) | body`; throws DecodeError on an unknown type, truncation or trailing bytes. */
export function decodePacketBody(bytes: Buffer): DiscoveryPacket {
  const r = new BufferReader(bytes);
  const type = r.u8('packet type');
  let packet: DiscoveryPacket;
  switch (type) {
    case PacketType.Ping:
      packet = { type: 'ping', version: r.u32('version'), from: readEndpoint(r, 'ping from'), to: readEndpoint(r, 'ping to'), expiration: r.u32('expiration') };
      break;
    case PacketType.Pong:
      packet = { type: 'pong', to: readEndpoint(r, 'pong to'), pingHash: r.bytes(32, 'ping hash'), expiration: r.u32('expiration') };
      break;
    case PacketType.FindNode:
      packet = { type: 'find-node', target: r.bytes(NODE_ID_BYTES, 'find-node target'), expiration: r.u32('expiration') };
      break;
    case PacketType.Neighbours: {
      const count = r.count(MIN_NEIGHBOUR_BYTES, 'neighbours');
      // The keys outlive the packet (lookup candidates, pings, table entries): one buffer of their
      // own for all of them (≤ 27 × 33 bytes, count is checked against the datagram), not 33-byte
      // copies in Node's shared 8 KB pool slabs, each of which a kept key pins whole.
      const keys = Buffer.allocUnsafeSlow(count * PACKET_PUBKEY_BYTES);
      const nodes: NeighbourNode[] = new Array(count);
      for (let i = 0; i < count; i++) nodes[i] = { endpoint: readEndpoint(r, 'neighbour'), publicKey: readPublicKey(r, keys, i) };
      packet = { type: 'neighbours', nodes, expiration: r.u32('expiration') };
      break;
    }
    default:
      throw new DecodeError(`unknown discovery packet type ${type}`);
  }
  r.end('discovery packet');
  return packet;
}

/** Bytes of a neighbours body around its entries: type(1) + varint count (1 byte below 253) + expiration(4). */
export const NEIGHBOURS_OVERHEAD_BYTES = 1 + 1 + EXPIRATION_BYTES;
