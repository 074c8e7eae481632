/**
 * Typed option and positional values, checked here before any RPC call: a person who typed
 * `--amount 1.5` gets one line naming the flag and exit 2, not a round trip and a JSON-RPC code.
 * Each option declares its kind once (`kind` in commands.ts); the node still checks everything.
 */

export type ValueKind = 'amount' | 'fee' | 'height' | 'count' | 'port' | 'listen-port' | 'seconds';

const DIGITS = /^[0-9]+$/;
/** The largest TCP/UDP port. */
const MAX_PORT = 65_535;

interface KindRule {
  /** What a valid value is, as the end of "must be …". */
  what: string;
  ok(value: number): boolean;
}

const RULES: Readonly<Record<ValueKind, KindRule>> = {
  amount: { what: 'a whole number of coins greater than 0 (no decimals, signs or exponents)', ok: (n) => n > 0 },
  fee: { what: 'a whole number of coins, 0 or more (no decimals, signs or exponents)', ok: () => true },
  height: { what: 'a block height: a whole number, 0 or more', ok: () => true },
  count: { what: 'a whole number, 0 or more', ok: () => true },
  port: { what: `a port number from 1 to ${MAX_PORT}`, ok: (n) => n >= 1 && n <= MAX_PORT },
  'listen-port': { what: `a port number from 0 (any free port) to ${MAX_PORT}`, ok: (n) => n <= MAX_PORT },
  seconds: { what: 'a whole number of seconds greater than 0', ok: (n) => n > 0 },
};

/**
 * Why `value` is not a valid `kind`, as "must be …, got "x"", or undefined when it is valid.
 * Only plain decimal digits pass: "1e3", "0x10", "+5", " 5" and "5.0" are refused, as are
 * numbers past 2^53 (no amount, height or count can be that large).
 */
export function kindProblem(kind: ValueKind, value: string): string | undefined {
  const rule = RULES[kind];
  const valid = DIGITS.test(value) && Number.isSafeInteger(Number(value)) && rule.ok(Number(value));
  return valid ? undefined : `must be ${rule.what}, got ${JSON.stringify(value)}`;
}
