import { hash256 } from '../../primitives/hash.js';
import {
  CHECKSUM_BYTES,
  FRAME_CHECKSUM_OFFSET,
  FRAME_HEADER_BYTES,
  FRAME_LENGTH_OFFSET,
  FRAME_TYPE_OFFSET,
  MAGIC,
  MAGIC_BYTES,
  MAX_PAYLOAD_BYTES,
  isKnownMessageType,
} from './constants.js';
import { WireError } from './errors.js';

export interface Frame {
  readonly type: number;
  /** May be a view into a received chunk: decode it (the codecs copy what they keep) rather than storing it. */
  readonly payload: Buffer;
}

/** First 4 bytes of hash256(payload), as in Bitcoin's message header. */
export function frameChecksum(payload: Uint8Array): Buffer {
  return hash256(payload).subarray(0, CHECKSUM_BYTES);
}

/** `magic(4) | type(1) | length u32 LE(4) | checksum(4) | payload` */
export function encodeFrame(type: number, payload: Uint8Array, maxPayloadBytes = MAX_PAYLOAD_BYTES): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  writeFrameHeader(out, type, payload, maxPayloadBytes);
  out.set(payload, FRAME_HEADER_BYTES);
  return out;
}

/**
 * The 13-byte header of a frame alone, for a payload written right after it as its own buffer
 * (a served block goes out as header + stored bytes in one writev, not copied into a new frame).
 */
export function encodeFrameHeader(type: number, payload: Uint8Array, maxPayloadBytes = MAX_PAYLOAD_BYTES): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  writeFrameHeader(out, type, payload, maxPayloadBytes);
  return out;
}

function writeFrameHeader(out: Buffer, type: number, payload: Uint8Array, maxPayloadBytes: number): void {
  if (!isKnownMessageType(type)) throw new RangeError(`cannot frame unknown message type ${type}`);
  if (payload.length > maxPayloadBytes) {
    throw new RangeError(`payload of ${payload.length} bytes exceeds the ${maxPayloadBytes}-byte frame limit`);
  }
  MAGIC.copy(out, 0);
  out.writeUInt8(type, FRAME_TYPE_OFFSET);
  out.writeUInt32LE(payload.length, FRAME_LENGTH_OFFSET);
  frameChecksum(payload).copy(out, FRAME_CHECKSUM_OFFSET);
}

export interface FrameDecoderOptions {
  /** Defaults to MAX_PAYLOAD_BYTES; settable later (see FrameDecoder.maxPayloadBytes). */
  maxPayloadBytes?: number;
}

interface PendingHeader {
  type: number;
  length: number;
  checksum: Buffer;
}

/**
 * Turns a TCP byte stream into frames. Chunks are kept in a list with a running total and
 * only the bytes of one frame are ever copied (a payload that sits inside a single chunk is
 * not copied at all), so a large frame arriving in many small chunks costs linear time.
 *
 * Every check runs as soon as its bytes arrive: bad magic after 4 bytes, unknown type after 5,
 * an oversize length after 9, before any of the payload is buffered. After a WireError the
 * decoder stays failed: the connection must be dropped.
 *
 * The payload limit can change between frames (a peer reads small pre-session frames, then
 * raises it when the session opens); feed() and nextFrame() let the caller handle each frame
 * before the next header is checked.
 */
export class FrameDecoder {
  private maxPayload: number;
  private chunks: Buffer[] = [];
  /** Read position inside chunks[0]. */
  private head = 0;
  private total = 0;
  private pending: PendingHeader | undefined;
  private failure: WireError | undefined;

  constructor(options: FrameDecoderOptions = {}) {
    this.maxPayload = checkedLimit(options.maxPayloadBytes ?? MAX_PAYLOAD_BYTES);
  }

  /** The largest payload a frame header may announce; a larger one fails the decoder with 'oversize'. */
  get maxPayloadBytes(): number {
    return this.maxPayload;
  }

  /** Applies from the next header check on (a header already read was checked when it arrived). */
  set maxPayloadBytes(bytes: number) {
    this.maxPayload = checkedLimit(bytes);
  }

  /** Bytes received but not yet returned as frames (a header already parsed counts as consumed). */
  get bufferedBytes(): number {
    return this.total;
  }

  /** True while a frame has begun (some of its header or payload arrived) but is not complete: the peer owes us its rest. */
  get hasPartialFrame(): boolean {
    return this.pending !== undefined || this.total > 0;
  }

