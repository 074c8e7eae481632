import { connect, isIP, type Socket } from 'node:net';
import { P2PError } from './errors.js';

/** Opens a TCP connection, or rejects after `timeoutMs` (the socket is destroyed then). */
export function dialTcp(host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`TCP connect to ${host}:${port} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    });
  });
}

/** Validates a manual peer address ("host", port) and returns its map key. */
export function peerAddressKey(host: string, port: number): string {
  if (!Number.isInteger(port) || port < 1 || port > 0xffff) {
    throw new P2PError('invalid-peer-address', `peer port ${port} is not a port number between 1 and 65535`);
  }
  if (host.length === 0 || (isIP(host) === 0 && !/^[A-Za-z0-9.-]+$/.test(host))) {
    throw new P2PError('invalid-peer-address', `peer host "${host}" is neither an IP address nor a host name`);
  }
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}
