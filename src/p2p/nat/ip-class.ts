import { isIPv4 } from 'node:net';

/**
 * IPv4 ranges that cannot be dialled from the Internet (RFC 6890 special-purpose registry):
 * when a router reports one of these as its external address, there is another NAT (a second
 * home router, or carrier-grade NAT in 100.64/10) between it and the Internet.
 */
const NON_PUBLIC_IPV4_CIDRS: ReadonlyArray<readonly [string, number]> = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
];

function ipv4ToNumber(ip: string): number {
  return ip.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

/** True for a dotted IPv4 address inside a private, shared (CGNAT) or reserved range. */
export function isNonPublicIPv4(ip: string): boolean {
  const value = ipv4ToNumber(ip);
  return NON_PUBLIC_IPV4_CIDRS.some(([base, bits]) => {
    const size = 2 ** (32 - bits);
    const start = ipv4ToNumber(base);
    return value >= start && value < start + size;
  });
}

/** Gateways sometimes answer "" or "0.0.0.0" before they have a WAN lease. */
export function isUsableExternalIPv4(ip: string): boolean {
  return isIPv4(ip) && ip !== '0.0.0.0';
}
