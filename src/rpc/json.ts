/**
 * JSON has no bigint or bytes: amounts go out as numbers (MAX_MONEY < 2^53, so every amount, fee
 * and sum is exact), hashes and keys as hex. A value that can exceed 2^53 (chain work) must be
 * made a string where it is produced: a bigint past Number.MAX_SAFE_INTEGER reaching here is a
 * bug, and it throws rather than silently rounding.
 */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A bigint too large to be an exact JSON number; `path` names the field so the test that hits it says which. */
export class UnsafeJsonIntegerError extends Error {
  constructor(readonly path: string, value: bigint) {
    super(`field ${path} holds ${value}, beyond 2^53: convert it to a string where it is produced`);
    this.name = 'UnsafeJsonIntegerError';
  }
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export function toJsonSafe(value: unknown, path = '$'): JsonValue {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'bigint':
      if (value > MAX_SAFE || value < -MAX_SAFE) throw new UnsafeJsonIntegerError(path, value);
      return Number(value);
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'object':
      break;
    default:
      return null;
  }
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex');
  if (Array.isArray(value)) return value.map((v: unknown, i) => toJsonSafe(v, `${path}[${i}]`));
  const withToJson = value as { toJSON?: () => unknown };
  if (typeof withToJson.toJSON === 'function') return toJsonSafe(withToJson.toJSON(), path);
  const out: { [key: string]: JsonValue } = {};
  for (const [key, v] of Object.entries(value)) if (v !== undefined) out[key] = toJsonSafe(v, `${path}.${key}`);
  return out;
}
