/**
 * The read-only operations a /ws client may ask for, named like the course's WebSocket node
 * (peers, pool, blocks from a height) plus what the page's detail views need. A request is
 * `{"id": 1, "op": "blocks", "start": 10, "count": 20}`; its answer `{"id": 1, "op": "blocks",
 * "result": …}` or `{"id": 1, "op": "blocks", "error": {"code": "bad-param", "message": …}}`.
 */
import { toJsonSafe, type JsonValue } from '../rpc/json.js';
import { KadchainError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { WS_MAX_BLOCKS_PER_REQUEST, WS_POOL_NEWEST_TXS } from './constants.js';
import { WebError } from './errors.js';
import type { BlockRef, WebSource } from './source.js';

export const WEB_OPS = ['status', 'peers', 'pool', 'blocks', 'block', 'tx', 'address'] as const;
export type WebOp = (typeof WEB_OPS)[number];

/** What a request may carry as its id: echoed back so the client can match the answer. */
export type RequestId = string | number | null;

const HASH_RE = /^[0-9a-fA-F]{64}$/;
/** Longer than any address we encode (base58check of 25 bytes is ≤ 35 characters). */
const MAX_ADDRESS_CHARS = 100;
const MAX_ID_CHARS = 64;
const DEFAULT_BLOCKS_COUNT = 20;

export type Fields = Record<string, unknown>;

/** A parsed request: its id (echoed back), its op and its fields (checked when it runs). */
export interface WebRequest {
  readonly id: RequestId;
  readonly op: WebOp;
  readonly fields: Fields;
}

export function height(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new WebError('bad-param', `"${name}" must be a block height (a whole number ≥ 0), got ${JSON.stringify(value) ?? 'nothing'}`);
  return value;
}

export function hash(value: unknown, name: string): string {
  if (typeof value !== 'string' || !HASH_RE.test(value)) throw new WebError('bad-param', `"${name}" must be 64 hex digits, got ${JSON.stringify(value) ?? 'nothing'}`);
  return value.toLowerCase();
}

export function blockRef(fields: Fields): BlockRef {
  const hasHash = fields['hash'] !== undefined;
  const hasHeight = fields['height'] !== undefined;
  if (hasHash === hasHeight) throw new WebError('bad-param', 'the "block" op takes either "hash" (64 hex digits) or "height" (a whole number), not both or neither');
  return hasHash ? { hash: hash(fields['hash'], 'hash') } : { height: height(fields['height'], 'height') };
}

export function count(value: unknown): number {
  if (value === undefined) return DEFAULT_BLOCKS_COUNT;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > WS_MAX_BLOCKS_PER_REQUEST) {
    throw new WebError('bad-param', `"count" must be a whole number from 1 to ${WS_MAX_BLOCKS_PER_REQUEST}, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function address(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ADDRESS_CHARS) throw new WebError('bad-param', `"address" must be an address (a string of at most ${MAX_ADDRESS_CHARS} characters), got ${JSON.stringify(value)?.slice(0, MAX_ADDRESS_CHARS) ?? 'nothing'}`);
  return value.trim();
}

/** Runs one op; throws WebError (or the explorer's KadchainError) for a request it cannot answer. */
export function runOp(source: WebSource, op: WebOp, fields: Fields): unknown | Promise<unknown> {
  switch (op) {
    case 'status':
      return source.status();
    case 'peers':
      return source.peers();
    case 'pool':
      return source.pool(WS_POOL_NEWEST_TXS);
    case 'blocks':
      return source.blocks(height(fields['start'], 'start'), count(fields['count']));
    case 'block':
      return source.block(blockRef(fields));
    case 'tx':
      return source.tx(hash(fields['txid'], 'txid'));
    case 'address':
      return source.address(address(fields['address']));
  }
}

function isOp(value: unknown): value is WebOp {
  return typeof value === 'string' && (WEB_OPS as readonly string[]).includes(value);
}

/** Parses a message (nothing runs yet): the request, or the text of its error answer. */
export function parseRequest(text: string, logger: Logger): { request: WebRequest } | { reply: string } {
  let id: RequestId = null;
  let op: string | null = null;
  try {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      throw new WebError('bad-request', 'a request must be a JSON object like {"id":1,"op":"status"}');
    }
    if (typeof message !== 'object' || message === null || Array.isArray(message)) throw new WebError('bad-request', 'a request must be a JSON object like {"id":1,"op":"status"}');
    const fields = message as Fields;
    const rawId = fields['id'];
    if (typeof rawId === 'number' && Number.isFinite(rawId)) id = rawId;
    else if (typeof rawId === 'string' && rawId.length <= MAX_ID_CHARS) id = rawId;
    else if (rawId !== undefined) throw new WebError('bad-request', `"id" must be a number or a string of at most ${MAX_ID_CHARS} characters`);
    const rawOp = fields['op'];
    if (typeof rawOp === 'string') op = rawOp.slice(0, MAX_ID_CHARS);
    if (!isOp(rawOp)) throw new WebError('unknown-op', `unknown op ${JSON.stringify(op ?? rawOp ?? null)}; the ops are ${WEB_OPS.join(', ')}`);
    return { request: { id, op: rawOp, fields } };
  } catch (err) {
    return { reply: JSON.stringify({ id, op, error: errorView(err, logger, op) }) };
  }
}

/** Runs a parsed request and returns the answer's text: every failure is an answer, never a throw. */
export async function runRequest(source: WebSource, request: WebRequest, logger: Logger): Promise<string> {
  const { id, op } = request;
  try {
    return JSON.stringify({ id, op, result: toJsonSafe(await runOp(source, op, request.fields)) });
  } catch (err) {
    return JSON.stringify({ id, op, error: errorView(err, logger, op) });
  }
}

/** Parses a message, runs it and returns the answer's text: every failure is an answer, never a throw. */
export async function answer(source: WebSource, text: string, logger: Logger): Promise<string> {
  const parsed = parseRequest(text, logger);
  return 'reply' in parsed ? parsed.reply : runRequest(source, parsed.request, logger);
}

/** A typed error keeps its code and sentence; anything else is our bug: logged, and a generic answer. */
export function errorView(err: unknown, logger: Logger, op: string | null): { code: string; message: string } {
  if (err instanceof KadchainError) return { code: err.code, message: err.message };
  logger.error({ err, op }, 'status page request failed unexpectedly');
  return { code: 'internal', message: 'the node failed to answer this request; see its log' };
}

/** The refusal a client gets when it asks too fast (with the request's id once it is parsed, so the asker can match it). */
export function rateLimitedAnswer(id: RequestId = null, op: string | null = null): string {
  return JSON.stringify({ id, op, error: { code: 'rate-limited', message: 'too many requests: wait a moment; a page needs only a few a second' } satisfies JsonValue });
}

/** The refusal a client gets when it already has as many requests waiting as it may: nothing is parsed. */
export function busyAnswer(maxQueued: number): string {
  return JSON.stringify({ id: null, op: null, error: { code: 'rate-limited', message: `too many requests waiting (${maxQueued}): wait for the answers before asking more` } satisfies JsonValue });
}
