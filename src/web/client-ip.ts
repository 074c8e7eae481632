/**
 * Which clients count as one for the per-address /ws cap: an IPv4 address, or an IPv6 /64 (what
 * one host is usually given: a per-address cap on a whole /64 would be no cap). And which are
 * loopback: the node's own machine, where its owner's browser is.
 */
import { hostKey } from '../util/ip.js';

/** 127.0.0.0/8 or ::1: one definition for the status page and the RPC connection caps. */
export { isLoopbackIp } from '../util/ip.js';

/** The key a client's connections are counted under: its IPv4 address or its IPv6 /64. */
export function clientIpKey(address: string | undefined): string {
  return address === undefined ? '?' : hostKey(address);
}
