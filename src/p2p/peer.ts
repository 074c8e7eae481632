/**
 * One TCP session with a peer: handshake (with signed ack), heartbeat and misbehaviour
 * detection, over its deadlines (session-timers.ts), its socket (peer-socket.ts: capped writes,
 * rate-limited rejects, close) and the frame checks made before a decode (frame-gate.ts). What
 * to do with the messages of a ready session is up to the peer set's listeners (relay, sync).
 */
import { EventEmitter } from 'node:events';
import { ZERO_HASH } from '../primitives/hash.js';
import { SYSTEM_CLOCK } from '../util/clock.js';
import { errorMessage } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { CRYPTO_RANDOM } from '../util/random-source.js';
import { normalizeIp } from './discovery/endpoint.js';
import { FrameGate } from './frame-gate.js';
import type { PeerDirection, PeerEvents, PeerOptions } from './peer-options.js';
import { handshakeIncompatibility, localHandshake } from './handshake.js';
import { penaltyFor, penaltyForCompactBlock, truncateRejectReason, type MisbehaviourCode, type PenaltyAction } from './misbehaviour.js';
import { DEFAULT_FRAME_TIMEOUT_MS, DEFAULT_MAX_SEND_BUFFER_BYTES, KNOWN_INVENTORY_PER_PEER, MAX_PRE_SESSION_PAYLOAD_BYTES, RECEIVED_REJECT_LOGS_PER_SEC, RECEIVED_REJECT_LOG_BURST } from './constants.js';
import { TokenBucket } from './rate-limit.js';
import { BoundedHashSet } from './known-set.js';
import type { DisconnectCode } from './resource-codes.js';
import { PeerSocket } from './peer-socket.js';
import { SessionTimers } from './session-timers.js';
import { FrameDecoder, MAX_PAYLOAD_BYTES, MessageType, WireError, createHandshakeAck, decodeMessage, verifyHandshakeAck, type Frame, type HandshakeMessage, type OutgoingMessage, type WireMessage } from './wire/index.js';

export type { PeerDirection, PeerEvents, PeerOptions } from './peer-options.js';

export class Peer extends EventEmitter<PeerEvents> {
  readonly direction: PeerDirection;
  /** Remote IP (IPv4-mapped IPv6 normalised) and port as seen on the socket. */
  readonly ip: string;
  readonly remotePort: number;
  /** Our side's port of the connection: with the observed port it shows whether a NAT kept it. */
  readonly localPort: number;
  /** Set when a hole punch made this connection: the relay's node id (hex). */
  readonly punchedVia: string | undefined;
  readonly connectedAtMs: number;
  /** Our handshake nonce on this connection. */
  readonly nonce: bigint;
  /** Hashes this peer is known to have (never announce them to it). */
  readonly known = new BoundedHashSet(KNOWN_INVENTORY_PER_PEER);
  remoteHandshake: HandshakeMessage | undefined;
  /** Set when we dropped the peer for a resource reason (see resource-codes.ts). */
  disconnectCode: DisconnectCode | undefined;
  bestHeight = 0;
  bestWork = 0n;
  pingRttMs: number | undefined;
  /** The connection carried only a dial-back probe: it was never a session with a peer. */
  wasProbe = false;
  /** Why the session was refused, by us or by the peer's `reject` during the handshake. */
  refusal: { readonly code: string; readonly reason: string; readonly by: 'us' | 'peer' } | undefined;
  /** Closed as the loser of two connections between the same nodes (routine: the other one is kept). */
  lostDuplicate = false;
  logger: Logger;

  private readonly options: PeerOptions;
  /** Small frames only until the session opens (maybeReady raises the limit). */
  private readonly decoder = new FrameDecoder({ maxPayloadBytes: MAX_PRE_SESSION_PAYLOAD_BYTES });
  private ackSent = false;
  private ackVerified = false;
  private closed = false;
  private readonly timers: SessionTimers;
  private readonly io: PeerSocket;
  private readonly gate: FrameGate;
  /** Rejects from the peer logged at info (see RECEIVED_REJECT_LOGS_PER_SEC); the rest at debug. */
  private readonly rejectLogs: TokenBucket;

