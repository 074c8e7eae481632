import { BufferReader } from '../../../primitives/encoding.js';
import { NODE_ID_BYTES } from '../constants.js';
import { newWriter, readHash, readU16, readU256, writeHash, writeU16, writeU256 } from './fields.js';

/**
 * First message each side sends. genesisHash all-zero means "my chain is empty" (that node adopts
 * the peer's genesis); bestHeight and chainWork are then 0. `nonce` is random per connection
 * attempt: receiving our own nonce back means we dialled ourselves.
 */
export interface HandshakeMessage {
  readonly kind: 'handshake';
  readonly version: number;
  readonly genesisHash: Buffer;
  readonly bestHeight: number;
  readonly chainWork: bigint;
  readonly nodeId: Buffer;
  readonly listenPort: number;
  readonly nonce: bigint;
}

/** version u32 | genesisHash[32] | bestHeight u32 | chainWork u256 BE | nodeId[32] | listenPort u16 | nonce u64 */
export const HANDSHAKE_BYTES = 4 + 32 + 4 + 32 + NODE_ID_BYTES + 2 + 8;

export function encodeHandshake(msg: HandshakeMessage): Buffer {
  const w = newWriter(HANDSHAKE_BYTES).u32(msg.version);
  writeHash(w, msg.genesisHash, 'genesis hash').u32(msg.bestHeight);
  writeU256(w, msg.chainWork);
  writeHash(w, msg.nodeId, 'node id');
  return writeU16(w, msg.listenPort).u64(msg.nonce).finish();
}

export function decodeHandshake(payload: Buffer): HandshakeMessage {
  const r = new BufferReader(payload);
  const msg: HandshakeMessage = {
    kind: 'handshake',
    version: r.u32('protocol version'),
    genesisHash: readHash(r, 'genesis hash'),
    bestHeight: r.u32('best height'),
    chainWork: readU256(r, 'chain work'),
    nodeId: readHash(r, 'node id'),
    listenPort: readU16(r, 'listen port'),
    nonce: r.u64('nonce'),
  };
  r.end('handshake');
  return msg;
}
