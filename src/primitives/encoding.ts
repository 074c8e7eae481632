import { DecodeError } from '../util/errors.js';

const MAX_U32 = 0xffff_ffff;
const MAX_U64 = (1n << 64n) - 1n;
const TWO_POW_32 = 0x1_0000_0000;
/** Values up to here are exact as doubles (Number.MAX_SAFE_INTEGER). */
const MAX_SAFE_U64 = BigInt(Number.MAX_SAFE_INTEGER);
/** A u64 whose high word is below this is below 2^53: exact as a double. */
const SAFE_HIGH_WORD_LIMIT = 0x20_0000;

/**
 * Appends little-endian fields into a growing buffer. One writer per encoding, so an
 * object is serialised with a single final copy rather than many small concatenations.
 */
export class BufferWriter {
  private buf: Buffer;
  private offset = 0;

  constructor(initialBytes = 256) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  private ensure(extra: number): void {
    if (this.offset + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.offset + extra) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.offset);
    this.buf = next;
  }

  u8(value: number): this {
    this.ensure(1);
    this.buf.writeUInt8(value, this.offset);
    this.offset += 1;
    return this;
  }

  u32(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > MAX_U32) throw new RangeError(`u32 out of range: ${value}`);
    this.ensure(4);
    this.buf.writeUInt32LE(value, this.offset);
    this.offset += 4;
    return this;
  }

  u64(value: bigint): this {
    if (value < 0n || value > MAX_U64) throw new RangeError(`u64 out of range: ${value}`);
    this.ensure(8);
    if (value <= MAX_SAFE_U64) {
      // Every amount: two u32 halves of an exact double, where writeBigUInt64LE makes several BigInts per call.
      const n = Number(value);
      this.buf.writeUInt32LE(n >>> 0, this.offset);
      this.buf.writeUInt32LE(Math.floor(n / TWO_POW_32), this.offset + 4);
    } else {
      this.buf.writeBigUInt64LE(value, this.offset);
    }
    this.offset += 8;
    return this;
  }

  /** Bitcoin's CompactSize: 1, 3, 5 or 9 bytes. */
  varint(value: number): this {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`varint out of range: ${value}`);
    if (value < 0xfd) return this.u8(value);
    if (value <= 0xffff) {
      this.ensure(3);
      this.buf.writeUInt8(0xfd, this.offset);
      this.buf.writeUInt16LE(value, this.offset + 1);
      this.offset += 3;
      return this;
    }
    if (value <= MAX_U32) return this.u8(0xfe).u32(value);
    return this.u8(0xff).u64(BigInt(value));
  }

  /** Fixed-size bytes (hashes); the reader must know the length. */
  bytes(data: Uint8Array): this {
    this.ensure(data.length);
    this.buf.set(data, this.offset);
    this.offset += data.length;
    return this;
  }

  /** Length-prefixed bytes. */
  varBytes(data: Uint8Array): this {
    return this.varint(data.length).bytes(data);
  }

  get length(): number {
    return this.offset;
  }

  /** The written bytes (a copy trimmed to length, so the writer's slack is not retained). */
  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.offset));
  }
}

/** Reads what BufferWriter wrote; every read is bounds-checked and fails with DecodeError. */
export class BufferReader {
  private offset = 0;

  constructor(private readonly buf: Buffer) {}

  get position(): number {
    return this.offset;
  }

  /** A copy of the bytes read from `start` (an earlier `position`) up to here. */
  copySince(start: number): Buffer {
    return this.copyOf(start, this.offset);
  }

  /** A view (no copy) of the bytes read from `start` up to here: for hashing at once, not for keeping (it pins the whole source). */
  viewSince(start: number): Buffer {
    return this.buf.subarray(start, this.offset);
  }

  /** A copy of source bytes [start, end): one Buffer (a pool slice when small), no intermediate view. */
  private copyOf(start: number, end: number): Buffer {
    const out = Buffer.allocUnsafe(end - start);
    this.buf.copy(out, 0, start, end);
    return out;
  }

