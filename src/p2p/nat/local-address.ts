import { createSocket } from 'node:dgram';
import { readFile } from 'node:fs/promises';

/**
 * The local IPv4 address the kernel would use to reach `host`: that is the internal client a
 * mapping must point at. Connecting a UDP socket only selects a route; nothing is sent.
 */
export function localAddressToward(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', (err) => {
      socket.close();
      reject(err);
    });
    socket.connect(port, host, () => {
      const { address } = socket.address();
      socket.close();
      resolve(address);
    });
  });
}

/** Default IPv4 gateway from the kernel routing table (Linux), or undefined. */
export async function defaultGatewayIPv4(routeFile = '/proc/net/route'): Promise<string | undefined> {
  const text = await readFile(routeFile, 'utf8').catch(() => '');
  for (const line of text.split('\n').slice(1)) {
    const [, destination, gateway, , , , , mask] = line.trim().split(/\s+/);
    if (destination !== '00000000' || mask !== '00000000' || gateway === undefined || gateway === '00000000') continue;
    // /proc/net/route prints addresses as little-endian hex.
    const bytes = Buffer.from(gateway, 'hex');
    if (bytes.length !== 4) continue;
    return [bytes[3], bytes[2], bytes[1], bytes[0]].join('.');
  }
  return undefined;
}
