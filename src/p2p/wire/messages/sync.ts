import { BlockHeader, HEADER_BYTES } from '../../../primitives/block.js';
import { BufferReader } from '../../../primitives/encoding.js';
import { HASH_BYTES } from '../../../primitives/hash.js';
import { DecodeError } from '../../../util/errors.js';
import { MAX_HEADERS_PER_MESSAGE, MAX_LOCATOR_HASHES } from '../constants.js';
import { newWriter, readHash, writeHash } from './fields.js';

/**
 * Bitcoin-style sync: the requester sends its block locator (newest first, genesis last); the
 * responder finds the first locator hash on its active chain (the fork point) and answers with
 * `headers` for the blocks after it, up to MAX_HEADERS_PER_MESSAGE or through stopHash
 * (all-zero = no stop). The requester then fetches bodies with get-data, several in flight.
 */
export interface GetBlocksMessage {
  readonly kind: 'get-blocks';
  readonly locator: readonly Buffer[];
  readonly stopHash: Buffer;
}

/** Reply to get-blocks: consecutive headers of the responder's active chain, oldest first. */
export interface HeadersMessage {
  readonly kind: 'headers';
  readonly headers: readonly BlockHeader[];
}

/**
 * The tutorial's type 2: one block by height on the responder's active chain, or by hash.
 * Answered with `block`, or `not-found` (one block item with the hash asked for; no items when
 * asked by height). Replies go out in request order, so a requester matches them FIFO.
 */
export type GetBlockMessage =
  | { readonly kind: 'get-block'; readonly by: 'height'; readonly height: number }
  | { readonly kind: 'get-block'; readonly by: 'hash'; readonly hash: Buffer };

const GET_BLOCK_BY_HEIGHT = 0;
const GET_BLOCK_BY_HASH = 1;

/** varint count (≤ 101) | count × hash[32] | stopHash[32] */
export function encodeGetBlocks(msg: GetBlocksMessage): Buffer {
  if (msg.locator.length > MAX_LOCATOR_HASHES) throw new RangeError(`locator of ${msg.locator.length} hashes, more than the ${MAX_LOCATOR_HASHES} allowed`);
  const w = newWriter(3 + (msg.locator.length + 1) * HASH_BYTES).varint(msg.locator.length);
  for (const hash of msg.locator) writeHash(w, hash, 'locator hash');
  return writeHash(w, msg.stopHash, 'stop hash').finish();
}

export function decodeGetBlocks(payload: Buffer): GetBlocksMessage {
  const r = new BufferReader(payload);
  const count = r.count(HASH_BYTES, 'locator hashes');
  if (count > MAX_LOCATOR_HASHES) throw new DecodeError(`locator has ${count} hashes, more than the ${MAX_LOCATOR_HASHES} allowed`);
  const locator: Buffer[] = new Array(count);
  for (let i = 0; i < count; i++) locator[i] = readHash(r, 'locator hash');
  const stopHash = readHash(r, 'stop hash');
  r.end('get-blocks');
  return { kind: 'get-blocks', locator, stopHash };
}

/** varint count (≤ 2,000) | count × header[84] */
export function encodeHeaders(msg: HeadersMessage): Buffer {
  if (msg.headers.length > MAX_HEADERS_PER_MESSAGE) throw new RangeError(`${msg.headers.length} headers, more than the ${MAX_HEADERS_PER_MESSAGE} allowed`);
  const w = newWriter(3 + msg.headers.length * HEADER_BYTES).varint(msg.headers.length);
  for (const header of msg.headers) header.write(w);
  return w.finish();
}

export function decodeHeaders(payload: Buffer): HeadersMessage {
  const r = new BufferReader(payload);
  const count = r.count(HEADER_BYTES, 'headers');
  if (count > MAX_HEADERS_PER_MESSAGE) throw new DecodeError(`headers message has ${count} headers, more than the ${MAX_HEADERS_PER_MESSAGE} allowed`);
  const headers: BlockHeader[] = new Array(count);
  for (let i = 0; i < count; i++) headers[i] = BlockHeader.readHashed(r);
  r.end('headers');
  return { kind: 'headers', headers };
}

/** selector u8 (0 = by height, 1 = by hash) | height u32 or hash[32] */
export function encodeGetBlock(msg: GetBlockMessage): Buffer {
  if (msg.by === 'height') return newWriter(5).u8(GET_BLOCK_BY_HEIGHT).u32(msg.height).finish();
  return writeHash(newWriter(33).u8(GET_BLOCK_BY_HASH), msg.hash, 'block hash').finish();
}

export function decodeGetBlock(payload: Buffer): GetBlockMessage {
  const r = new BufferReader(payload);
  const selector = r.u8('get-block selector');
  let msg: GetBlockMessage;
  if (selector === GET_BLOCK_BY_HEIGHT) msg = { kind: 'get-block', by: 'height', height: r.u32('block height') };
  else if (selector === GET_BLOCK_BY_HASH) msg = { kind: 'get-block', by: 'hash', hash: readHash(r, 'block hash') };
  else throw new DecodeError(`unknown get-block selector ${selector}`);
  r.end('get-block');
  return msg;
}
