/**
 * The socket of one peer session, below the protocol: framed writes with a cap on unsent bytes
 * (a peer that does not read must not hold our memory), rejects at a bounded rate, and the
 * close — a short flush of what is queued, or none for a peer that does not read, and a cap on
 * what is still read after it.
 */
import { once } from 'node:events';
import { SYSTEM_CLOCK, type Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { REJECTS_BURST, REJECTS_PER_SEC } from './constants.js';
import { truncateRejectReason } from './misbehaviour.js';
import { TokenBucket } from './rate-limit.js';
import type { PeerStream } from './tcp-transport.js';
import { encodeMessageFrame, type OutgoingMessage } from './wire/index.js';

/** Bytes a pending reject gets to flush before the socket is destroyed anyway. */
const CLOSE_FLUSH_MS = 1_000;
/**
 * Bytes still read from a peer after we closed (we keep reading to see its FIN): a flooder
 * that goes on sending is cut off at once instead of filling our memory for CLOSE_FLUSH_MS.
 */
const MAX_BYTES_AFTER_CLOSE = 64 * 1024;

export interface PeerSocketOptions {
  readonly socket: PeerStream;
  readonly maxSendBufferBytes: number;
  /** Timer of the close's flush (the simulator's virtual clock); default SYSTEM_CLOCK. */
  readonly clock?: Clock | undefined;
  /** Clock of the reject rate limit (tests); default Date.now. */
  readonly now?: (() => number) | undefined;
  /** The session's logger of the moment (it gains the node id at the handshake). */
  readonly logger: () => Logger;
  /** More than maxSendBufferBytes unsent: the session drops the peer (which closes this socket). */
  readonly overflow: (reason: string) => void;
}

export class PeerSocket {
  private readonly options: PeerSocketOptions;
  private readonly socket: PeerStream;
  private readonly rejects: TokenBucket;
  private closed = false;
  private bytesAfterClose = 0;

  constructor(options: PeerSocketOptions) {
    this.options = options;
    this.socket = options.socket;
    this.rejects = new TokenBucket({ ratePerSec: REJECTS_PER_SEC, burst: REJECTS_BURST, ...(options.now ? { now: options.now } : {}) });
  }

  /** Delivers what the peer sends to `onData`, and why the connection ended to `onClose`. */
  listen(onData: (chunk: Buffer) => void, onClose: (reason: string) => void): void {
    this.socket.setNoDelay(true);
    this.socket.on('data', onData);
    this.socket.on('error', (err) => onClose(`socket error: ${err.message}`));
    this.socket.on('close', () => onClose('connection closed by peer'));
  }

  /** Unsent bytes queued for this peer. */
  get bufferedBytes(): number {
    return this.socket.writableLength;
  }

  /** Writes one message; false means the socket buffer is full (or the peer just overflowed it). */
  send(msg: OutgoingMessage): boolean {
    if (this.closed || this.socket.destroyed) return false;
    const flushed = this.socket.write(encodeMessageFrame(msg));
    const { maxSendBufferBytes } = this.options;
    if (this.socket.writableLength > maxSendBufferBytes) {
      this.options.overflow(`${this.socket.writableLength} bytes unsent, more than the ${maxSendBufferBytes} allowed`);
      return false;
    }
    return flushed;
  }

  /** A reject within REJECTS_PER_SEC (burst REJECTS_BURST); beyond that it is skipped (false). */
  sendReject(messageType: number, code: string, reason: string, hash: Buffer): boolean {
    if (this.closed) return false;
    if (!this.rejects.take()) {
      this.options.logger().debug({ code }, 'reject not sent: rate limit');
      return false;
    }
    return this.send({ kind: 'reject', messageType, code, reason: truncateRejectReason(reason), hash });
  }

  /** Resolves when the socket buffer has drained. */
  drained(signal: AbortSignal): Promise<unknown> {
    return once(this.socket, 'drain', { signal });
  }

  /** Ends the connection after a short flush, or at once (`destroyNow`: the buffer is freed now). */
  close(destroyNow: boolean): void {
    this.closed = true;
    if (destroyNow) {
      this.socket.destroy();
    } else {
      this.socket.end();
      (this.options.clock ?? SYSTEM_CLOCK).setTimeout(() => this.socket.destroy(), CLOSE_FLUSH_MS);
    }
  }

  /** Bytes that arrived after the close: counted, and the socket destroyed past MAX_BYTES_AFTER_CLOSE. */
  readAfterClose(bytes: number): void {
    this.bytesAfterClose += bytes;
    if (this.bytesAfterClose > MAX_BYTES_AFTER_CLOSE) this.socket.destroy();
  }
}
