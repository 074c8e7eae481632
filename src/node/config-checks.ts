/**
 * The checks of single config values that the CLI's client settings share with the node's
 * schema (config-schema.ts): kept apart, with no imports, so a client command checks dataDir,
 * rpcHost and rpcPort with the node's exact rules and messages without loading the schema.
 */

export type Check = (value: unknown) => string | undefined;

export const show = (value: unknown): string => (typeof value === 'string' ? `"${value}"` : JSON.stringify(value) ?? String(value));

export const nonEmptyString: Check = (v) => (typeof v === 'string' && v.length > 0 ? undefined : `must be a non-empty string, got ${show(v)}`);

export const integerIn =
  (min: number, max: number, what: string): Check =>
  (v) =>
    typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? undefined : `must be ${what} (an integer from ${min} to ${max}), got ${show(v)}`;

export const rpcPort = integerIn(1, 65_535, 'a port number');
