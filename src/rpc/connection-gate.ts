/**
 * Sockets of the JSON-RPC / status-page HTTP server that a stranger may hold. Node's
 * requestTimeout closes a request that trickles in, but not a connection that sends nothing, nor
 * one that stops inside its request line (measured on Node 20.20 with our settings: all three
 * still open after 150 s), and the server had no connection cap: with `rpcHost` beyond loopback
 * anyone could hold sockets until the process ran out of file descriptors — the P2P listener's and
 * LMDB's too. So: a socket with no request running that sends nothing for RPC_SOCKET_IDLE_TIMEOUT_MS
 * is closed, and clients not on loopback hold at most RPC_MAX_REMOTE_CONNECTIONS sockets together
 * and RPC_MAX_CONNECTIONS_PER_ADDRESS from one address (an IPv6 /64). Loopback is never capped:
 * the owner's CLI and wallets must always get in, and a local user has easier ways to hurt.
 */
import type { Socket } from 'node:net';
import { hostKey, isLoopbackIp } from '../util/ip.js';

export interface ConnectionGateOptions {
  maxRemote: number;
  maxPerAddress: number;
  /** Tests call 127.0.0.1 remote; default: 127.0.0.0/8 and ::1 are loopback. */
  isLoopback?: (address: string | undefined) => boolean;
}

export type GateRefusal = 'too-many-remote-connections' | 'too-many-connections-from-address';

export class ConnectionGate {
  private remote = 0;
  private readonly perAddress = new Map<string, number>();
  /** Sockets with a request being answered: the idle timeout leaves them alone (a `mine` may run for minutes). */
  private readonly busy = new WeakSet<Socket>();
  private readonly isLoopback: (address: string | undefined) => boolean;

  constructor(private readonly options: ConnectionGateOptions) {
    this.isLoopback = options.isLoopback ?? isLoopbackIp;
  }

  /** A new socket: undefined when admitted (counted until it closes), else why it must be closed. */
  admit(socket: Socket): GateRefusal | undefined {
    const address = socket.remoteAddress;
    if (this.isLoopback(address)) return undefined;
    const key = address === undefined ? '?' : hostKey(address);
    const fromAddress = this.perAddress.get(key) ?? 0;
    if (this.remote >= this.options.maxRemote) return 'too-many-remote-connections';
    if (fromAddress >= this.options.maxPerAddress) return 'too-many-connections-from-address';
    this.remote++;
    this.perAddress.set(key, fromAddress + 1);
    socket.once('close', () => {
      this.remote--;
      const left = (this.perAddress.get(key) ?? 1) - 1;
      if (left > 0) this.perAddress.set(key, left);
      else this.perAddress.delete(key);
    });
    return undefined;
  }

  /** A request is being answered on `socket` until `done` fires. */
  requestStarted(socket: Socket, done: { once(event: 'close', listener: () => void): unknown }): void {
    this.busy.add(socket);
    done.once('close', () => this.busy.delete(socket));
  }

  /** The socket sent nothing for the idle timeout: close it unless a request on it is still being answered. */
  idle(socket: Socket): void {
    if (!this.busy.has(socket)) socket.destroy();
  }

  get remoteConnections(): number {
    return this.remote;
  }
}