  constructor(options: PeerOptions) {
    super();
    this.options = options;
    const { socket } = options;
    const clock = options.clock ?? SYSTEM_CLOCK;
    const now = options.now ?? clock.nowMs;
    this.connectedAtMs = clock.nowMs();
    const random = options.random ?? CRYPTO_RANDOM;
    this.nonce = random.uint64();
    this.direction = options.direction;
    this.ip = normalizeIp(socket.remoteAddress ?? '0.0.0.0');
    this.remotePort = socket.remotePort ?? 0;
    this.localPort = socket.localPort ?? 0;
    this.punchedVia = options.punchedVia;
    this.logger = options.logger.child({ peer: `${this.ip}:${this.remotePort}`, direction: this.direction });
    this.timers = new SessionTimers({
      handshakeTimeoutMs: options.handshakeTimeoutMs,
      frameTimeoutMs: options.frameTimeoutMs ?? DEFAULT_FRAME_TIMEOUT_MS,
      pingIntervalMs: options.pingIntervalMs,
      peerTimeoutMs: options.peerTimeoutMs,
      direction: options.direction,
      decoder: this.decoder,
      sendPing: (nonce) => this.sendHeartbeat('ping', nonce),
      expired: (code, reason) => this.disconnect(code, reason),
      clock,
      random,
    });
    this.io = new PeerSocket({
      socket,
      maxSendBufferBytes: options.maxSendBufferBytes ?? DEFAULT_MAX_SEND_BUFFER_BYTES,
      now,
      clock,
      logger: () => this.logger,
      overflow: (reason) => this.disconnect('send-buffer-full', reason),
    });
    this.gate = new FrameGate(now);
    this.rejectLogs = new TokenBucket({ ratePerSec: RECEIVED_REJECT_LOGS_PER_SEC, burst: RECEIVED_REJECT_LOG_BURST, now });
  }

