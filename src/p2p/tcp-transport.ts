/**
 * The TCP seam of the peer layer: what a session needs of its connection (PeerStream, which a
 * node:net Socket satisfies as it is), and how connections are made and accepted
 * (TcpTransport). A node uses NODE_TCP_TRANSPORT; the simulator (src/sim/) passes streams over
 * its simulated internet, so the real peer code runs unchanged there.
 */
import type { EventEmitter } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { dialTcp } from './dial.js';

/**
 * One connection as a session uses it: framed writes, the unsent byte count, the close, and the
 * events 'data' (Buffer), 'error', 'close' and 'drain'.
 */
export interface PeerStream extends EventEmitter {
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
  readonly localPort?: number | undefined;
  /** Bytes written but not yet handed to the network. */
  readonly writableLength: number;
  readonly destroyed: boolean;
  /** False: the buffer is above its high-water mark ('drain' follows once it empties). */
  write(chunk: Uint8Array, callback?: (err?: Error | null) => void): boolean;
  setNoDelay(noDelay?: boolean): unknown;
  /** Sends what is queued, then closes our direction. */
  end(): unknown;
  /** Closes at once; what is queued is dropped. */
  destroy(): unknown;
}

/** A listening server: its bound port and how to stop it. */
export interface TcpListener {
  readonly port: number;
  close(): Promise<void>;
}

export interface TcpTransport {
  /** Resolves once connected, rejects on a refusal or after `timeoutMs` (the attempt is abandoned). */
  dial(host: string, port: number, timeoutMs: number): Promise<PeerStream>;
  /** Listens on host:port (0: an ephemeral port) and hands each accepted connection to `onStream`. */
  listen(host: string, port: number, onStream: (stream: PeerStream) => void, onError: (err: Error) => void): Promise<TcpListener>;
}

/** Real TCP (node:net). */
export const NODE_TCP_TRANSPORT: TcpTransport = {
  dial: dialTcp,
  listen: (host, port, onStream, onError) => {
    const server = createServer((socket) => onStream(socket));
    return new Promise<TcpListener>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        server.on('error', onError);
        resolve({
          port: (server.address() as AddressInfo).port,
          close: () => new Promise<void>((done) => server.close(() => done())),
        });
      });
    });
  },
};