  get remaining(): number {
    return this.buf.length - this.offset;
  }

  private need(bytes: number, what: string): void {
    if (this.offset + bytes > this.buf.length) {
      throw new DecodeError(`truncated data: needed ${bytes} bytes for ${what} at offset ${this.offset}, ${this.remaining} left`);
    }
  }

  u8(what = 'u8'): number {
    this.need(1, what);
    return this.buf.readUInt8(this.offset++);
  }

  u32(what = 'u32'): number {
    this.need(4, what);
    const v = this.buf.readUInt32LE(this.offset);
    this.offset += 4;
    return v;
  }

  u64(what = 'u64'): bigint {
    this.need(8, what);
    const lo = this.buf.readUInt32LE(this.offset);
    const hi = this.buf.readUInt32LE(this.offset + 4);
    this.offset += 8;
    // Below 2^53 (every amount) one BigInt from an exact double; readBigUInt64LE builds it from several.
    return hi < SAFE_HIGH_WORD_LIMIT ? BigInt(hi * TWO_POW_32 + lo) : (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** CompactSize; rejects non-minimal encodings so every value has exactly one byte form. */
  varint(what = 'varint'): number {
    const first = this.u8(what);
    if (first < 0xfd) return first;
    if (first === 0xfd) {
      this.need(2, what);
      const v = this.buf.readUInt16LE(this.offset);
      this.offset += 2;
      if (v < 0xfd) throw new DecodeError(`non-canonical varint for ${what}`);
      return v;
    }
    if (first === 0xfe) {
      const v = this.u32(what);
      if (v <= 0xffff) throw new DecodeError(`non-canonical varint for ${what}`);
      return v;
    }
    const big = this.u64(what);
    if (big <= 0xffff_ffffn || big > BigInt(Number.MAX_SAFE_INTEGER)) throw new DecodeError(`non-canonical or oversized varint for ${what}`);
    return Number(big);
  }

  /** Fixed-size bytes; returns a copy so the result does not pin the source buffer. */
  bytes(length: number, what = 'bytes'): Buffer {
    this.need(length, what);
    const out = this.copyOf(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }

  /** Fixed-size bytes as a view of the source (no copy): for short-lived reads where the copy would dominate. */
  view(length: number, what = 'bytes'): Buffer {
    this.need(length, what);
    const out = this.buf.subarray(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }

  skip(length: number, what = 'bytes'): void {
    this.need(length, what);
    this.offset += length;
  }

  /** Skips length-prefixed bytes, with varBytes' checks. */
  varSkip(maxLength: number, what = 'bytes'): void {
    this.skip(this.varLength(maxLength, what), what);
  }

  varBytes(maxLength: number, what = 'bytes'): Buffer {
    return this.bytes(this.varLength(maxLength, what), what);
  }

  /** varBytes as a view of the source (see view()). */
  varView(maxLength: number, what = 'bytes'): Buffer {
    return this.view(this.varLength(maxLength, what), what);
  }

  private varLength(maxLength: number, what: string): number {
    const length = this.varint(what);
    if (length > maxLength) throw new DecodeError(`${what} is ${length} bytes, more than the ${maxLength} allowed`);
    return length;
  }

  /** A count of items that each take at least `minItemBytes`: rejects counts the data cannot hold, before allocating. */
  count(minItemBytes: number, what: string): number {
    const n = this.varint(what);
    if (n * minItemBytes > this.remaining) throw new DecodeError(`${what} count ${n} exceeds the remaining ${this.remaining} bytes`);
    return n;
  }

  /** Asserts the whole input was consumed: trailing bytes mean a different encoding of the same object. */
  end(what: string): void {
    if (this.remaining !== 0) throw new DecodeError(`${this.remaining} trailing bytes after ${what}`);
  }
}
