import { type BufferReader, BufferWriter } from '../../../primitives/encoding.js';
import { HASH_BYTES } from '../../../primitives/hash.js';
import { DecodeError } from '../../../util/errors.js';
import { bytesToIp, ipToBytes } from '../../discovery/endpoint.js';

/** Field helpers the primitives' reader/writer lack: u16, u256 big-endian, bounded UTF-8 text. */

const MAX_U256 = (1n << 256n) - 1n;
const U256_BYTES = 32;
// ignoreBOM: a leading U+FEFF is text the sender wrote, not a marker to strip (stripping it broke decode(encode(x)) === x)
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function writeU16(w: BufferWriter, value: number): BufferWriter {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) throw new RangeError(`u16 out of range: ${value}`);
  return w.u8(value & 0xff).u8(value >>> 8);
}

export function readU16(r: BufferReader, what: string): number {
  return r.bytes(2, what).readUInt16LE(0);
}

/** Cumulative chain work: 256-bit, big-endian so it compares bytewise like the hashes it derives from. */
export function writeU256(w: BufferWriter, value: bigint): BufferWriter {
  if (value < 0n || value > MAX_U256) throw new RangeError(`u256 out of range: ${value}`);
  const out = Buffer.alloc(U256_BYTES);
  let v = value;
  for (let i = U256_BYTES - 1; i >= 0 && v > 0n; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return w.bytes(out);
}

export function readU256(r: BufferReader, what: string): bigint {
  const bytes = r.bytes(U256_BYTES, what);
  return BigInt(`0x${bytes.toString('hex')}`);
}

export function writeHash(w: BufferWriter, hash: Buffer, what: string): BufferWriter {
  if (hash.length !== HASH_BYTES) throw new RangeError(`${what} must be ${HASH_BYTES} bytes, got ${hash.length}`);
  return w.bytes(hash);
}

export function readHash(r: BufferReader, what: string): Buffer {
  return r.bytes(HASH_BYTES, what);
}

/** varint length + UTF-8 bytes, at most maxBytes. */
export function writeText(w: BufferWriter, text: string, maxBytes: number, what: string): BufferWriter {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length > maxBytes) throw new RangeError(`${what} is ${bytes.length} bytes, more than the ${maxBytes} allowed`);
  return w.varBytes(bytes);
}

export function readText(r: BufferReader, maxBytes: number, what: string): string {
  const bytes = r.varBytes(maxBytes, what);
  try {
    return utf8.decode(bytes);
  } catch {
    throw new DecodeError(`${what} is not valid UTF-8`);
  }
}

export function newWriter(sizeHint = 64): BufferWriter {
  return new BufferWriter(sizeHint);
}

/** An IP address in 16 bytes: IPv6 as is, IPv4 as IPv4-mapped (::ffff:a.b.c.d), so messages keep a fixed size. */
export const IP16_BYTES = 16;
const IPV4_MAPPED_PREFIX = Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]);

export function writeIp16(w: BufferWriter, ip: string): BufferWriter {
  const bytes = ipToBytes(ip);
  return w.bytes(bytes.length === IP16_BYTES ? bytes : Buffer.concat([IPV4_MAPPED_PREFIX, bytes]));
}

/** Reads 16 bytes; an IPv4-mapped address comes back as plain IPv4 text. */
export function readIp16(r: BufferReader, what: string): string {
  const bytes = r.bytes(IP16_BYTES, what);
  return bytes.subarray(0, IPV4_MAPPED_PREFIX.length).equals(IPV4_MAPPED_PREFIX) ? bytesToIp(bytes.subarray(IPV4_MAPPED_PREFIX.length)) : bytesToIp(bytes);
}
