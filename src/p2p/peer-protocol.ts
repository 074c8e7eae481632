/**
 * The receiving side of one peer session (peer.ts is the session as the node sees it: its state,
 * its writes and how it ends): the peer's bytes into frames, the checks made before a decode
 * (frame-gate.ts), the handshake and its signed ack up to 'ready', rejects, dial-back probes and
 * heartbeats, and the deadlines on all of them (session-timers.ts). A fault found here is the
 * session's punish(); the other messages of an open session leave as its 'message' events.
 */
import type { Clock } from '../util/clock.js';
import { errorMessage } from '../util/errors.js';
import type { RandomSource } from '../util/random-source.js';
import { DEFAULT_FRAME_TIMEOUT_MS, MAX_PRE_SESSION_PAYLOAD_BYTES, RECEIVED_REJECT_LOGS_PER_SEC, RECEIVED_REJECT_LOG_BURST } from './constants.js';
import { FrameGate } from './frame-gate.js';
import { handshakeIncompatibility, localHandshake } from './handshake.js';
import type { Peer } from './peer.js';
import type { PeerOptions } from './peer-options.js';
import { TokenBucket } from './rate-limit.js';
import { SessionTimers } from './session-timers.js';
import { FrameDecoder, MAX_PAYLOAD_BYTES, WireError, createHandshakeAck, decodeMessage, verifyHandshakeAck, type Frame, type HandshakeMessage, type WireMessage } from './wire/index.js';

export interface PeerProtocolOptions {
  /** What the peer set gave the session (its checks, log levels, timeouts, our key and status). */
  readonly peer: PeerOptions;
  readonly clock: Clock;
  readonly random: RandomSource;
  /** Clock of the per-peer rate limits (tests). */
  readonly now: () => number;
}

export class PeerProtocol {
  private readonly session: Peer;
  private readonly options: PeerOptions;
  /** Small frames only until the session opens (maybeReady raises the limit). */
  private readonly decoder = new FrameDecoder({ maxPayloadBytes: MAX_PRE_SESSION_PAYLOAD_BYTES });
  private readonly gate: FrameGate;
  private readonly timers: SessionTimers;
  /** Rejects from the peer logged at info (see RECEIVED_REJECT_LOGS_PER_SEC); the rest at debug. */
  private readonly rejectLogs: TokenBucket;
  private ackSent = false;
  private ackVerified = false;

  /** `session` is the Peer that owns this side; it is read and told, never constructed here. */
  constructor(session: Peer, options: PeerProtocolOptions) {
    this.session = session;
    const { peer, clock, random, now } = options;
    this.options = peer;
    this.timers = new SessionTimers({
      handshakeTimeoutMs: peer.handshakeTimeoutMs,
      frameTimeoutMs: peer.frameTimeoutMs ?? DEFAULT_FRAME_TIMEOUT_MS,
      pingIntervalMs: peer.pingIntervalMs,
      peerTimeoutMs: peer.peerTimeoutMs,
      direction: peer.direction,
      decoder: this.decoder,
      sendPing: (nonce) => this.sendHeartbeat('ping', nonce),
      expired: (code, reason) => session.disconnect(code, reason),
      clock,
      random,
    });
    this.gate = new FrameGate(now);
    this.rejectLogs = new TokenBucket({ ratePerSec: RECEIVED_REJECT_LOGS_PER_SEC, burst: RECEIVED_REJECT_LOG_BURST, now });
  }

  /** Both acks are done: ours sent, theirs verified. */
  get acksDone(): boolean {
    return this.ackSent && this.ackVerified;
  }

  /** The peer's ack proved the node id its handshake claimed. */
  get ackProven(): boolean {
    return this.ackVerified;
  }

  /** Starts the handshake deadline and sends our handshake. */
  start(): void {
    const s = this.session;
    this.timers.startHandshake();
    s.send(localHandshake(this.options.status(), this.options.nodeKey.nodeId, this.options.listenPort, s.nonce, { ip: s.ip, port: s.remotePort }));
  }

  /** The session closed: no deadline fires any more. */
  stop(): void {
    this.timers.stop();
  }

  /** Bytes from the open socket (the session counts what comes after its close). */
  read(chunk: Buffer): void {
    const s = this.session;
    let completed = 0;
    try {
      this.decoder.feed(chunk);
      // Each frame is handled before the next header is read: the session may open on a frame of
      // this chunk, and only then may the next one be larger than a pre-session message.
      for (let frame = this.decoder.nextFrame(); frame !== undefined; frame = this.decoder.nextFrame()) {
        completed++;
        this.onFrame(frame);
        if (s.isClosed) return;
      }
    } catch (err) {
      if (err instanceof WireError) return void s.punish(err.code, err.message);
      s.logger.error({ err: errorMessage(err) }, 'error while reading frames from a peer');
    }
    if (!s.isClosed) this.timers.watchFrame(completed > 0);
  }

