import { createSocket } from 'node:dgram';
import { errorMessage } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import { DiscoveryError } from './errors.js';

/** The datagram socket discovery sends and receives through: UDP in a node, a simulated network in src/sim/. */
export interface DatagramSocket {
  /** Binds and resolves with the actual port; rejects with DiscoveryError 'bind-failed'. */
  bind(port: number, host: string): Promise<number>;
  /** Fire and forget: a failed send calls onError (a datagram may be lost anyway). */
  send(bytes: Buffer, port: number, ip: string, onError: (err: Error) => void): void;
  close(): Promise<void>;
}

export interface DatagramSocketOptions {
  readonly udp6: boolean;
  readonly logger: Logger;
  /** Every datagram received, with the address it came from as the socket reports it. */
  onMessage(bytes: Buffer, fromIp: string, fromPort: number): void;
}

export type DatagramSocketFactory = (options: DatagramSocketOptions) => DatagramSocket;

/** A node:dgram UDP socket. */
export const createUdpSocket: DatagramSocketFactory = (options) => {
  const socket = createSocket({ type: options.udp6 ? 'udp6' : 'udp4', reuseAddr: false });
  socket.on('message', (msg, rinfo) => options.onMessage(msg, rinfo.address, rinfo.port));
  return {
    async bind(port, host) {
      await new Promise<void>((resolve, reject) => {
        const onError = (err: Error): void => {
          reject(new DiscoveryError('bind-failed', `cannot bind UDP ${host}:${port} for discovery: ${err.message}; pick another port or stop the other process`, { cause: err }));
        };
        socket.once('error', onError);
        socket.bind(port, host, () => {
          socket.off('error', onError);
          resolve();
        });
      });
      // After binding, socket errors (e.g. ICMP unreachable surfacing on some platforms) must not crash the node.
      socket.on('error', (err) => options.logger.debug({ err: errorMessage(err) }, 'discovery socket error'));
      return socket.address().port;
    },
    send(bytes, port, ip, onError) {
      socket.send(bytes, port, ip, (err) => {
        if (err !== null && err !== undefined) onError(err);
      });
    },
    close() {
      return new Promise<void>((resolve) => {
        try {
          socket.close(() => resolve());
        } catch {
          resolve(); // already closed, or never bound
        }
      });
    },
  };
};
