/**
 * IP address text → the parts limits are keyed on, shared by the peer layer (netgroups, per-host
 * limits) and the status page (per-client caps), so both count one host the same way.
 */
import { isIP } from 'node:net';

const IPV4_MAPPED_PREFIX = '::ffff:';
const IPV6_GROUPS = 8;
/** Groups of 16 bits in a /64: what one subscriber is usually given. */
const IPV6_HOST_PREFIX_GROUPS = 4;

/** The address without an IPv4-mapped prefix ("::ffff:") or an IPv6 zone ("%eth0"), lower-case. */
export function plainIp(address: string): string {
  const noZone = address.split('%')[0]!.toLowerCase();
  const tail = noZone.slice(IPV4_MAPPED_PREFIX.length);
  return noZone.startsWith(IPV4_MAPPED_PREFIX) && isIP(tail) === 4 ? tail : noZone;
}

/** 127.0.0.0/8 or ::1 (also as an IPv4-mapped address): the node's own machine. */
export function isLoopbackIp(address: string | undefined): boolean {
  if (address === undefined) return false;
  const ip = plainIp(address);
  return ip === '::1' || (isIP(ip) === 4 && ip.startsWith('127.'));
}

/** An IPv6 address's eight 16-bit groups ("::" expanded, an embedded IPv4 tail as two groups); undefined if malformed. */
export function ipv6Groups(address: string): number[] | undefined {
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
  const groups = [...left, ...new Array<string>(missing).fill('0'), ...right].map((g) => Number.parseInt(g, 16));
  return groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}

/**
 * The key of a per-host limit: an IPv4 address itself, or the /64 of an IPv6 one — a subscriber is
 * handed a whole /64 (often a /56), so keying on the full address would give one attacker 2^64
 * fresh budgets. "2001:db8:1:2::/64". Other text is its own key.
 */
export function hostKey(address: string): string {
  const ip = plainIp(address);
  if (isIP(ip) !== 6) return ip;
  const groups = ipv6Groups(ip);
  return groups === undefined ? ip : `${groups.slice(0, IPV6_HOST_PREFIX_GROUPS).map((g) => g.toString(16)).join(':')}::/64`;
}
