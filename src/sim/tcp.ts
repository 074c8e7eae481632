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
import { EventEmitter } from 'node:events';
import type { PeerStream, TcpListener, TcpTransport } from '../p2p/tcp-transport.js';
import { KadchainError } from '../util/errors.js';
import type { Host, SimNetwork } from './network.js';
import type { VirtualClock } from './virtual-clock.js';
import { SIM_EPHEMERAL_PORT_MIN, SIM_TCP_HIGH_WATER_BYTES, TCP_SEGMENT_OVERHEAD_BYTES } from './constants.js';

/** What a simulated dial or listen fails with; the messages are node:net's, as the peer code logs and counts them. */
export class SimTcpError extends KadchainError<'address-in-use' | 'connect-timeout' | 'connection-refused'> {}

export interface SimTcpStats {
  /** Connections established. */
  connected: number;
  /** Dials answered by a reset (live public host, no listener). */
  refused: number;
  /** Dials never answered (NATed or departed host): the dialler's timeout. */
  unanswered: number;
  /** Writes delivered, and their bytes with TCP/IP headers. */
  segments: number;
  bytes: number;
}

/** One end of a simulated connection: a PeerStream as node:net's Socket is one. */
export class SimStream extends EventEmitter implements PeerStream {
  destroyed = false;
  remote: SimStream | undefined;
  /** Unsent writes: when each leaves the uplink, and its bytes (FIFO: the uplink is). */
  private readonly pendingDepartMs: number[] = [];
  private readonly pendingBytes: number[] = [];
  private pendingHead = 0;
  private unsentBytes = 0;
  private needDrain = false;
  private ended = false;
  /** Our FIN is out: when it leaves the uplink. */
  private finDepartMs: number | undefined;
  private finReceived = false;
  /** destroy(): writes that had not left the uplink by then are never delivered. */
  private destroyedAtMs: number | undefined;
  /** Latest arrival scheduled at the other end: a close must not overtake data. */
  private lastArrivalMs = 0;
  /** Received before anyone listened for 'data' (a socket starts paused, as node:net's does). */
  private inbox: Buffer[] | undefined = [];
  private closedEmitted = false;
  private corks = 0;

  constructor(
    private readonly tcp: SimTcp,
    readonly host: Host,
    readonly localPort: number,
    readonly remoteHost: Host,
    readonly remoteAddress: string,
    readonly remotePort: number,
  ) {
    super();
    this.on('newListener', (event) => {
      if (event === 'data' && this.inbox !== undefined) this.tcp.clock.setTimeout(() => this.flushInbox(), 0);
    });
  }

  get writableLength(): number {
    const now = this.tcp.clock.nowMs();
    while (this.pendingHead < this.pendingDepartMs.length && this.pendingDepartMs[this.pendingHead] <= now) {
      this.unsentBytes -= this.pendingBytes[this.pendingHead];
      this.pendingHead++;
    }
    if (this.pendingHead === this.pendingDepartMs.length) {
      this.pendingDepartMs.length = 0;
      this.pendingBytes.length = 0;
      this.pendingHead = 0;
    }
    return this.unsentBytes;
  }

  write(chunk: Uint8Array, callback?: (err?: Error | null) => void): boolean {
    if (this.destroyed || this.ended) return false;
    const remote = this.remote;
    const wireBytes = chunk.length + TCP_SEGMENT_OVERHEAD_BYTES;
    const departMs = this.tcp.network.uplinkDone(this.host, wireBytes);
    this.pendingDepartMs.push(departMs);
    this.pendingBytes.push(chunk.length);
    this.unsentBytes += chunk.length;
    const data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    this.tcp.census?.(data);
    if (this.host.alive && remote !== undefined) {
      this.host.bytesSent += wireBytes;
      this.toRemote(departMs, wireBytes, () => {
        if (this.destroyedAtMs !== undefined && departMs > this.destroyedAtMs) return;
        this.tcp.stats.segments++;
        this.tcp.stats.bytes += wireBytes;
        this.remoteHost.bytesReceived += wireBytes;
        remote.receive(data);
      });
    }
    if (callback) this.tcp.clock.setTimeout(() => callback(), departMs - this.tcp.clock.nowMs());
    const below = this.writableLength < SIM_TCP_HIGH_WATER_BYTES;
    if (!below && !this.needDrain) {
      this.needDrain = true;
      this.scheduleDrain();
    }
    return below;
  }