  get isReady(): boolean {
    return this.ackSent && this.ackVerified && !this.closed;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The node id the handshake claims (unproven until the ack verified: see provenNodeId). */
  get nodeId(): Buffer | undefined {
    return this.remoteHandshake?.nodeId;
  }

  /** The node id once its handshake-ack proved it; what tables, bans and relay may use. */
  get provenNodeId(): Buffer | undefined {
    return this.ackVerified ? this.remoteHandshake?.nodeId : undefined;
  }

  get label(): string {
    return `${this.ip}:${this.remotePort}`;
  }

  /** Sends our handshake and starts the timers. */
  start(): void {
    this.io.listen((chunk) => this.onData(chunk), (reason) => this.close(reason));
    this.timers.startHandshake();
    this.send(localHandshake(this.options.status(), this.options.nodeKey.nodeId, this.options.listenPort, this.nonce, { ip: this.ip, port: this.remotePort }));
  }

  /**
   * Writes one message; false means the socket buffer is full (see sendPaced). A peer that lets
   * more than maxSendBufferBytes pile up does not read: it is dropped and the buffer freed.
   */
  send(msg: OutgoingMessage): boolean {
    return this.io.send(msg);
  }

  /** Unsent bytes queued for this peer. */
  get sendBufferBytes(): number {
    return this.io.bufferedBytes;
  }

  /**
   * Tells the peer why we refused something it relayed, at most REJECTS_PER_SEC (burst
   * REJECTS_BURST): beyond that the reject is skipped (false), so a peer sending junk cannot
   * make us write megabytes of rejects.
   */
  sendReject(messageType: number, code: string, reason: string, hash: Buffer): boolean {
    return this.io.sendReject(messageType, code, reason, hash);
  }

  /** Writes; when the socket buffer is full, returns a promise of its 'drain' (or the close), else undefined: a serving loop awaits only a slow peer. */
  sendPaced(msg: OutgoingMessage): Promise<void> | undefined {
    return this.send(msg) || this.closed ? undefined : this.drained();
  }

  /** Resolves when the socket buffer drained or the session closed (two listeners, both removed; no AbortController per wait). */
  drained(): Promise<void> {
    if (this.closed || !this.io.needsDrain) return Promise.resolve(); // no 'drain' would come
    return new Promise((resolve) => {
      const done = (): void => {
        this.off('close', done);
        this.io.offDrain(done);
        resolve();
      };
      this.once('close', done);
      this.io.onDrain(done);
    });
  }

  /** Holds writes until uncork(), which sends them in one writev (a served batch of blocks); nests. */
  cork(): void {
    this.io.cork();
  }

  uncork(): void {
    this.io.uncork();
  }

  /** Refuses the session: reject message, logged reason, close. No penalty. */
  refuse(code: string, reason: string, messageType: number = MessageType.Handshake): void {
    if (this.closed) return;
    // Both ends dialling each other at once is routine (one connection is kept), not a refusal of the node.
    this.logger[code === 'duplicate-connection' ? 'debug' : (this.options.faultLevel?.(this, code) ?? 'warn')]({ code, reason }, 'refusing peer');
    this.refusal = { code, reason, by: 'us' };
    if (code === 'duplicate-connection') this.lostDuplicate = true;
    this.send({ kind: 'reject', messageType, code, reason: truncateRejectReason(reason), hash: ZERO_HASH });
    this.close(`refused: ${code}`);
  }

  /**
   * A fault of the peer, priced by the policy (misbehaviour.ts): maybe a `reject` about `about`,
   * then — unless the action is 'none' — the peer set logs and penalises it and we disconnect.
   * `viaCompact`: the fault is in a block that came as a compact block (penaltyForCompactBlock).
   * Returns the action taken.
   */
  punish(code: MisbehaviourCode, reason: string, about?: { readonly messageType: number; readonly hash: Buffer }, viaCompact = false): PenaltyAction {
    if (this.closed) return 'none';
    const penalty = viaCompact ? penaltyForCompactBlock(code) : penaltyFor(code);
    if (penalty.sendReject && about) this.sendReject(about.messageType, code, reason, about.hash);
    if (penalty.action === 'none') return 'none';
    this.emit('misbehaviour', code, reason);
    this.close(`misbehaviour: ${code}`);
    return penalty.action;
  }

  /**
   * Drops the peer for a resource reason (slow, dead, not reading): no punishment, logged at
   * info with a stable code. A peer that does not read gets no flush: its buffer is freed at once.
   */
  disconnect(code: DisconnectCode, reason: string): void {
    if (this.closed) return;
    this.disconnectCode = code;
    this.logger.info({ code, reason }, 'dropping peer');
    this.close(`${code}: ${reason}`, code === 'send-buffer-full' || code === 'serve-queue-full');
  }

  close(reason: string, destroyNow = false): void {
    if (this.closed) return;
    this.closed = true;
    this.timers.stop();
    this.io.close(destroyNow);
    this.logger.debug({ reason }, 'peer closed');
    this.emit('close', reason);
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return this.io.readAfterClose(chunk.length);
    let completed = 0;
    try {
      this.decoder.feed(chunk);
      // Each frame is handled before the next header is read: the session may open on a frame of
      // this chunk, and only then may the next one be larger than a pre-session message.
      for (let frame = this.decoder.nextFrame(); frame !== undefined; frame = this.decoder.nextFrame()) {
        completed++;
        this.onFrame(frame);
        if (this.closed) return;
      }
    } catch (err) {
      if (err instanceof WireError) return void this.punish(err.code, err.message);
      this.logger.error({ err: errorMessage(err) }, 'error while reading frames from a peer');
    }
    if (!this.closed) this.timers.watchFrame(completed > 0);
  }

  private onFrame(frame: Frame): void {
    try {
      const violation = this.gate.check(frame, this.isReady);
      if (violation) return void this.punish(violation.code, violation.reason);
      this.timers.received(); // any message shows the peer alive: no ping needed while they come
      this.onMessage(decodeMessage(frame.type, frame.payload));
    } catch (err) {
      if (err instanceof WireError) this.punish(err.code, err.message);
      else this.logger.error({ err: errorMessage(err) }, 'error while handling a peer message');
    }
  }

  private onMessage(msg: WireMessage): void {
    if (msg.kind === 'reject') return this.onReject(msg);
    if (msg.kind === 'probe') return this.onProbe(msg.nonce);
    if (msg.kind === 'handshake') return this.onHandshake(msg);
    if (msg.kind === 'handshake-ack') return this.onAck(msg);
    if (!this.isReady) return void this.punish('unexpected-message', `peer sent ${msg.kind} before completing the handshake`);
    if (msg.kind === 'ping' || msg.kind === 'pong') this.onHeartbeat(msg);
    this.emit('message', msg);
  }

  /**
   * Before the session is up a reject is the far end refusing us: warn with its reason (once per
   * address and code per interval). Both ends dialling each other at once is routine: debug.
   */
  private onReject(msg: WireMessage & { kind: 'reject' }): void {
    const fields = { code: msg.code, reason: msg.reason };
    if (!this.isReady) this.refusal = { ...fields, by: 'peer' };
    if (msg.code === 'duplicate-connection') {
      this.lostDuplicate = true;
      return void this.logger.debug(fields, 'peer kept another connection to us');
    }
    if (!this.isReady) {
      return void this.logger[this.options.faultLevel?.(this, `refused-us ${msg.code}`) ?? 'warn'](fields, 'peer refused us');
    }
    this.logger[this.rejectLogs.take() ? 'info' : 'debug']({ ...fields, hash: msg.hash.toString('hex') }, 'peer rejected something we sent');
  }

  /**
   * A dial-back probe is the whole of a connection made to check our reachability: valid only as
   * the first frame of an inbound connection. It is no session, so closing it is no fault.
   */
  private onProbe(nonce: bigint): void {
    if (this.direction !== 'inbound' || this.remoteHandshake !== undefined) {
      return void this.punish('unexpected-message', 'peer sent a dial-back probe inside a session');
    }
    this.wasProbe = true;
    this.emit('probe', nonce);
    this.close('dial-back probe received');
  }

  private onHandshake(msg: HandshakeMessage): void {
    if (this.remoteHandshake) return void this.punish('unexpected-message', 'peer sent a second handshake');
    this.remoteHandshake = msg;
    this.bestHeight = msg.bestHeight;
    this.bestWork = msg.chainWork;
    this.logger = this.logger.child({ nodeId: msg.nodeId.toString('hex').slice(0, 16) });
    const refusal = handshakeIncompatibility(msg, this.options.status()) ?? this.options.admit(this, msg);
    if (refusal) return this.refuse(refusal.code, refusal.reason);
    this.send(createHandshakeAck(this.options.nodeKey.privateKey, msg.nonce));
    this.ackSent = true;
    this.maybeReady();
  }

  private onAck(msg: WireMessage & { kind: 'handshake-ack' }): void {
    const hs = this.remoteHandshake;
    if (!hs || this.ackVerified) return void this.punish('unexpected-message', 'peer sent a handshake-ack out of order');
    if (!verifyHandshakeAck(msg, hs.nodeId, this.nonce)) {
      return void this.punish('bad-handshake-ack', 'peer handshake-ack does not prove the node id it claimed');
    }
    this.ackVerified = true;
    this.maybeReady();
  }

  private maybeReady(): void {
    if (!this.isReady) return;
    const refusal = this.options.admitProven(this);
    if (refusal) return this.refuse(refusal.code, refusal.reason);
    this.decoder.maxPayloadBytes = MAX_PAYLOAD_BYTES;
    this.timers.handshakeDone();
    this.logger[this.options.readyLevel?.(this) ?? 'info']({ height: this.bestHeight }, 'peer ready');
    this.emit('ready');
    this.timers.ping(); // at once, as Core does: the round trip is known from the start
  }

  /** A ping or pong carries our best chain, as the handshake did. */
  private sendHeartbeat(kind: 'ping' | 'pong', nonce: bigint): void {
    const status = this.options.status();
    this.send({ kind, nonce, bestHeight: status.bestHeight, chainWork: status.chainWork });
  }

  private onHeartbeat(msg: WireMessage & { kind: 'ping' | 'pong' }): void {
    if (msg.kind === 'ping') this.sendHeartbeat('pong', msg.nonce);
    else this.pingRttMs = this.timers.pong(msg.nonce) ?? this.pingRttMs;
    this.bestHeight = msg.bestHeight;
    this.bestWork = msg.chainWork;
    this.emit('status');
  }
}

