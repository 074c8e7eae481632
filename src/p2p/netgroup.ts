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

function ipv4Octets(ip: string): number[] {
  return ip.split('.').map((o) => Number.parseInt(o, 10));
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
    const [a = 0, b = 0] = ipv4Octets(ip);
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
    const [a = 0, b = 0] = ipv4Octets(ip);
    return `${a}.${b}.0.0/16`;
  }
  if (isIPv6(ip)) {
    const [g0 = 0, g1 = 0] = groupsOf(ip);
    return `${g0.toString(16)}:${g1.toString(16)}::/32`;
  }
  return ip;
}
