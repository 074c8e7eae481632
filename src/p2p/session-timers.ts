/**
 * The deadlines of one peer session: the handshake (never refreshed by incoming bytes), each
 * started frame, and liveness — one ping outstanding at a time, its pong due within
 * peerTimeoutMs whatever else the peer sends (Core's ping timeout). A missed deadline is a
 * resource drop (resource-codes.ts), never a penalty; the session decides what that means.
 *
 * When to ping (docs/protocol.md "Heartbeat"): only when the peer has gone quiet — pingIntervalMs
 * without a message from it at the dialling end, INBOUND_IDLE_PING_FACTOR times that at the
 * accepting end, so in a quiet session only the dialler pings and its ping counts as traffic for
 * the other end — and, whatever the traffic, when our last ping is PING_REFRESH_FACTOR intervals
 * old, so the round trip and the peer's best chain stay fresh on a busy session. A dead or cut
 * peer is therefore dropped at most pingIntervalMs (× 2 when it dialled us) + peerTimeoutMs after
 * its last message.
 */
import { afterPendingIo, steadyReader, SYSTEM_CLOCK, type Clock, type TimerHandle } from '../util/clock.js';
import { CRYPTO_RANDOM, type RandomSource } from '../util/random-source.js';
import { INBOUND_IDLE_PING_FACTOR, PING_REFRESH_FACTOR } from './constants.js';
import type { PeerDirection } from './peer-options.js';
import type { DisconnectCode } from './resource-codes.js';
import type { FrameDecoder } from './wire/index.js';

export interface SessionTimersOptions {
  readonly handshakeTimeoutMs: number;
  readonly frameTimeoutMs: number;
  /** Quiet (no message from the peer) after which the dialling end pings. */
  readonly pingIntervalMs: number;
  readonly peerTimeoutMs: number;
  /** Which end of the connection we are: the accepting end waits longer before it pings. */
  readonly direction: PeerDirection;
  /** The session's read buffer: whether a frame is started but not complete. */
  readonly decoder: Pick<FrameDecoder, 'hasPartialFrame' | 'bufferedBytes'>;
  /** Writes a ping with this nonce. */
  readonly sendPing: (nonce: bigint) => void;
  /** A deadline passed: drop the peer. */
  readonly expired: (code: DisconnectCode, reason: string) => void;
  /** Time and timers (the simulator's virtual clock); default SYSTEM_CLOCK. */
  readonly clock?: Clock | undefined;
  /** The ping nonces (the simulator's seeded source); default CRYPTO_RANDOM. */
  readonly random?: RandomSource | undefined;
}

export class SessionTimers {
  private readonly options: SessionTimersOptions;
  private pendingPing: { nonce: bigint; sentAtMs: number } | undefined;
  private handshakeTimer: TimerHandle | undefined;
  private handshakeComplete = false;
  private pongTimer: TimerHandle | undefined;
  private frameTimer: TimerHandle | undefined;
  /** Fires when the session may be due a ping; re-armed, never an interval (see heartbeat). */
  private heartbeatTimer: TimerHandle | undefined;
  private lastReceivedMs = 0;
  private lastPingMs = 0;
  private stopped = false;
  private readonly clock: Clock;
  /**
   * The wall clock read through steadyReader (never back): the timers run on a monotonic clock, and
   * after a step back a timestamp from before it would lie in the future, so the next ping (the only
   * way a silent peer is found dead) would wait out the step.
   */
  private readonly now: () => number;
  private readonly idlePingMs: number;
  private readonly refreshPingMs: number;

  constructor(options: SessionTimersOptions) {
    this.options = options;
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.now = steadyReader(() => this.clock.nowMs());
    this.idlePingMs = options.pingIntervalMs * (options.direction === 'inbound' ? INBOUND_IDLE_PING_FACTOR : 1);
    this.refreshPingMs = options.pingIntervalMs * PING_REFRESH_FACTOR;
  }

  /** A peer that sends nothing, or its handshake a byte at a time, is gone by handshakeTimeoutMs. */
  startHandshake(): void {
    const { handshakeTimeoutMs, expired } = this.options;
    this.handshakeTimer = this.clock.setTimeout(
      () => this.afterPendingReads(() => {
        if (!this.handshakeComplete && !this.stopped) expired('handshake-timeout', `no completed handshake within ${handshakeTimeoutMs} ms`);
      }),
      handshakeTimeoutMs,
    );
  }

