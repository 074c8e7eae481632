import { isIPv4, isIPv6 } from 'node:net';
import type { BufferReader, BufferWriter } from '../../primitives/encoding.js';
import { DecodeError } from '../../util/errors.js';
import { IPV4_TEXTS } from './ip-text.js';

/** Where a node listens. `ip` is the canonical text form (RFC 5952 for IPv6). */
export interface Endpoint {
  readonly ip: string;
  readonly udpPort: number;
  readonly tcpPort: number;
}

const FAMILY_IPV4 = 4;
const FAMILY_IPV6 = 6;
const IPV4_BYTES = 4;
const IPV6_BYTES = 16;
const PORT_BYTES = 2;
/** family u8 | ip[4 or 16] | udpPort u16 LE | tcpPort u16 LE */
export const ENDPOINT_IPV4_BYTES = 1 + IPV4_BYTES + 2 * PORT_BYTES;
export const ENDPOINT_IPV6_BYTES = 1 + IPV6_BYTES + 2 * PORT_BYTES;
const DOT_CHAR_CODE = 0x2e;
const ZERO_CHAR_CODE = 0x30;
const MAPPED_IPV4_PREFIX = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

function ipv4ToBytes(ip: string): Buffer {
  return Buffer.from(ip.split('.').map((part) => Number(part)));
}

function ipv6ToBytes(ip: string): Buffer {
  let text = ip;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    // embedded IPv4 in the last 32 bits (::ffff:1.2.3.4): rewrite it as two hex groups
    const v4 = ipv4ToBytes(text.slice(lastColon + 1));
    text = `${text.slice(0, lastColon + 1)}${v4.readUInt16BE(0).toString(16)}:${v4.readUInt16BE(2).toString(16)}`;
  }
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const gap = text.indexOf('::');
  const groups =
    gap < 0
      ? parse(text)
      : (() => {
          const head = parse(text.slice(0, gap));
          const tail = parse(text.slice(gap + 2));
          return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
        })();
  const out = Buffer.alloc(IPV6_BYTES);
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

/** IP text → 4 or 16 bytes. Throws RangeError for anything that is not an IPv4/IPv6 address (zones included). */
export function ipToBytes(ip: string): Buffer {
  if (isIPv4(ip)) return ipv4ToBytes(ip);
  if (isIPv6(ip) && !ip.includes('%')) return ipv6ToBytes(ip);
  throw new RangeError(`"${ip}" is not an IPv4 or IPv6 address`);
}

/** 4 or 16 bytes → canonical IP text. */
export function bytesToIp(bytes: Buffer): string {
  if (bytes.length === IPV4_BYTES) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  if (bytes.length !== IPV6_BYTES) throw new RangeError(`an IP address is 4 or 16 bytes, got ${bytes.length}`);
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(bytes.readUInt16BE(i * 2));
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${bytesToIp(bytes.subarray(12))}`;
  }
  // RFC 5952: compress the longest run (≥ 2) of zero groups, the first one on a tie
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/**
 * Dual-stack sockets report IPv4 peers as ::ffff:a.b.c.d; store and compare them as plain IPv4.
 * A link-local IPv6 peer comes with its zone (fe80::1%eth0): the zone is dropped, since it names
 * our interface, not the peer, and no 16-byte field can carry it (throwing here killed the node
 * on any inbound link-local connection when listening on ::).
 */
export function normalizeIp(ip: string): string {
  // Canonical already (isIPv4 accepts no leading zeros): every received datagram comes through here.
  if (isIPv4(ip)) return ip;
  const mapped = MAPPED_IPV4_PREFIX.exec(ip);
  if (mapped && isIPv4(mapped[1])) return mapped[1];
  const zone = ip.indexOf('%');
  return bytesToIp(ipToBytes(zone >= 0 && isIPv6(ip) ? ip.slice(0, zone) : ip));
}

function checkPort(port: number, what: string): void {
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) throw new RangeError(`${what} ${port} is not a port number`);
}

export function endpointBytes(endpoint: Endpoint): number {
  return isIPv4(endpoint.ip) ? ENDPOINT_IPV4_BYTES : ENDPOINT_IPV6_BYTES;
}

/**
 * Writes the endpoint straight into the writer: every packet carries one to sixteen endpoints,
 * and three small Buffers per endpoint (split octets, address, ports) were ~6 % of a discovery
 * simulation's CPU, most of it Buffer pool churn.
 */
export function writeEndpoint(w: BufferWriter, endpoint: Endpoint): BufferWriter {
  checkPort(endpoint.udpPort, 'UDP port');
  checkPort(endpoint.tcpPort, 'TCP port');
  const ip = endpoint.ip;
  if (isIPv4(ip)) {
    w.u8(FAMILY_IPV4);
    let octet = 0;
    for (let i = 0; i < ip.length; i++) {
      const c = ip.charCodeAt(i);
      if (c === DOT_CHAR_CODE) {
        w.u8(octet);
        octet = 0;
      } else {
        octet = octet * 10 + (c - ZERO_CHAR_CODE);
      }
    }
    w.u8(octet);
  } else {
    w.u8(FAMILY_IPV6).bytes(ipToBytes(ip));
  }
  const { udpPort, tcpPort } = endpoint;
  return w.u8(udpPort & 0xff).u8(udpPort >>> 8).u8(tcpPort & 0xff).u8(tcpPort >>> 8);
}

/**
 * Reads byte by byte, and builds a field's label only when it is missing (skip() then throws the
 * same DecodeError the labelled read would): three labels and two Buffer views per endpoint were
 * ~12 % of what decoding a neighbours packet allocated.
 */
export function readEndpoint(r: BufferReader, what: string): Endpoint {
  if (r.remaining < 1) r.skip(1, `${what} address family`);
  const family = r.u8();
  if (family !== FAMILY_IPV4 && family !== FAMILY_IPV6) throw new DecodeError(`${what} has unknown address family ${family}`);
  let ip: string;
  if (family === FAMILY_IPV4) {
    if (r.remaining < IPV4_BYTES) r.skip(IPV4_BYTES, `${what} address`);
    ip = IPV4_TEXTS.text(r.u8(), r.u8(), r.u8(), r.u8());
  } else {
    ip = bytesToIp(r.view(IPV6_BYTES, `${what} address`));
  }
  if (r.remaining < 2 * PORT_BYTES) r.skip(2 * PORT_BYTES, `${what} ports`);
  const udpPort = r.u8() | (r.u8() << 8);
  const tcpPort = r.u8() | (r.u8() << 8);
  return { ip, udpPort, tcpPort };
}
