/**
 * One end of a simulated TCP connection (tcp.ts dials and listens): a PeerStream as node:net's
 * Socket is one. Each write crosses the sender's uplink, the link's one-way delay and the
 * receiver's downlink, in order per direction; FIN and reset follow the data already sent.
 */
import { EventEmitter } from 'node:events';
import type { PeerStream } from '../p2p/tcp-transport.js';
import type { Host, SimNetwork } from './network.js';
import type { VirtualClock } from './virtual-clock.js';
import { SIM_TCP_HIGH_WATER_BYTES, TCP_SEGMENT_OVERHEAD_BYTES } from './constants.js';

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

/** What a stream uses of the SimTcp that made it: time, the links, and the counters it adds to. */
export interface SimTcpContext {
  readonly clock: VirtualClock;
  readonly network: SimNetwork;
  readonly stats: SimTcpStats;
  /** Sees every write (the event census counts them by wire type); unset in normal runs. */
  readonly census: ((data: Buffer) => void) | undefined;
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
    private readonly tcp: SimTcpContext,
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
