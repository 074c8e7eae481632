/**
 * One TCP session with a peer: handshake (with signed ack), heartbeat, timeouts, misbehaviour
 * detection and backpressure-aware writes. What to do with the messages of a ready session is
 * up to the peer set's listeners (relay, sync).
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import type { Socket } from 'node:net';
import { ZERO_HASH } from '../primitives/hash.js';
import { errorMessage } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import type { NodeKey } from './discovery/node-key.js';
import { normalizeIp } from './discovery/endpoint.js';
import type { RefusalCode } from './errors.js';
import { penaltyFor, truncateRejectReason, type MisbehaviourCode, type PenaltyAction } from './misbehaviour.js';
import {
  DEFAULT_FRAME_TIMEOUT_MS,
  DEFAULT_MAX_SEND_BUFFER_BYTES,
  INV_ITEMS_BURST,
  INV_ITEMS_PER_SEC,
  KNOWN_INVENTORY_PER_PEER,
  REJECTS_BURST,
  REJECTS_PER_SEC,
} from './constants.js';
import { BoundedHashSet } from './known-set.js';
import { TokenBucket } from './rate-limit.js';
import type { DisconnectCode } from './resource-codes.js';
import {
  type Frame,
  FrameDecoder,
  INV_ITEM_BYTES,
  MIN_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  WireError,
  createHandshakeAck,
  decodeMessage,
  encodeMessageFrame,
  MessageType,
  messageKindName,
  verifyHandshakeAck,
  type HandshakeMessage,
  type OutgoingMessage,
  type WireMessage,
} from './wire/index.js';

export type PeerDirection = 'inbound' | 'outbound';

/** What we announce about our own chain. genesisHash is all-zero while the chain is empty. */
export interface LocalStatus {
  readonly genesisHash: Buffer;
  /** The only genesis we adopt (chain.genesisHash): compared with a peer's while our chain is empty. */
  readonly pinnedGenesis?: Buffer | undefined;
  readonly bestHeight: number;
  readonly chainWork: bigint;
}

export interface PeerOptions {
  socket: Socket;
  direction: PeerDirection;
  nodeKey: NodeKey;
  /** Our TCP listen port, sent in the handshake. */
  listenPort: number;
  pingIntervalMs: number;
  /** A ping not answered with its pong within this drops the peer ('ping-timeout'). */
  peerTimeoutMs: number;
  /** The handshake and its ack must be done by then, however many bytes arrive ('handshake-timeout'). */
  handshakeTimeoutMs: number;
  /** A frame whose first byte arrived must be complete by then ('frame-timeout'); default DEFAULT_FRAME_TIMEOUT_MS. */
  frameTimeoutMs?: number;
  /** Unsent bytes beyond this drop the peer ('send-buffer-full'); default DEFAULT_MAX_SEND_BUFFER_BYTES. */
  maxSendBufferBytes?: number;
  /** Clock of the per-peer rate limits (tests); default Date.now. */
  now?: () => number;
  status: () => LocalStatus;
  /** The peer set's checks on the peer's handshake (self-connection, a banned claimed id). */
  admit: (peer: Peer, handshake: HandshakeMessage) => { code: RefusalCode; reason: string } | undefined;
  /** Its checks once the ack proved the node id, before 'ready' (one connection per node id). */
  admitProven: (peer: Peer) => { code: RefusalCode; reason: string } | undefined;
  logger: Logger;
}

export interface PeerEvents {
  /** Both acks verified: the session is open. */
  ready: [];
  /** A message of an open session (handshake messages and rejects are handled here). */
  message: [msg: WireMessage];
  /** The peer reported its best chain (ping or pong). */
  status: [];
  /** A fault the policy (misbehaviour.ts) penalises; `nodeIdProven`: the ack verified the node id. */
  misbehaviour: [code: MisbehaviourCode, reason: string, action: Exclude<PenaltyAction, 'none'>, nodeIdProven: boolean];
  close: [reason: string];
}

/** Bytes a pending reject gets to flush before the socket is destroyed anyway. */
const CLOSE_FLUSH_MS = 1_000;
/**
 * Bytes still read from a peer after we closed (we keep reading to see its FIN): a flooder
 * that goes on sending is cut off at once instead of filling our memory for CLOSE_FLUSH_MS.
 */
const MAX_BYTES_AFTER_CLOSE = 64 * 1024;