  /** Feeds one chunk; returns every frame it completes, in order. Throws WireError on a violation. */
  push(chunk: Uint8Array): Frame[] {
    this.feed(chunk);
    const frames: Frame[] = [];
    for (let frame = this.nextFrame(); frame !== undefined; frame = this.nextFrame()) frames.push(frame);
    return frames;
  }

  /** Buffers one chunk without decoding anything: take its frames with nextFrame(). Throws the WireError of a failed decoder. */
  feed(chunk: Uint8Array): void {
    if (this.failure) throw this.failure;
    if (chunk.length > 0) {
      this.chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
      this.total += chunk.length;
    }
  }

  /**
   * The next complete frame, or undefined until more bytes arrive; the header after it is not
   * read yet, so a limit set now applies to it. Throws WireError on a violation.
   */
  nextFrame(): Frame | undefined {
    if (this.failure) throw this.failure;
    try {
      return this.next();
    } catch (err) {
      if (err instanceof WireError) {
        this.failure = err;
        this.chunks = [];
        this.total = 0;
        this.head = 0;
      }
      throw err;
    }
  }

  private next(): Frame | undefined {
    if (!this.pending) {
      this.checkPartialHeader();
      if (this.total < FRAME_HEADER_BYTES) return undefined;
      const header = this.take(FRAME_HEADER_BYTES);
      this.pending = {
        type: header.readUInt8(FRAME_TYPE_OFFSET),
        length: header.readUInt32LE(FRAME_LENGTH_OFFSET),
        checksum: Buffer.from(header.subarray(FRAME_CHECKSUM_OFFSET, FRAME_HEADER_BYTES)),
      };
    }
    const { type, length, checksum } = this.pending;
    if (this.total < length) return undefined;
    const payload = this.take(length);
    this.pending = undefined;
    if (!frameChecksum(payload).equals(checksum)) {
      throw new WireError('bad-checksum', `frame of type ${type} has a checksum that does not match its ${length}-byte payload`);
    }
    return { type, payload };
  }

  /** Validates whatever prefix of the next header has arrived (it is at most 13 bytes, so copying it is cheap). */
  private checkPartialHeader(): void {
    const available = Math.min(this.total, FRAME_HEADER_BYTES);
    if (available === 0) return;
    const prefix = this.peek(available);
    const magicBytes = Math.min(available, MAGIC_BYTES);
    if (!prefix.subarray(0, magicBytes).equals(MAGIC.subarray(0, magicBytes))) {
      throw new WireError('bad-magic', `stream does not start with the kadchain magic ${MAGIC.toString('hex')} (got ${prefix.subarray(0, magicBytes).toString('hex')})`);
    }
    if (available > FRAME_TYPE_OFFSET) {
      const type = prefix.readUInt8(FRAME_TYPE_OFFSET);
      if (!isKnownMessageType(type)) throw new WireError('unknown-type', `frame has unknown message type ${type}`);
    }
    if (available >= FRAME_CHECKSUM_OFFSET) {
      const length = prefix.readUInt32LE(FRAME_LENGTH_OFFSET);
      if (length > this.maxPayload) {
        throw new WireError('oversize', `frame announces a ${length}-byte payload, more than the ${this.maxPayload} allowed`);
      }
    }
  }

  /** The first n buffered bytes without consuming them: a view when they sit in one chunk, else a copy. */
  private peek(n: number): Buffer {
    const first = this.chunks[0];
    if (first.length - this.head >= n) return first.subarray(this.head, this.head + n);
    const out = Buffer.allocUnsafe(n);
    let copied = 0;
    let offset = this.head;
    for (const chunk of this.chunks) {
      const count = Math.min(chunk.length - offset, n - copied);
      chunk.copy(out, copied, offset, offset + count);
      copied += count;
      offset = 0;
      if (copied === n) break;
    }
    return out;
  }

  /** Consumes n buffered bytes (n ≤ total); drops used-up chunks with one splice, not one shift each. */
  private take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    const out = this.peek(n);
    let left = n;
    let used = 0;
    let head = this.head;
    while (left > 0) {
      const avail = this.chunks[used].length - head;
      if (avail > left) {
        head += left;
        break;
      }
      left -= avail;
      used++;
      head = 0;
    }
    if (used > 0) this.chunks.splice(0, used);
    this.head = head;
    this.total -= n;
    return out;
  }
}

function checkedLimit(bytes: number): number {
  if (!Number.isInteger(bytes) || bytes < 0 || bytes > 0xffff_ffff) throw new RangeError(`maxPayloadBytes must be an integer from 0 to 2^32-1, not ${bytes}`);
  return bytes;
}
