/**
 * Parameter checking for RPC methods: one small schema per method, by name or by position.
 * Amounts arrive as integer strings (or safe integers) and leave as bigint; floats, negatives,
 * exponents and zero are refused here so no method ever sees a doubtful amount.
 */
import { MAX_MONEY } from '../chain/validate-tx.js';
import { RpcParamError } from './errors.js';

/** Converts one raw value (undefined when absent) or throws RpcParamError naming `name`. */
export type ParamCheck<T> = (value: unknown, name: string) => T;
export type ParamSpec = Readonly<Record<string, ParamCheck<unknown>>>;
export type ParsedParams<S extends ParamSpec> = { [K in keyof S]: S[K] extends ParamCheck<infer T> ? T : never };

const show = (v: unknown): string => (typeof v === 'string' ? `"${v}"` : (JSON.stringify(v) ?? String(v)));

function required(value: unknown, name: string): void {
  if (value === undefined || value === null) throw new RpcParamError(`missing parameter "${name}"`);
}

function wholeNumber(value: unknown, name: string, positive: boolean): bigint {
  required(value, name);
  let n: bigint;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new RpcParamError(`parameter "${name}" must be a whole number of coins, got ${show(value)}`);
    n = BigInt(value);
  } else if (typeof value === 'string' && /^-?[0-9]+$/.test(value.trim())) {
    n = BigInt(value.trim());
  } else {
    throw new RpcParamError(`parameter "${name}" must be a whole number of coins (digits only, no decimals), got ${show(value)}`);
  }
  if (n < 0n) throw new RpcParamError(`parameter "${name}" must not be negative, got ${show(value)}`);
  if (n > MAX_MONEY) throw new RpcParamError(`parameter "${name}" exceeds the money supply of ${MAX_MONEY}, got ${show(value)}`);
  if (positive && n === 0n) throw new RpcParamError(`parameter "${name}" must be greater than zero`);
  return n;
}

export const param = {
  /** A non-empty string. */
  string: (): ParamCheck<string> => (value, name) => {
    required(value, name);
    if (typeof value !== 'string' || value.trim().length === 0) throw new RpcParamError(`parameter "${name}" must be a non-empty string, got ${show(value)}`);
    return value.trim();
  },
  /** An address string; its checksum is checked by the method (to answer -5 like other address errors). */
  address: (): ParamCheck<string> => (value, name) => {
    required(value, name);
    if (typeof value !== 'string' || value.trim().length === 0) throw new RpcParamError(`parameter "${name}" must be an address string, got ${show(value)}`);
    return value.trim();
  },
  /** An amount of coins greater than zero. */
  amount: (): ParamCheck<bigint> => (value, name) => wholeNumber(value, name, true),
  /** A fee: zero allowed. */
  fee: (): ParamCheck<bigint> => (value, name) => wholeNumber(value, name, false),
  /** A block height: integer ≥ 0 (a numeric string is accepted too, as the CLI sends it). */
  height: (): ParamCheck<number> => (value, name) => {
    required(value, name);
    const n = typeof value === 'string' && /^[0-9]+$/.test(value.trim()) ? Number(value.trim()) : value;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new RpcParamError(`parameter "${name}" must be a block height (a whole number ≥ 0), got ${show(value)}`);
    return n;
  },
  /** A number of blocks: integer ≥ 0 (a numeric string is accepted too, as the CLI sends it). */
  blocks: (): ParamCheck<number> => (value, name) => {
    required(value, name);
    const n = typeof value === 'string' && /^[0-9]+$/.test(value.trim()) ? Number(value.trim()) : value;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new RpcParamError(`parameter "${name}" must be a number of blocks (a whole number ≥ 0), got ${show(value)}`);
    return n;
  },
  /** true or false (the strings "true"/"false" too, as a CLI sends them). */
  boolean: (): ParamCheck<boolean> => (value, name) => {
    required(value, name);
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    throw new RpcParamError(`parameter "${name}" must be true or false, got ${show(value)}`);
  },
  optional:
    <T, D>(check: ParamCheck<T>, fallback: D): ParamCheck<T | D> =>
    (value, name) =>
      value === undefined || value === null ? fallback : check(value, name),
};

/** Checks `params` (an object by name, an array by position, or absent) against `spec`. */
export function parseParams<S extends ParamSpec>(params: unknown, spec: S): ParsedParams<S> {
  const names = Object.keys(spec);
  let byName: Record<string, unknown>;
  if (params === undefined || params === null) {
    byName = {};
  } else if (Array.isArray(params)) {
    if (params.length > names.length) {
      throw new RpcParamError(`expected at most ${names.length} parameter(s)${names.length ? ` (${names.join(', ')})` : ''}, got ${params.length}`);
    }
    byName = Object.fromEntries(params.map((v: unknown, i) => [names[i]!, v]));
  } else if (typeof params === 'object') {
    byName = params as Record<string, unknown>;
    const unknown = Object.keys(byName).find((k) => !Object.hasOwn(spec, k));
    if (unknown !== undefined) {
      throw new RpcParamError(`unknown parameter "${unknown}"; this method takes ${names.length ? names.join(', ') : 'no parameters'}`);
    }
  } else {
    throw new RpcParamError('params must be an object or an array');
  }
  const out: Record<string, unknown> = {};
  for (const name of names) out[name] = spec[name]!(byName[name], name);
  return out as ParsedParams<S>;
}
