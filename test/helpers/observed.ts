/**
 * What a scripted peer puts in its handshake's `observed` field: the remote address of its own
 * socket, as a real node does (src/p2p/peer.ts), so the node under test learns the truth.
 */
import type { Socket } from 'node:net';
import { normalizeIp } from '../../src/p2p/discovery/endpoint.js';
import type { ObservedAddress } from '../../src/p2p/wire/index.js';

export function observedOf(socket: Socket): ObservedAddress {
  const { remoteAddress, remotePort } = socket;
  if (remoteAddress === undefined || remotePort === undefined) throw new Error('the socket has no remote address (not connected, or already closed)');
  return { ip: normalizeIp(remoteAddress), port: remotePort };
}
