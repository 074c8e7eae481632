import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Block, BlockHeader } from '../../../src/primitives/block.js';
import { Transaction } from '../../../src/primitives/tx.js';

/** Runs per property: small in CI (the whole folder stays well under 20 s), large under `npm run fuzz`. */
export const FUZZ_RUNS = Number.parseInt(process.env.FUZZ_RUNS ?? '', 10) > 0 ? Number.parseInt(process.env.FUZZ_RUNS!, 10) : 300;

/** One decode must take far less than this; a (synchronous) hang or quadratic blow-up shows up as a failure. */
export const MAX_DECODE_MS = 250;

export function runs(scale = 1): fc.Parameters<unknown> {
  return { numRuns: Math.max(1, Math.round(FUZZ_RUNS * scale)) };
}

type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * Calls decode; returns its result, or undefined if it threw `errorClass`. Any other exception,
 * or a decode slower than MAX_DECODE_MS, fails the property (fast-check then shrinks it).
 */
export function decodeOrTyped<T>(decode: () => T, errorClass: ErrorClass): T | undefined {
  const start = performance.now();
  let result: T | undefined;
  try {
    result = decode();
  } catch (err) {
    if (!(err instanceof errorClass)) {
      throw new Error(`decoder threw ${err instanceof Error ? err.constructor.name : typeof err} instead of ${errorClass.name}: ${String(err)}`, { cause: err });
    }
  }
  const elapsed = performance.now() - start;
  if (elapsed > MAX_DECODE_MS) throw new Error(`decode took ${elapsed.toFixed(0)} ms`);
  return result;
}

/** A structural, class-free view (Buffers as hex) so decoded and original objects compare field by field, caches ignored. */
export function plain(x: unknown): unknown {
  if (x instanceof Transaction) return { version: x.version, inputs: plain(x.inputs), outputs: plain(x.outputs) };
  if (x instanceof BlockHeader) return plain(x.fields());
  if (x instanceof Block) return { header: plain(x.header), transactions: plain(x.transactions) };
  if (Buffer.isBuffer(x) || x instanceof Uint8Array) return `0x${Buffer.from(x).toString('hex')}`;
  if (Array.isArray(x)) return x.map(plain);
  if (x !== null && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, plain(v)]));
  return x;
}

export function assertSame(actual: unknown, expected: unknown): void {
  assert.deepStrictEqual(plain(actual), plain(expected));
}

export const bytesArb = (minLength: number, maxLength: number): fc.Arbitrary<Buffer> =>
  fc.uint8Array({ minLength, maxLength }).map((a) => Buffer.from(a));
export const hashArb = bytesArb(32, 32);
export const u8Arb = fc.integer({ min: 0, max: 0xff });
export const u16Arb = fc.integer({ min: 0, max: 0xffff });
export const u32Arb = fc.integer({ min: 0, max: 0xffff_ffff });
export const u64Arb = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
export const u256Arb = fc.bigInt({ min: 0n, max: (1n << 256n) - 1n });

/** Byte values a mutation writes: any, with the varint markers and extremes over-represented. */
const mutationByte = fc.oneof(u8Arb, fc.constantFrom(0x00, 0x01, 0x7f, 0x80, 0xfc, 0xfd, 0xfe, 0xff));

/** Bit flips, byte overwrites, truncation, extension, insertion and deletion of a valid encoding. */
export function mutated(valid: fc.Arbitrary<Buffer>): fc.Arbitrary<Buffer> {
  return valid.chain((b) => {
    const last = Math.max(0, b.length - 1);
    return fc.oneof(
      fc.array(fc.nat(Math.max(0, b.length * 8 - 1)), { minLength: 1, maxLength: 4 }).map((bits) => {
        const out = Buffer.from(b);
        for (const bit of bits) if (out.length > 0) out[bit >> 3] ^= 1 << (bit & 7);
        return out;
      }),
      fc.array(fc.tuple(fc.nat(last), mutationByte), { minLength: 1, maxLength: 4 }).map((edits) => {
        const out = Buffer.from(b);
        for (const [i, v] of edits) if (out.length > 0) out[i] = v;
        return out;
      }),
      fc.nat(last).map((n) => Buffer.from(b.subarray(0, n))),
      bytesArb(1, 16).map((tail) => Buffer.concat([b, tail])),
      fc.tuple(fc.nat(b.length), bytesArb(1, 8)).map(([i, ins]) => Buffer.concat([b.subarray(0, i), ins, b.subarray(i)])),
      fc.tuple(fc.nat(last), fc.integer({ min: 1, max: 8 })).map(([i, n]) => Buffer.concat([b.subarray(0, i), b.subarray(i + n)])),
    );
  });
}

/** Canonical CompactSize bytes for n (the reader refuses any other form). */
export function varintBytes(n: number): Buffer {
  if (n < 0xfd) return Buffer.from([n]);
  if (n <= 0xffff) {
    const b = Buffer.alloc(3);
    b[0] = 0xfd;
    b.writeUInt16LE(n, 1);
    return b;
  }
  if (n <= 0xffff_ffff) {
    const b = Buffer.alloc(5);
    b[0] = 0xfe;
    b.writeUInt32LE(n, 1);
    return b;
  }
  const b = Buffer.alloc(9);
  b[0] = 0xff;
  b.writeBigUInt64LE(BigInt(n), 1);
  return b;
}
