/**
 * One scripted TCP session with the fuzzed node: connects from a chosen loopback address,
 * completes a valid handshake (its own node key, a signed ack), answers pings, and then trades
 * one fuzz frame at a time: the frame, then a ping of ours. The pong proves the node read the
 * frame and kept the session; a close after it means the node dropped the session for it.
 * Writes can be dribbled one byte at a time (a slowloris peer).
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NodeKey } from '../../../src/p2p/discovery/node-key.js';
import { FrameDecoder, type HandshakeMessage, PROTOCOL_VERSION, type OutgoingMessage, createHandshakeAck, decodeMessage, encodeMessageFrame } from '../../../src/p2p/wire/index.js';
import type { Block } from '../../../src/primitives/block.js';
import { ZERO_HASH } from '../../../src/primitives/hash.js';
import { observedOf } from '../../helpers/observed.js';

/** Blocks kept from the node's replies: a fuzz session asking for thousands must not grow our memory. */
const MAX_KEPT_BLOCKS = 200;

export type Outcome = 'tolerated' | 'closed' | 'stalled' | 'unsent';

export interface SessionOptions {
  readonly port: number;
  readonly localAddress: string;
  readonly key: NodeKey;
  /** Milliseconds between single-byte writes; undefined writes whole buffers. */
  readonly dribbleMs?: number;
  /** How long the handshake and each exchange may take before the node counts as stalled. */
  readonly timeoutMs: number;
}

export class FuzzSession {
  private readonly decoder = new FrameDecoder();
  private readonly nonce = randomBytes(8).readBigUInt64LE(0);
  private pingNonce = randomBytes(8).readBigUInt64LE(0);
  private awaitedPong: bigint | undefined;
  private wake: (() => void) | undefined;
  private writing: Promise<void> = Promise.resolve();
  /** The node sent its first ping: it processed our ack, the session is open. */
  ready = false;
  closed = false;
  /** The last exchange's frame went to the socket in full (a dribbled one may be cut short by the node's close). */
  lastFrameWritten = false;
  /** Single-byte writes made (dribbled sessions). */
  oneByteWrites = 0;
  /** Blocks the node sent us (a scout asks for them to learn the chain), at most MAX_KEPT_BLOCKS. */
  readonly blocks: Block[] = [];
  /** Something we could not decode arrived from the node (a defect of the node's encoder). */
  badReply: string | undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly options: SessionOptions,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.notify();
    });
  }

  /** A connected socket (no handshake yet), or undefined when the connect failed. */
  static async connect(options: SessionOptions): Promise<FuzzSession | undefined> {
    const socket = connect({ host: '127.0.0.1', port: options.port, localAddress: options.localAddress });
    const ok = await new Promise<boolean>((resolve) => {
      socket.once('connect', () => resolve(true));
      socket.once('error', () => resolve(false));
    });
    if (!ok) {
      socket.destroy();
      return undefined;
    }
    return new FuzzSession(socket, options);
  }

  /** Connects and completes the handshake; undefined if the node did not open the session in time. */
  static async open(options: SessionOptions): Promise<FuzzSession | undefined> {
    const session = await FuzzSession.connect(options);
    if (session === undefined) return undefined;
    session.send(session.handshake(options.key.nodeId));
    // Only a session the node opened and still holds: one it already closed would let a caller count frames never written.
    if ((await session.until(() => session.ready || session.closed)) && session.ready && session.writable) return session;
    session.destroy();
    return undefined;
  }

  /** A valid handshake of the current version claiming `nodeId`, with the socket's real remote address as the observed one. */
  handshake(nodeId: Buffer): HandshakeMessage {
    return { kind: 'handshake', version: PROTOCOL_VERSION, genesisHash: ZERO_HASH, bestHeight: 0, chainWork: 0n, nodeId, listenPort: 0, nonce: this.nonce, observed: observedOf(this.socket) };
  }

  /** The node has not closed the session and our socket still takes bytes: a frame written now reaches the node. */
  get writable(): boolean {
    return !this.closed && !this.socket.destroyed && this.socket.writable;
  }

  send(msg: OutgoingMessage): void {
    void this.write(encodeMessageFrame(msg));
  }

  /** Writes `bytes` (dribbled: queued behind earlier writes); resolves whether every byte went to the socket. */
  write(bytes: Buffer): Promise<boolean> {
    if (this.options.dribbleMs === undefined) {
      if (this.socket.destroyed) return Promise.resolve(false);
      this.socket.write(bytes);
      return Promise.resolve(true);
    }
    const gap = this.options.dribbleMs;
    const done = this.writing.then(async () => {
      let i = 0;
      for (; i < bytes.length && !this.closed; i++) {
        this.socket.write(bytes.subarray(i, i + 1));
        this.oneByteWrites++;
        await sleep(gap);
      }
      return i === bytes.length;
    });
    this.writing = done.then(() => undefined);
    return done;
  }

  /**
   * Sends a fuzz frame and a ping behind it; 'tolerated' when the pong comes back. 'unsent' when
   * the session was gone before anything was written (the frame must not be counted).
   */
  async exchange(frame: Buffer): Promise<Outcome> {
    if (!this.writable) return 'unsent';
    const nonce = ++this.pingNonce;
    this.awaitedPong = nonce;
    const frameWritten = this.write(frame);
    void this.write(encodeMessageFrame({ kind: 'ping', nonce, bestHeight: 0, chainWork: 0n }));
    await this.until(() => this.awaitedPong === undefined || this.closed);
    this.lastFrameWritten = await frameWritten;
    if (this.awaitedPong === undefined) return 'tolerated';
    return this.closed ? 'closed' : 'stalled';
  }

  /** Resolves true once `done()` holds, false after the timeout. */
  async until(done: () => boolean, timeoutMs = this.options.timeoutMs): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return true;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private onData(chunk: Buffer): void {
    try {
      for (const frame of this.decoder.push(chunk)) {
        const msg = decodeMessage(frame.type, frame.payload);
        if (msg.kind === 'handshake') this.send(createHandshakeAck(this.options.key.privateKey, msg.nonce));
        else if (msg.kind === 'ping') {
          this.send({ kind: 'pong', nonce: msg.nonce, bestHeight: 0, chainWork: 0n });
          this.ready = true;
        } else if (msg.kind === 'pong' && msg.nonce === this.awaitedPong) this.awaitedPong = undefined;
        else if (msg.kind === 'block' && this.blocks.length < MAX_KEPT_BLOCKS) this.blocks.push(msg.block);
        // Anything else is ignored, the NAT traversal kinds (14–19) included: the node may ask us
        // for a dial-back or answer one; a peer that does not take part must be no problem to it.
      }
    } catch (err) {
      this.badReply = err instanceof Error ? err.message : String(err);
      this.socket.destroy();
    }
    this.notify();
  }
}
