import { ipToBytes } from '../discovery/endpoint.js';

const IPV4_BYTES = 4;
/** Core groups IPv6 by /32 (IPv4 by /16): one operator rarely holds more than such a block. */
const IPV6_GROUP_BYTES = 4;

/**
 * The network group of an IP (Core's GetGroup, without its ASN map): "4:a.b" for the IPv4 /16,
 * "6:<hex of the /32>" for IPv6. Throws RangeError for text that is not an IP address.
 */
export function networkGroup(ip: string): string {
  const bytes = ipToBytes(ip);
  if (bytes.length === IPV4_BYTES) return `4:${bytes[0]}.${bytes[1]}`;
  return `6:${bytes.subarray(0, IPV6_GROUP_BYTES).toString('hex')}`;
}