export class Peer extends EventEmitter<PeerEvents> {
  readonly direction: PeerDirection;
  /** Remote IP (IPv4-mapped IPv6 normalised) and port as seen on the socket. */
  readonly ip: string;
  readonly remotePort: number;
  readonly connectedAtMs = Date.now();
  /** Our handshake nonce on this connection. */
  readonly nonce: bigint = randomBytes(8).readBigUInt64LE(0);
  /** Hashes this peer is known to have (never announce them to it). */
  readonly known = new BoundedHashSet(KNOWN_INVENTORY_PER_PEER);
  remoteHandshake: HandshakeMessage | undefined;
  /** Set when we dropped the peer for a resource reason (see resource-codes.ts). */
  disconnectCode: DisconnectCode | undefined;
  bestHeight = 0;
  bestWork = 0n;
  pingRttMs: number | undefined;
  /** Why the session was refused, by us or by the peer's `reject` during the handshake. */
  refusal: { readonly code: string; readonly reason: string; readonly by: 'us' | 'peer' } | undefined;
  logger: Logger;

  private readonly socket: Socket;
  private readonly options: PeerOptions;
  private readonly decoder = new FrameDecoder();
  private ackSent = false;
  private ackVerified = false;
  private closed = false;
  private pendingPing: { nonce: bigint; sentAtMs: number } | undefined;
  private handshakeTimer: NodeJS.Timeout | undefined;
  private pongTimer: NodeJS.Timeout | undefined;
  private frameTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private readonly frameTimeoutMs: number;
  private readonly maxSendBufferBytes: number;
  private readonly rejects: TokenBucket;
  /** Announced inv items: checked on the frame's length, before 50,000 hashes are decoded. */
  private readonly invs: TokenBucket;
  private bytesAfterClose = 0;

