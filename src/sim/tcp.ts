/**
 * Simulated TCP over the simulated internet (network.ts): the TcpTransport seam of the peer
 * layer (src/p2p/tcp-transport.ts), so each simulated node runs the real PeerSet and Peer.
 * A connection costs a round trip (SYN, SYN-ACK); each write crosses the sender's uplink, the
 * link's one-way delay and the receiver's downlink, the same queues the datagrams use, in
 * order per direction. No loss: TCP retransmits, and the delay that costs is not modelled. A
 * host behind NAT accepts no connection (it dials out only, as on the UDP side); a SYN to a
 * NATed or departed host is never answered (the dialler times out), one to a live public host
 * without a listener is refused after a round trip.
 */
import type { PeerStream, TcpListener, TcpTransport } from '../p2p/tcp-transport.js';
import { KadchainError } from '../util/errors.js';
import type { Host, SimNetwork } from './network.js';
import type { VirtualClock } from './virtual-clock.js';
import { SIM_EPHEMERAL_PORT_MIN } from './constants.js';
import { SimStream, type SimTcpContext, type SimTcpStats } from './tcp-stream.js';

export { SimStream, type SimTcpStats } from './tcp-stream.js';

/** What a simulated dial or listen fails with; the messages are node:net's, as the peer code logs and counts them. */
export class SimTcpError extends KadchainError<'address-in-use' | 'connect-timeout' | 'connection-refused'> {}

/** TCP for every host of a SimNetwork, on its virtual clock. */
export class SimTcp implements SimTcpContext {
  readonly stats: SimTcpStats = { connected: 0, refused: 0, unanswered: 0, segments: 0, bytes: 0 };
  /** Sees every write (the event census counts them by wire type); unset in normal runs. */
  census: ((data: Buffer) => void) | undefined;
  /** ip → port → accept callback. */
  private readonly listeners = new Map<string, Map<number, (stream: PeerStream) => void>>();
  private readonly nextEphemeral = new Map<string, number>();

  constructor(
    readonly clock: VirtualClock,
    readonly network: SimNetwork,
  ) {}

  /** The TcpTransport of `host` (what PeerSetOptions.transport takes). */
  transport(host: Host): TcpTransport {
    return {
      dial: (ip, port, timeoutMs) => this.dial(host, ip, port, timeoutMs),
      listen: (_bindHost, port, onStream) => Promise.resolve(this.listen(host, port === 0 ? this.ephemeralPort(host) : port, onStream)),
    };
  }

  private listen(host: Host, port: number, onStream: (stream: PeerStream) => void): TcpListener {
    let ports = this.listeners.get(host.ip);
    if (ports === undefined) {
      ports = new Map();
      this.listeners.set(host.ip, ports);
    }
    if (ports.has(port)) throw new SimTcpError('address-in-use', `listen EADDRINUSE: address already in use ${host.ip}:${port}`);
    ports.set(port, onStream);
    return {
      port,
      close: () => {
        if (ports.get(port) === onStream) ports.delete(port);
        return Promise.resolve();
      },
    };
  }

  private dial(from: Host, ip: string, port: number, timeoutMs: number): Promise<PeerStream> {
    return new Promise<PeerStream>((resolve, reject) => {
      const { clock, network } = this;
      let settled = false;
      const settle = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        clock.clear(timer);
        fn();
      };
      const timer = clock.setTimeout(() => settle(() => {
        this.stats.unanswered++;
        reject(new SimTcpError('connect-timeout', `TCP connect to ${ip}:${port} timed out after ${timeoutMs} ms`));
      }), timeoutMs);
      const to = network.hosts.get(ip);
      if (!from.alive || to === undefined) return;
      const oneWayMs = network.oneWayMs(from, to);
      // The SYN arrives: a NAT or a powered-off host never answers; no listener answers with a reset.
      clock.setTimeout(() => {
        if (!to.alive || to.natted || !from.alive) return;
        const accept = this.listeners.get(to.ip)?.get(port);
        if (accept === undefined) {
          clock.setTimeout(() => settle(() => {
            this.stats.refused++;
            reject(new SimTcpError('connection-refused', `connect ECONNREFUSED ${ip}:${port}`));
          }), oneWayMs);
          return;
        }
        const localPort = this.ephemeralPort(from);
        const client = new SimStream(this, from, localPort, to, to.ip, port);
        const server = new SimStream(this, to, port, from, from.ip, localPort);
        client.remote = server;
        server.remote = client;
        // SYN-ACK reaches the dialler (connected), then its ACK the listener (accepted): 1 and 1.5 round trips.
        clock.setTimeout(() => {
          if (settled || !from.alive) return void client.destroy();
          settle(() => {
            this.stats.connected++;
            resolve(client);
          });
        }, oneWayMs);
        clock.setTimeout(() => {
          const stillListening = this.listeners.get(to.ip)?.get(port);
          if (!to.alive) return;
          // Reset by the dialler meanwhile (it gave up), or nobody listens any more: no session.
          if (stillListening === undefined || server.destroyed) return void server.destroy();
          stillListening(server);
        }, 2 * oneWayMs);
      }, oneWayMs);
    });
  }

  private ephemeralPort(host: Host): number {
    const port = this.nextEphemeral.get(host.ip) ?? SIM_EPHEMERAL_PORT_MIN;
    this.nextEphemeral.set(host.ip, port >= 65_535 ? SIM_EPHEMERAL_PORT_MIN : port + 1);
    return port;
  }
}
