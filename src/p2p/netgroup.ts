/**
 * What an IP address is, for peer policy: loopback, private (not routable on the internet) or
 * public, and its network group (Bitcoin Core's netgroup: the /16 of IPv4, the /32 of IPv6),
 * the unit an attacker pays for when it wants many addresses. Inputs are normalised
 * (IPv4-mapped IPv6 already turned into IPv4 by normalizeIp).
 */
import { isIPv4, isIPv6 } from 'node:net';
import { hostKey, ipv6Groups } from '../util/ip.js';

/** Per-host limits' key (IPv4 address, IPv6 /64): src/util/ip.ts, shared with the status page. */
export { hostKey };

export type AddressClass = 'loopback' | 'private' | 'public';

/** The peer set takes this as a constructor option, so tests can call 127.0.0.2 "public". */
export type AddressClassifier = (ip: string) => AddressClass;

const DOT_CHAR_CODE = 0x2e;
const ZERO_CHAR_CODE = 0x30;

/**
 * The first two octets of an address `isIPv4` accepted, as `a << 8 | b`, read in place: classify
 * and netGroup run for every table admission (against each entry of the bucket) and inbound
 * connection, and a `split`/`map` per call was ~0.5 KB of garbage per simulated event.
 */
function ipv4Prefix16(ip: string): number {
  let first = -1;
  let octet = 0;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c !== DOT_CHAR_CODE) {
      octet = octet * 10 + (c - ZERO_CHAR_CODE);
    } else if (first >= 0) {
      return (first << 8) | octet;
    } else {
      first = octet;
      octet = 0;
    }
  }
  return (Math.max(first, 0) << 8) | octet; // not reached: a valid address has three dots
}

/** The eight 16-bit groups of an address `isIPv6` accepted. */
function groupsOf(ip: string): number[] {
  return ipv6Groups(ip) ?? [];
}

/**
 * Private: RFC 1918 (10/8, 172.16/12, 192.168/16), link-local (169.254/16, fe80::/10), unique
 * local IPv6 (fc00::/7) and carrier-grade NAT (100.64/10). A peer seen from 100.64/10 is inside
 * our own carrier's NAT, as unroutable from the internet as 192.168/16, so it is treated alike;
 * the many subscribers behind one *public* CGNAT address are what discouragement (instead of a
 * hard ban) protects.
 */
export function classifyAddress(ip: string): AddressClass {
  if (isIPv4(ip)) {
    const prefix = ipv4Prefix16(ip);
    const a = prefix >>> 8;
    const b = prefix & 0xff;
    if (a === 127) return 'loopback';
    if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127)) return 'private';
    return 'public';
  }
  if (isIPv6(ip)) {
    const g = groupsOf(ip);
    if (g.every((x, i) => x === (i === 7 ? 1 : 0))) return 'loopback';
    const first = g[0] ?? 0;
    if ((first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80) return 'private';
    return 'public';
  }
  return 'public';
}

/** "1.2.0.0/16", "2001:db8::/32"; loopback and private addresses each form one group. */
export function netGroup(ip: string, classify: AddressClassifier = classifyAddress): string {
  const cls = classify(ip);
  if (cls !== 'public') return cls;
  if (isIPv4(ip)) {
    const prefix = ipv4Prefix16(ip);
    return `${prefix >>> 8}.${prefix & 0xff}.0.0/16`;
  }
  if (isIPv6(ip)) {
    const [g0 = 0, g1 = 0] = groupsOf(ip);
    return `${g0.toString(16)}:${g1.toString(16)}::/32`;
  }
  return ip;
}

/**
 * Whether two public addresses share a netgroup, as `netGroup(a) === netGroup(b)` but without
 * building either string for IPv4: a table admission compares the newcomer with every entry of
 * its bucket. A loopback or private address shares no group here (false): the limits count none.
 */
export function samePublicNetGroup(a: string, b: string, classify: AddressClassifier = classifyAddress): boolean {
  if (classify(a) !== 'public' || classify(b) !== 'public') return false;
  const v4a = isIPv4(a);
  if (v4a !== isIPv4(b)) return false;
  return v4a ? ipv4Prefix16(a) === ipv4Prefix16(b) : netGroup(a, classify) === netGroup(b, classify);
}
