/**
 * SipHash-2-4 (Aumasson & Bernstein), the keyed hash BIP152 uses for compact-block short ids.
 * Node's crypto has none, and no npm package may be added here, so this is a direct port on
 * 32-bit halves (JavaScript has no 64-bit integers but bigint, which is ~20× slower). The unit
 * test checks it against the reference vectors of the SipHash paper (key 00…0f, messages 00…i)
 * produced by OpenSSL's SIPHASH MAC. State lives in one module-level array: no allocation per call.
 */

/** v0..v3 as [lo, hi] pairs: v0 = s[0..1], v1 = s[2..3], v2 = s[4..5], v3 = s[6..7]. */
const s = new Uint32Array(8);

/** a += b (mod 2^64) on halves at indexes a, b of s. */
function add(a: number, b: number): void {
  const lo = s[a]! + s[b]!;
  s[a] = lo;
  s[a + 1] = s[a + 1]! + s[b + 1]! + (lo > 0xffffffff ? 1 : 0);
}

/** Rotate the 64-bit value at index i left by n (0 < n < 32). */
function rotl(i: number, n: number): void {
  const lo = s[i]!;
  const hi = s[i + 1]!;
  s[i] = (lo << n) | (hi >>> (32 - n));
  s[i + 1] = (hi << n) | (lo >>> (32 - n));
}

/** Rotate by 32: swap the halves. */
function swap(i: number): void {
  const lo = s[i]!;
  s[i] = s[i + 1]!;
  s[i + 1] = lo;
}

/** x ^= y for the 64-bit values at i and j. */
function xor(i: number, j: number): void {
  s[i] = s[i]! ^ s[j]!;
  s[i + 1] = s[i + 1]! ^ s[j + 1]!;
}

function sipRound(): void {
  add(0, 2); rotl(2, 13); xor(2, 0); swap(0);
  add(4, 6); rotl(6, 16); xor(6, 4);
  add(0, 6); rotl(6, 21); xor(6, 0);
  add(4, 2); rotl(2, 17); xor(2, 4); swap(4);
}

/** v3 ^= m; two rounds; v0 ^= m. */
function compress(mLo: number, mHi: number): void {
  s[6] = s[6]! ^ mLo;
  s[7] = s[7]! ^ mHi;
  sipRound();
  sipRound();
  s[0] = s[0]! ^ mLo;
  s[1] = s[1]! ^ mHi;
}

/** A 128-bit SipHash key as four little-endian 32-bit words: k0 = (k0Hi:k0Lo), k1 = (k1Hi:k1Lo). */
export interface SipKey {
  readonly k0Lo: number;
  readonly k0Hi: number;
  readonly k1Lo: number;
  readonly k1Hi: number;
}

/** The key in its 16-byte form (k0 then k1, each little-endian), as BIP152 takes it from a sha256. */
export function sipKeyFromBytes(key: Uint8Array): SipKey {
  if (key.length < 16) throw new RangeError(`a SipHash key is 16 bytes, got ${key.length}`);
  const view = new DataView(key.buffer, key.byteOffset, 16);
  return { k0Lo: view.getUint32(0, true), k0Hi: view.getUint32(4, true), k1Lo: view.getUint32(8, true), k1Hi: view.getUint32(12, true) };
}

/**
 * SipHash-2-4 of `data` under `key`, as [lo, hi] 32-bit halves of the 64-bit result (written
 * into `out`, returned for convenience).
 */
export function sipHash24(key: SipKey, data: Uint8Array, out: Uint32Array = new Uint32Array(2)): Uint32Array {
  // "somepseudorandomlygeneratedbytes"
  s[0] = key.k0Lo ^ 0x70736575; s[1] = key.k0Hi ^ 0x736f6d65;
  s[2] = key.k1Lo ^ 0x6e646f6d; s[3] = key.k1Hi ^ 0x646f7261;
  s[4] = key.k0Lo ^ 0x6e657261; s[5] = key.k0Hi ^ 0x6c796765;
  s[6] = key.k1Lo ^ 0x79746573; s[7] = key.k1Hi ^ 0x74656462;
  const len = data.length;
  const whole = len - (len % 8);
  for (let i = 0; i < whole; i += 8) {
    const lo = (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)) >>> 0;
    const hi = (data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24)) >>> 0;
    compress(lo, hi);
  }
  // Last block: the remaining bytes little-endian, the length's low byte on top.
  let lo = 0;
  let hi = (len & 0xff) << 24;
  for (let i = whole; i < len; i++) {
    const shift = (i - whole) * 8;
    if (shift < 32) lo |= data[i]! << shift;
    else hi |= data[i]! << (shift - 32);
  }
  compress(lo >>> 0, hi >>> 0);
  s[4] = s[4]! ^ 0xff;
  sipRound();
  sipRound();
  sipRound();
  sipRound();
  out[0] = s[0]! ^ s[2]! ^ s[4]! ^ s[6]!;
  out[1] = s[1]! ^ s[3]! ^ s[5]! ^ s[7]!;
  return out;
}