  constructor(options: PeerOptions) {
    super();
    this.options = options;
    this.socket = options.socket;
    this.direction = options.direction;
    this.ip = normalizeIp(this.socket.remoteAddress ?? '0.0.0.0');
    this.remotePort = this.socket.remotePort ?? 0;
    this.logger = options.logger.child({ peer: `${this.ip}:${this.remotePort}`, direction: this.direction });
    this.frameTimeoutMs = options.frameTimeoutMs ?? DEFAULT_FRAME_TIMEOUT_MS;
    this.maxSendBufferBytes = options.maxSendBufferBytes ?? DEFAULT_MAX_SEND_BUFFER_BYTES;
    const clock = options.now ? { now: options.now } : {};
    this.rejects = new TokenBucket({ ratePerSec: REJECTS_PER_SEC, burst: REJECTS_BURST, ...clock });
    this.invs = new TokenBucket({ ratePerSec: INV_ITEMS_PER_SEC, burst: INV_ITEMS_BURST, ...clock });
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
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (err) => this.close(`socket error: ${err.message}`));
    this.socket.on('close', () => this.close('connection closed by peer'));
    // Never refreshed by incoming bytes: a peer that sends nothing, or its handshake a byte at a time, is gone by then.
    this.handshakeTimer = setTimeout(() => this.disconnect('handshake-timeout', `no completed handshake within ${this.options.handshakeTimeoutMs} ms`), this.options.handshakeTimeoutMs);
    const status = this.options.status();
    this.send({
      kind: 'handshake',
      version: PROTOCOL_VERSION,
      genesisHash: status.genesisHash,
      bestHeight: status.bestHeight,
      chainWork: status.chainWork,
      nodeId: this.options.nodeKey.nodeId,
      listenPort: this.options.listenPort,
      nonce: this.nonce,
    });
  }

  /**
   * Writes one message; false means the socket buffer is full (see sendPaced). A peer that lets
   * more than maxSendBufferBytes pile up does not read: it is dropped and the buffer freed.
   */
  send(msg: OutgoingMessage): boolean {
    if (this.closed || this.socket.destroyed) return false;
    const flushed = this.socket.write(encodeMessageFrame(msg));
    if (this.socket.writableLength > this.maxSendBufferBytes) {
      this.disconnect('send-buffer-full', `${this.socket.writableLength} bytes unsent, more than the ${this.maxSendBufferBytes} allowed`);
      return false;
    }
    return flushed;
  }

  /** Unsent bytes queued for this peer. */
  get sendBufferBytes(): number {
    return this.socket.writableLength;
  }

  /**
   * Tells the peer why we refused something it relayed, at most REJECTS_PER_SEC (burst
   * REJECTS_BURST): beyond that the reject is skipped (false), so a peer sending junk cannot
   * make us write megabytes of rejects.
   */
  sendReject(messageType: number, code: string, reason: string, hash: Buffer): boolean {
    if (this.closed) return false;
    if (!this.rejects.take()) {
      this.logger.debug({ code }, 'reject not sent: rate limit');
      return false;
    }
    return this.send({ kind: 'reject', messageType, code, reason: truncateRejectReason(reason), hash });
  }

  /** Writes and, when the socket buffer is full, waits for 'drain' (or close) before resolving. */
  async sendPaced(msg: OutgoingMessage): Promise<void> {
    if (this.send(msg) || this.closed) return;
    await Promise.race([once(this.socket, 'drain'), once(this, 'close')]);
  }

  /** Refuses the session: reject message, logged reason, close. No penalty. */
  refuse(code: string, reason: string, messageType: number = MessageType.Handshake): void {
    if (this.closed) return;
    this.logger.warn({ code, reason }, 'refusing peer');
    this.refusal = { code, reason, by: 'us' };
    this.send({ kind: 'reject', messageType, code, reason: truncateRejectReason(reason), hash: ZERO_HASH });
    this.close(`refused: ${code}`);
  }

  /**
   * A fault of the peer, priced by the policy (misbehaviour.ts): maybe a `reject` about `about`,
   * then — unless the action is 'none' — the peer set logs and penalises it and we disconnect.
   * Returns the action taken.
   */
  punish(code: MisbehaviourCode, reason: string, about?: { readonly messageType: number; readonly hash: Buffer }): PenaltyAction {
    if (this.closed) return 'none';
    const penalty = penaltyFor(code);
    if (penalty.sendReject && about) this.sendReject(about.messageType, code, reason, about.hash);
    if (penalty.action === 'none') return 'none';
    this.emit('misbehaviour', code, reason, penalty.action, this.ackVerified);
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
    clearTimeout(this.handshakeTimer);
    clearTimeout(this.pongTimer);
    clearTimeout(this.frameTimer);
    clearInterval(this.pingTimer);
    if (destroyNow) {
      this.socket.destroy();
    } else {
      this.socket.end();
      setTimeout(() => this.socket.destroy(), CLOSE_FLUSH_MS).unref();
    }
    this.logger.debug({ reason }, 'peer closed');
    this.emit('close', reason);
  }

  private onData(chunk: Buffer): void {
    if (this.closed) {
      this.bytesAfterClose += chunk.length;
      if (this.bytesAfterClose > MAX_BYTES_AFTER_CLOSE) this.socket.destroy();
      return;
    }
    try {
      const frames = this.decoder.push(chunk);
      this.watchFrameDeadline(frames.length > 0);
      for (const frame of frames) {
        if (this.closed || !this.admitFrame(frame)) return;
        this.onMessage(decodeMessage(frame.type, frame.payload));
      }
    } catch (err) {
      if (err instanceof WireError) this.punish(err.code, err.message);
      else this.logger.error({ err: errorMessage(err) }, 'error while handling a peer message');
    }
  }

  /**
   * A frame must complete within frameTimeoutMs of the chunk that began it: the deadline starts
   * when a partial frame is first left buffered and restarts each time a frame completes.
   */
  private watchFrameDeadline(completedSome: boolean): void {
    if (completedSome || !this.decoder.hasPartialFrame) {
      clearTimeout(this.frameTimer);
      this.frameTimer = undefined;
    }
    if (this.decoder.hasPartialFrame && !this.frameTimer) {
      this.frameTimer = setTimeout(
        () => afterPendingReads(() => {
          if (this.decoder.hasPartialFrame) this.disconnect('frame-timeout', `a frame was started but not completed within ${this.frameTimeoutMs} ms (${this.decoder.bufferedBytes} bytes buffered)`);
        }),
        this.frameTimeoutMs,
      );
    }
  }

  /** Checks that need only the frame's type and length, so a flood is refused before it costs a decode. */
  private admitFrame(frame: Frame): boolean {
    const { type } = frame;
    if (!this.isReady && type !== MessageType.Handshake && type !== MessageType.HandshakeAck && type !== MessageType.Reject) {
      this.punish('unexpected-message', `peer sent ${messageKindName(type)} before completing the handshake`);
      return false;
    }
    if (type === MessageType.Inv) {
      const items = Math.floor(frame.payload.length / INV_ITEM_BYTES); // the varint count is at most 3 bytes of the rest
      if (!this.invs.take(items)) {
        this.punish('inv-flood', `announced more than ${INV_ITEMS_PER_SEC} items per second (burst ${INV_ITEMS_BURST}); the last inv had ${items}`);
        return false;
      }
    }
    return true;
  }

  private onMessage(msg: WireMessage): void {
    if (msg.kind === 'reject') {
      if (!this.isReady) this.refusal = { code: msg.code, reason: msg.reason, by: 'peer' };
      this.logger.info({ code: msg.code, reason: msg.reason, hash: msg.hash.toString('hex') }, 'peer rejected something we sent');
      return;
    }
    if (msg.kind === 'handshake') return this.onHandshake(msg);
    if (msg.kind === 'handshake-ack') return this.onAck(msg);
    if (!this.isReady) return void this.punish('unexpected-message', `peer sent ${msg.kind} before completing the handshake`);
    if (msg.kind === 'ping' || msg.kind === 'pong') this.onHeartbeat(msg);
    this.emit('message', msg);
  }

  private onHandshake(msg: HandshakeMessage): void {
    if (this.remoteHandshake) return void this.punish('unexpected-message', 'peer sent a second handshake');
    this.remoteHandshake = msg;
    this.bestHeight = msg.bestHeight;
    this.bestWork = msg.chainWork;
    this.logger = this.logger.child({ nodeId: msg.nodeId.toString('hex').slice(0, 16) });
    if (msg.version < MIN_PROTOCOL_VERSION) {
      return this.refuse('incompatible-version', `peer speaks protocol version ${msg.version}, we need at least ${MIN_PROTOCOL_VERSION}`);
    }
    const status = this.options.status();
    const ours = status.genesisHash.equals(ZERO_HASH) && status.pinnedGenesis ? status.pinnedGenesis : status.genesisHash;
    if (!ours.equals(ZERO_HASH) && !msg.genesisHash.equals(ZERO_HASH) && !ours.equals(msg.genesisHash)) {
      return this.refuse('different-genesis', `peer's genesis ${msg.genesisHash.toString('hex')} differs from ours ${ours.toString('hex')}`);
    }
    const refusal = this.options.admit(this, msg);
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
    clearTimeout(this.handshakeTimer);
    this.pingTimer = setInterval(() => this.ping(), this.options.pingIntervalMs);
    this.logger.info({ height: this.bestHeight }, 'peer ready');
    this.emit('ready');
    this.ping(); // at once, as Core does: the round trip is known from the start
  }

  /**
   * Liveness is answering pings, not sending bytes (Core's ping timeout): one ping is
   * outstanding at a time, and its pong must come within peerTimeoutMs whatever else the peer sends.
   */
  private ping(): void {
    if (this.pendingPing || this.closed) return;
    const status = this.options.status();
    const nonce = randomBytes(8).readBigUInt64LE(0);
    this.pendingPing = { nonce, sentAtMs: Date.now() };
    const ping = this.pendingPing;
    this.pongTimer = setTimeout(
      () => afterPendingReads(() => {
        if (this.pendingPing === ping) this.disconnect('ping-timeout', `no pong within ${this.options.peerTimeoutMs} ms of our ping`);
      }),
      this.options.peerTimeoutMs,
    );
    this.send({ kind: 'ping', nonce, bestHeight: status.bestHeight, chainWork: status.chainWork });
  }

  private onHeartbeat(msg: WireMessage & { kind: 'ping' | 'pong' }): void {
    if (msg.kind === 'ping') {
      const status = this.options.status();
      this.send({ kind: 'pong', nonce: msg.nonce, bestHeight: status.bestHeight, chainWork: status.chainWork });
    } else if (this.pendingPing && this.pendingPing.nonce === msg.nonce) {
      this.pingRttMs = Date.now() - this.pendingPing.sentAtMs;
      this.pendingPing = undefined;
      clearTimeout(this.pongTimer);
    }
    this.bestHeight = msg.bestHeight;
    this.bestWork = msg.chainWork;
    this.emit('status');
  }
}

/**
 * Runs `fn` after the event loop's next poll phase: when our own process was busy past a
 * deadline, the bytes that met it (a pong, a frame's end) are read before we judge the peer.
 */
function afterPendingReads(fn: () => void): void {
  setImmediate(fn);
}