  /** The session is open: no handshake deadline any more, pings when the peer goes quiet from now. */
  handshakeDone(): void {
    this.handshakeComplete = true;
    this.clock.clear(this.handshakeTimer);
    this.lastReceivedMs = this.lastPingMs = this.now();
    this.scheduleHeartbeat();
  }

  /**
   * A complete message came from the peer: the session is not quiet. Only a timestamp — the
   * heartbeat timer is not moved per message (a busy session would pay a timer per message).
   */
  received(): void {
    this.lastReceivedMs = this.now();
  }

  /** Sends a ping unless one is outstanding; its pong must come within peerTimeoutMs. */
  ping(): void {
    if (this.pendingPing || this.stopped) return;
    // The pong re-arms the heartbeat: nothing to check while a ping is outstanding.
    this.clock.clear(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
    const nonce = (this.options.random ?? CRYPTO_RANDOM).uint64();
    this.lastPingMs = this.now();
    this.pendingPing = { nonce, sentAtMs: this.lastPingMs };
    const ping = this.pendingPing;
    this.pongTimer = this.clock.setTimeout(
      () => this.afterPendingReads(() => {
        if (this.pendingPing === ping) this.options.expired('ping-timeout', `no pong within ${this.options.peerTimeoutMs} ms of our ping`);
      }),
      this.options.peerTimeoutMs,
    );
    this.options.sendPing(nonce);
  }

  /** A pong arrived: the round trip in ms when it answers our outstanding ping, else undefined. */
  pong(nonce: bigint): number | undefined {
    if (!this.pendingPing || this.pendingPing.nonce !== nonce) return undefined;
    const rttMs = this.now() - this.pendingPing.sentAtMs;
    this.pendingPing = undefined;
    this.clock.clear(this.pongTimer);
    if (this.handshakeComplete && !this.stopped) this.scheduleHeartbeat();
    return rttMs;
  }

  /** When the next ping is due: the peer quiet for idlePingMs, or our last ping refreshPingMs old. */
  private nextPingDueMs(): number {
    return Math.min(this.lastReceivedMs + this.idlePingMs, this.lastPingMs + this.refreshPingMs);
  }

  private scheduleHeartbeat(): void {
    this.clock.clear(this.heartbeatTimer);
    this.heartbeatTimer = this.clock.setTimeout(() => this.heartbeat(), Math.max(0, this.nextPingDueMs() - this.now()));
  }

  /**
   * Pings when due; otherwise messages came meanwhile and the timer is set again for the new due
   * time, so a busy session costs one timer per idle interval, not one per message.
   */
  private heartbeat(): void {
    this.heartbeatTimer = undefined;
    if (this.stopped || this.pendingPing) return;
    if (this.now() >= this.nextPingDueMs()) this.ping();
    else this.scheduleHeartbeat();
  }

  /**
   * After each chunk read: a frame must complete within frameTimeoutMs of the chunk that began
   * it, so the deadline starts when a partial frame is first left buffered and restarts each
   * time a frame completes.
   */
  watchFrame(completedSome: boolean): void {
    const { decoder, frameTimeoutMs } = this.options;
    if (completedSome || !decoder.hasPartialFrame) {
      this.clock.clear(this.frameTimer);
      this.frameTimer = undefined;
    }
    if (decoder.hasPartialFrame && !this.frameTimer) {
      // Judged by identity, not by "a frame is partial": a read due at the deadline may complete
      // this frame and start the next one, which then has a deadline of its own (this one is
      // cleared, but it already fired and only waits for those reads).
      const timer: TimerHandle = this.clock.setTimeout(
        () => this.afterPendingReads(() => {
          if (this.frameTimer === timer && decoder.hasPartialFrame) this.options.expired('frame-timeout', `a frame was started but not completed within ${frameTimeoutMs} ms (${decoder.bufferedBytes} bytes buffered)`);
        }),
        frameTimeoutMs,
      );
      this.frameTimer = timer;
    }
  }

  /** The session closed: every timer off, no more pings. */
  stop(): void {
    this.stopped = true;
    this.clock.clear(this.handshakeTimer);
    this.clock.clear(this.pongTimer);
    this.clock.clear(this.frameTimer);
    this.clock.clear(this.heartbeatTimer);
  }

  /**
   * Runs `fn` after the event loop's next poll phase: when our own process was busy past a
   * deadline, the bytes that met it (a pong, a frame's end) are read before we judge the peer.
   */
  private afterPendingReads(fn: () => void): void {
    afterPendingIo(this.clock, fn);
  }
}
