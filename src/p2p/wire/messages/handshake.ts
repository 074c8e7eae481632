import { BufferReader } from '../../../primitives/encoding.js';
import { DecodeError } from '../../../util/errors.js';
import { NODE_ID_BYTES } from '../constants.js';
import { IP16_BYTES, newWriter, readHash, readIp16, readU16, readU256, writeHash, writeIp16, writeU16, writeU256 } from './fields.js';

/** Where the sender of a handshake sees the connection coming from (STUN's "mapped address"). */
export interface ObservedAddress {
  readonly ip: string;
  readonly port: number;
}

/**
 * First message each side sends. genesisHash all-zero means "my chain is empty" (that node adopts
 * the peer's genesis); bestHeight and chainWork are then 0. `nonce` is random per connection
 * attempt: receiving our own nonce back means we dialled ourselves. `listenPort` 0 means "do not
 * dial me" (a node behind a NAT nobody can dial through). `observed` (protocol version ≥ 2) is the
 * remote address of this connection as the sender's socket reports it: how a node behind a NAT
 * learns its external address and whether its NAT keeps port numbers.
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
  /** Present from version 2 on; a version-1 handshake decodes without it (and is then refused). */
  readonly observed?: ObservedAddress | undefined;
}

/** Version 1: version u32 | genesisHash[32] | bestHeight u32 | chainWork u256 BE | nodeId[32] | listenPort u16 | nonce u64 */
export const HANDSHAKE_V1_BYTES = 4 + 32 + 4 + 32 + NODE_ID_BYTES + 2 + 8;
/** Version 2 appends observedIp[16] | observedPort u16. */
export const HANDSHAKE_BYTES = HANDSHAKE_V1_BYTES + IP16_BYTES + 2;
/**
 * A later version may append fields, but only this many bytes in all: a handshake comes before the
 * sender proved anything, so it must not make us buffer megabytes (Bitcoin's version message is
 * about 100 bytes; 1 KiB leaves room for many versions of additions).
 */
export const MAX_HANDSHAKE_BYTES = 1_024;
/** The first version with the observed address. */
const OBSERVED_ADDRESS_VERSION = 2;

export function encodeHandshake(msg: HandshakeMessage): Buffer {
  const w = newWriter(HANDSHAKE_BYTES).u32(msg.version);
  writeHash(w, msg.genesisHash, 'genesis hash').u32(msg.bestHeight);
  writeU256(w, msg.chainWork);
  writeHash(w, msg.nodeId, 'node id');
  writeU16(w, msg.listenPort).u64(msg.nonce);
  if (msg.version < OBSERVED_ADDRESS_VERSION) return w.finish();
  if (msg.observed === undefined) throw new RangeError(`a version ${msg.version} handshake needs the observed address`);
  writeIp16(w, msg.observed.ip);
  return writeU16(w, msg.observed.port).finish();
}

/**
 * A version-1 handshake decodes (so the peer is refused cleanly for its version, not punished
 * for its length); from version 2 on the observed address must follow. A later version may
 * append fields: they are skipped, as Bitcoin's version message allows.
 */
export function decodeHandshake(payload: Buffer): HandshakeMessage {
  if (payload.length > MAX_HANDSHAKE_BYTES) throw new DecodeError(`handshake is ${payload.length} bytes, more than the ${MAX_HANDSHAKE_BYTES} allowed`);
  const r = new BufferReader(payload);
  const base = {
    kind: 'handshake' as const,
    version: r.u32('protocol version'),
    genesisHash: readHash(r, 'genesis hash'),
    bestHeight: r.u32('best height'),
    chainWork: readU256(r, 'chain work'),
    nodeId: readHash(r, 'node id'),
    listenPort: readU16(r, 'listen port'),
    nonce: r.u64('nonce'),
  };
  if (base.version < OBSERVED_ADDRESS_VERSION) {
    r.end('handshake');
    return base;
  }
  const observed = { ip: readIp16(r, 'observed address'), port: readU16(r, 'observed port') };
  if (base.version === OBSERVED_ADDRESS_VERSION) r.end('handshake');
  return { ...base, observed };
}
