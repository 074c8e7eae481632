import { isIPv4 } from 'node:net';
import type { Endpoint } from './endpoint.js';

function isLoopback(ip: string): boolean {
  return isIPv4(ip) ? ip.startsWith('127.') : ip === '::1';
}

function isUnspecifiedOrMulticast(ip: string): boolean {
  if (isIPv4(ip)) {
    const first = parseInt(ip, 10); // the first octet (parsing stops at its dot)
    return ip === '0.0.0.0' || ip === '255.255.255.255' || (first >= 224 && first <= 239);
  }
  return ip === '::' || ip.toLowerCase().startsWith('ff');
}

/**
 * Whether a neighbours entry from `senderIp` is worth pinging. Like geth's CheckRelayIP: a remote
 * node listing loopback addresses would make us ping our own machine's services, and unspecified
 * or multicast addresses can never be a node.
 */
export function isRelayableEndpoint(endpoint: Endpoint, senderIp: string): boolean {
  if (endpoint.udpPort === 0 || isUnspecifiedOrMulticast(endpoint.ip)) return false;
  return !isLoopback(endpoint.ip) || isLoopback(senderIp);
}