  setNoDelay(): this {
    return this;
  }

  get writableNeedDrain(): boolean {
    return this.needDrain;
  }

  /**
   * Counted only: the simulated uplink already queues writes back to back, so what corking saves
   * a real socket (one writev instead of a syscall per write) costs nothing here to begin with.
   */
  cork(): void {
    this.corks++;
  }

  uncork(): void {
    if (this.corks > 0) this.corks--;
  }

  get writableCorked(): number {
    return this.corks;
  }

  /** FIN after what is queued; the far end closes its side too (no half-open sockets, node:net's default). */
  end(): this {
    if (this.ended || this.destroyed) return this;
    this.ended = true;
    const departMs = this.tcp.network.uplinkDone(this.host, TCP_SEGMENT_OVERHEAD_BYTES);
    this.finDepartMs = departMs;
    const remote = this.remote;
    this.tcp.clock.setTimeout(() => {
      if (this.finReceived) this.closeLocal();
    }, departMs - this.tcp.clock.nowMs());
    if (this.host.alive && remote !== undefined) this.toRemote(departMs, TCP_SEGMENT_OVERHEAD_BYTES, () => remote.onFin());
    return this;
  }

  /** Closes at once: unsent writes are dropped, the far end hears of it after the data already sent. */
  destroy(): this {
    if (this.destroyed) return this;
    const now = this.tcp.clock.nowMs();
    this.destroyedAtMs = now;
    const remote = this.remote;
    if (this.host.alive && remote !== undefined && !(this.finReceived && this.ended)) {
      this.toRemote(now, TCP_SEGMENT_OVERHEAD_BYTES, () => remote.closeLocal());
    }
    this.tcp.clock.setTimeout(() => this.closeLocal(), 0); // node:net emits 'close' asynchronously
    this.destroyed = true;
    return this;
  }

  /** Data from the far end. */
  receive(data: Buffer): void {
    if (this.destroyed || !this.host.alive) return;
    if (this.inbox !== undefined) {
      this.inbox.push(data);
      return;
    }
    this.emit('data', data);
  }

  /** The far end's FIN: ours follows (it closes this side at once if ours is out already). */
  onFin(): void {
    if (this.destroyed || !this.host.alive) return;
    this.finReceived = true;
    this.emit('end');
    if (!this.ended) this.end();
    else if (this.finDepartMs !== undefined && this.finDepartMs <= this.tcp.clock.nowMs()) this.closeLocal();
  }

  /** The connection is gone: 'close' once. */
  closeLocal(): void {
    if (this.closedEmitted) return;
    this.closedEmitted = true;
    this.destroyed = true;
    this.inbox = undefined;
    this.emit('close', false);
  }

  /** Schedules `fn` at the far end when a segment leaving our uplink at `departMs` arrives (after earlier ones). */
  private toRemote(departMs: number, wireBytes: number, fn: () => void): void {
    const { network, clock } = this.tcp;
    const arrivalMs = Math.max(this.lastArrivalMs, network.downlinkDone(this.remoteHost, departMs + network.oneWayMs(this.host, this.remoteHost), wireBytes));
    this.lastArrivalMs = arrivalMs;
    clock.setTimeout(fn, arrivalMs - clock.nowMs());
  }

  private flushInbox(): void {
    const inbox = this.inbox;
    if (inbox === undefined) return;
    this.inbox = undefined;
    for (const data of inbox) {
      if (this.destroyed) return;
      this.emit('data', data);
    }
  }

  private scheduleDrain(): void {
    const last = this.pendingDepartMs[this.pendingDepartMs.length - 1] ?? this.tcp.clock.nowMs();
    this.tcp.clock.setTimeout(() => {
      if (this.destroyed) return;
      if (this.writableLength > 0) return this.scheduleDrain();
      this.needDrain = false;
      this.emit('drain');
    }, last - this.tcp.clock.nowMs());
  }
}

/** TCP for every host of a SimNetwork, on its virtual clock. */
export class SimTcp {
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
