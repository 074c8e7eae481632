/**
 * The deadlines of one peer session: the handshake (never refreshed by incoming bytes), each
 * started frame, and liveness — one ping outstanding at a time, its pong due within
 * peerTimeoutMs whatever else the peer sends (Core's ping timeout). A missed deadline is a
 * resource drop (resource-codes.ts), never a penalty; the session decides what that means.
 */
import { afterPendingIo, SYSTEM_CLOCK, type Clock, type TimerHandle } from '../util/clock.js';
import { CRYPTO_RANDOM, type RandomSource } from '../util/random-source.js';
import type { DisconnectCode } from './resource-codes.js';
import type { FrameDecoder } from './wire/index.js';

export interface SessionTimersOptions {
  readonly handshakeTimeoutMs: number;
  readonly frameTimeoutMs: number;
  readonly pingIntervalMs: number;
  readonly peerTimeoutMs: number;
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
  private pingTimer: TimerHandle | undefined;
  private stopped = false;
  private readonly clock: Clock;

  constructor(options: SessionTimersOptions) {
    this.options = options;
    this.clock = options.clock ?? SYSTEM_CLOCK;
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

  /** The session is open: no handshake deadline any more, pings every pingIntervalMs from now. */
  handshakeDone(): void {
    this.handshakeComplete = true;
    this.clock.clear(this.handshakeTimer);
    this.pingTimer = this.clock.setInterval(() => this.ping(), this.options.pingIntervalMs);
  }

  /** Sends a ping unless one is outstanding; its pong must come within peerTimeoutMs. */
  ping(): void {
    if (this.pendingPing || this.stopped) return;
    const nonce = (this.options.random ?? CRYPTO_RANDOM).uint64();
    this.pendingPing = { nonce, sentAtMs: this.clock.nowMs() };
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
    const rttMs = this.clock.nowMs() - this.pendingPing.sentAtMs;
    this.pendingPing = undefined;
    this.clock.clear(this.pongTimer);
    return rttMs;
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
      this.frameTimer = this.clock.setTimeout(
        () => this.afterPendingReads(() => {
          if (decoder.hasPartialFrame) this.options.expired('frame-timeout', `a frame was started but not completed within ${frameTimeoutMs} ms (${decoder.bufferedBytes} bytes buffered)`);
        }),
        frameTimeoutMs,
      );
    }
  }

  /** The session closed: every timer off, no more pings. */
  stop(): void {
    this.stopped = true;
    this.clock.clear(this.handshakeTimer);
    this.clock.clear(this.pongTimer);
    this.clock.clear(this.frameTimer);
    this.clock.clear(this.pingTimer);
  }

  /**
   * Runs `fn` after the event loop's next poll phase: when our own process was busy past a
   * deadline, the bytes that met it (a pong, a frame's end) are read before we judge the peer.
   */
  private afterPendingReads(fn: () => void): void {
    afterPendingIo(this.clock, fn);
  }
}
