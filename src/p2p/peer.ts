/**
 * One TCP session with a peer as the node sees it: who the peer is, what it last told us, the
 * writes to it (peer-socket.ts: capped writes, rate-limited rejects, close) and how the session
 * ends — a refusal, a priced fault (misbehaviour.ts), a resource drop or a close. What the peer
 * sends — frames, handshake and ack, rejects, probes, heartbeats and their deadlines — is read by
 * peer-protocol.ts. What to do with the messages of a ready session is up to the peer set's
 * listeners (relay, sync).
 */
import { EventEmitter } from 'node:events';
import { ZERO_HASH } from '../primitives/hash.js';
import { SYSTEM_CLOCK } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { CRYPTO_RANDOM } from '../util/random-source.js';
import { normalizeIp } from './discovery/endpoint.js';
import type { PeerDirection, PeerEvents, PeerOptions } from './peer-options.js';
import { penaltyFor, penaltyForCompactBlock, truncateRejectReason, type MisbehaviourCode, type PenaltyAction } from './misbehaviour.js';
import { DEFAULT_MAX_SEND_BUFFER_BYTES, KNOWN_INVENTORY_PER_PEER } from './constants.js';
import { HashFilter } from './hash-filter.js';
import type { DisconnectCode } from './resource-codes.js';
import { PeerProtocol } from './peer-protocol.js';
import { PeerSocket } from './peer-socket.js';
import { MessageType, type HandshakeMessage, type OutgoingMessage } from './wire/index.js';

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
  readonly known = new HashFilter(KNOWN_INVENTORY_PER_PEER);
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
  private closed = false;
  private readonly io: PeerSocket;
  /** What the peer sends us, the handshake and the session's deadlines. */
  private readonly protocol: PeerProtocol;

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
    this.io = new PeerSocket({
      socket,
      maxSendBufferBytes: options.maxSendBufferBytes ?? DEFAULT_MAX_SEND_BUFFER_BYTES,
      now,
      clock,
      logger: () => this.logger,
      overflow: (reason) => this.disconnect('send-buffer-full', reason),
    });
    this.protocol = new PeerProtocol(this, { peer: options, clock, random, now });
  }

  get isReady(): boolean {
    return this.protocol.acksDone && !this.closed;
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
    return this.protocol.ackProven ? this.remoteHandshake?.nodeId : undefined;
  }

  get label(): string {
    return `${this.ip}:${this.remotePort}`;
  }

  /** Sends our handshake and starts the timers. */
  start(): void {
    this.io.listen((chunk) => this.onData(chunk), (reason) => this.close(reason));
    this.protocol.start();
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
    this.protocol.stop();
    this.io.close(destroyNow);
    this.logger.debug({ reason }, 'peer closed');
    this.emit('close', reason);
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return this.io.readAfterClose(chunk.length);
    this.protocol.read(chunk);
  }
}
