import { isIP } from 'node:net';
import { netGroup } from '../netgroup.js';

/** The table buckets every address by its raw /16 (IPv6 /32), loopback and private ones included. */
const everyAddressPublic = (): 'public' => 'public';

/**
 * The network group of an IP for bucketing (Core's GetGroup, without its ASN map): the peer set's
 * netGroup, except that loopback and private addresses are grouped by prefix too, so a local test
 * network of 127.x.y.z nodes spreads over buckets as the internet would. Throws RangeError for
 * text that is not an IP address.
 */
export function networkGroup(ip: string): string {
  if (isIP(ip) === 0) throw new RangeError(`"${ip}" is not an IP address`);
  return netGroup(ip, everyAddressPublic);
}
