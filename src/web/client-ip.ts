/**
 * Which clients count as one for the per-address /ws cap: an IPv4 address, or an IPv6 /64 (what
 * one host is usually given: a per-address cap on a whole /64 would be no cap). And which are
 * loopback: the node's own machine, where its owner's browser is.
 */
import { isIP } from 'node:net';

const IPV4_MAPPED_PREFIX = '::ffff:';
const IPV6_GROUPS = 8;
/** Groups of 16 bits in a /64. */
const IPV6_PREFIX_GROUPS = 4;

/** The address without an IPv4-mapped prefix or an IPv6 zone ("%eth0"). */
function plain(address: string): string {
  const noZone = address.split('%')[0]!.toLowerCase();
  return noZone.startsWith(IPV4_MAPPED_PREFIX) && isIP(noZone.slice(IPV4_MAPPED_PREFIX.length)) === 4 ? noZone.slice(IPV4_MAPPED_PREFIX.length) : noZone;
}

/** The IPv6 address's 8 groups (an embedded IPv4 tail counts as two). */
function ipv6Groups(address: string): string[] | undefined {
  let text = address;
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (isIP(tail) === 4) {
    const [a, b, c, d] = tail.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const left = head === '' ? [] : head.split(':');
  const right = rest === undefined || rest === '' ? [] : rest.split(':');
  const missing = IPV6_GROUPS - left.length - right.length;
  if (missing < 0 || (rest === undefined && missing !== 0)) return undefined;
  return [...left, ...new Array<string>(missing).fill('0'), ...right].map((g) => parseInt(g, 16).toString(16));
}

/** The key a client's connections are counted under: its IPv4 address or its IPv6 /64. */
export function clientIpKey(address: string | undefined): string {
  if (address === undefined) return '?';
  const ip = plain(address);
  if (isIP(ip) !== 6) return ip;
  const groups = ipv6Groups(ip);
  return groups === undefined ? ip : `${groups.slice(0, IPV6_PREFIX_GROUPS).join(':')}::/64`;
}

/** 127.0.0.0/8 or ::1 (also as an IPv4-mapped address). */
export function isLoopbackIp(address: string | undefined): boolean {
  if (address === undefined) return false;
  const ip = plain(address);
  return ip === '::1' || (isIP(ip) === 4 && ip.startsWith('127.'));
}
