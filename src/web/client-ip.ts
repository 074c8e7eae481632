/**
 * Which clients count as one for the per-address /ws cap: an IPv4 address, or an IPv6 /64 (what
 * one host is usually given: a per-address cap on a whole /64 would be no cap). And which are
 * loopback: the node's own machine, where its owner's browser is.
 */
import { isIP } from 'node:net';
import { hostKey, plainIp } from '../util/ip.js';

/** The key a client's connections are counted under: its IPv4 address or its IPv6 /64. */
export function clientIpKey(address: string | undefined): string {
  return address === undefined ? '?' : hostKey(address);
}

/** 127.0.0.0/8 or ::1 (also as an IPv4-mapped address). */
export function isLoopbackIp(address: string | undefined): boolean {
  if (address === undefined) return false;
  const ip = plainIp(address);
  return ip === '::1' || (isIP(ip) === 4 && ip.startsWith('127.'));
}