  private onFrame(frame: Frame): void {
    const s = this.session;
    try {
      const violation = this.gate.check(frame, s.isReady);
      if (violation) return void s.punish(violation.code, violation.reason);
      this.timers.received(); // any message shows the peer alive: no ping needed while they come
      this.onMessage(decodeMessage(frame.type, frame.payload));
    } catch (err) {
      if (err instanceof WireError) s.punish(err.code, err.message);
      else s.logger.error({ err: errorMessage(err) }, 'error while handling a peer message');
    }
  }

  private onMessage(msg: WireMessage): void {
    if (msg.kind === 'reject') return this.onReject(msg);
    if (msg.kind === 'probe') return this.onProbe(msg.nonce);
    if (msg.kind === 'handshake') return this.onHandshake(msg);
    if (msg.kind === 'handshake-ack') return this.onAck(msg);
    if (!this.session.isReady) return void this.session.punish('unexpected-message', `peer sent ${msg.kind} before completing the handshake`);
    if (msg.kind === 'ping' || msg.kind === 'pong') this.onHeartbeat(msg);
    this.session.emit('message', msg);
  }

  /**
   * Before the session is up a reject is the far end refusing us: warn with its reason (once per
   * address and code per interval). Both ends dialling each other at once is routine: debug.
   */
  private onReject(msg: WireMessage & { kind: 'reject' }): void {
    const s = this.session;
    const fields = { code: msg.code, reason: msg.reason };
    if (!s.isReady) s.refusal = { ...fields, by: 'peer' };
    if (msg.code === 'duplicate-connection') {
      s.lostDuplicate = true;
      return void s.logger.debug(fields, 'peer kept another connection to us');
    }
    if (!s.isReady) {
      return void s.logger[this.options.faultLevel?.(s, `refused-us ${msg.code}`) ?? 'warn'](fields, 'peer refused us');
    }
    s.logger[this.rejectLogs.take() ? 'info' : 'debug']({ ...fields, hash: msg.hash.toString('hex') }, 'peer rejected something we sent');
  }

  /**
   * A dial-back probe is the whole of a connection made to check our reachability: valid only as
   * the first frame of an inbound connection. It is no session, so closing it is no fault.
   */
  private onProbe(nonce: bigint): void {
    const s = this.session;
    if (s.direction !== 'inbound' || s.remoteHandshake !== undefined) {
      return void s.punish('unexpected-message', 'peer sent a dial-back probe inside a session');
    }
    s.wasProbe = true;
    s.emit('probe', nonce);
    s.close('dial-back probe received');
  }

  private onHandshake(msg: HandshakeMessage): void {
    const s = this.session;
    if (s.remoteHandshake) return void s.punish('unexpected-message', 'peer sent a second handshake');
    s.remoteHandshake = msg;
    s.bestHeight = msg.bestHeight;
    s.bestWork = msg.chainWork;
    s.logger = s.logger.child({ nodeId: msg.nodeId.toString('hex').slice(0, 16) });
    const refusal = handshakeIncompatibility(msg, this.options.status()) ?? this.options.admit(s, msg);
    if (refusal) return s.refuse(refusal.code, refusal.reason);
    s.send(createHandshakeAck(this.options.nodeKey.privateKey, msg.nonce));
    this.ackSent = true;
    this.maybeReady();
  }

  private onAck(msg: WireMessage & { kind: 'handshake-ack' }): void {
    const s = this.session;
    const hs = s.remoteHandshake;
    if (!hs || this.ackVerified) return void s.punish('unexpected-message', 'peer sent a handshake-ack out of order');
    if (!verifyHandshakeAck(msg, hs.nodeId, s.nonce)) {
      return void s.punish('bad-handshake-ack', 'peer handshake-ack does not prove the node id it claimed');
    }
    this.ackVerified = true;
    this.maybeReady();
  }

  private maybeReady(): void {
    const s = this.session;
    if (!s.isReady) return;
    const refusal = this.options.admitProven(s);
    if (refusal) return s.refuse(refusal.code, refusal.reason);
    this.decoder.maxPayloadBytes = MAX_PAYLOAD_BYTES;
    this.timers.handshakeDone();
    s.logger[this.options.readyLevel?.(s) ?? 'info']({ height: s.bestHeight }, 'peer ready');
    s.emit('ready');
    this.timers.ping(); // at once, as Core does: the round trip is known from the start
  }

  /** A ping or pong carries our best chain, as the handshake did. */
  private sendHeartbeat(kind: 'ping' | 'pong', nonce: bigint): void {
    const status = this.options.status();
    this.session.send({ kind, nonce, bestHeight: status.bestHeight, chainWork: status.chainWork });
  }

  private onHeartbeat(msg: WireMessage & { kind: 'ping' | 'pong' }): void {
    const s = this.session;
    if (msg.kind === 'ping') this.sendHeartbeat('pong', msg.nonce);
    else s.pingRttMs = this.timers.pong(msg.nonce) ?? s.pingRttMs;
    s.bestHeight = msg.bestHeight;
    s.bestWork = msg.chainWork;
    s.emit('status');
  }
}
