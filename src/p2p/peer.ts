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
import { KNOWN_INVENTORY_PER_PEER } from './constants.js';
import { BoundedHashSet } from './known-set.js';
import { penaltyFor, truncateRejectReason, type MisbehaviourCode, type PenaltyAction } from './misbehaviour.js';
import {
  FrameDecoder,
  MIN_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  WireError,
  createHandshakeAck,
  decodeMessage,
  encodeMessageFrame,
  MessageType,
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
  peerTimeoutMs: number;
  handshakeTimeoutMs: number;
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
  private silenceTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;

  constructor(options: PeerOptions) {
    super();
    this.options = options;
    this.socket = options.socket;
    this.direction = options.direction;
    this.ip = normalizeIp(this.socket.remoteAddress ?? '0.0.0.0');
    this.remotePort = this.socket.remotePort ?? 0;
    this.logger = options.logger.child({ peer: `${this.ip}:${this.remotePort}`, direction: this.direction });
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
    this.handshakeTimer = setTimeout(() => this.close(`no completed handshake within ${this.options.handshakeTimeoutMs} ms`), this.options.handshakeTimeoutMs);
    this.silenceTimer = setTimeout(() => this.close(`silent for more than ${this.options.peerTimeoutMs} ms`), this.options.peerTimeoutMs);
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

  /** Writes one message; false means the socket buffer is full (see sendPaced). */
  send(msg: OutgoingMessage): boolean {
    if (this.closed || this.socket.destroyed) return false;
    return this.socket.write(encodeMessageFrame(msg));
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
    if (penalty.sendReject && about) this.send({ kind: 'reject', messageType: about.messageType, code, reason: truncateRejectReason(reason), hash: about.hash });
    if (penalty.action === 'none') return 'none';
    this.emit('misbehaviour', code, reason, penalty.action, this.ackVerified);
    this.close(`misbehaviour: ${code}`);
    return penalty.action;
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.handshakeTimer);
    clearTimeout(this.silenceTimer);
    clearInterval(this.pingTimer);
    this.socket.end();
    setTimeout(() => this.socket.destroy(), CLOSE_FLUSH_MS).unref();
    this.logger.debug({ reason }, 'peer closed');
    this.emit('close', reason);
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.silenceTimer?.refresh();
    try {
      for (const frame of this.decoder.push(chunk)) {
        if (this.closed) return;
        this.onMessage(decodeMessage(frame.type, frame.payload));
      }
    } catch (err) {
      if (err instanceof WireError) this.punish(err.code, err.message);
      else this.logger.error({ err: errorMessage(err) }, 'error while handling a peer message');
    }
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
  }

  private ping(): void {
    const status = this.options.status();
    const nonce = randomBytes(8).readBigUInt64LE(0);
    this.pendingPing = { nonce, sentAtMs: Date.now() };
    this.send({ kind: 'ping', nonce, bestHeight: status.bestHeight, chainWork: status.chainWork });
  }

  private onHeartbeat(msg: WireMessage & { kind: 'ping' | 'pong' }): void {
    if (msg.kind === 'ping') {
      const status = this.options.status();
      this.send({ kind: 'pong', nonce: msg.nonce, bestHeight: status.bestHeight, chainWork: status.chainWork });
    } else if (this.pendingPing && this.pendingPing.nonce === msg.nonce) {
      this.pingRttMs = Date.now() - this.pendingPing.sentAtMs;
      this.pendingPing = undefined;
    }
    this.bestHeight = msg.bestHeight;
    this.bestWork = msg.chainWork;
    this.emit('status');
  }
}
