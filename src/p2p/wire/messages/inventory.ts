import { BufferReader } from '../../../primitives/encoding.js';
import { DecodeError } from '../../../util/errors.js';
import { INV_ITEM_BYTES, InvType, MAX_INV_ITEMS } from '../constants.js';
import { newWriter, readHash, writeHash } from './fields.js';

/** 'cmpct-block': a block asked for as a compact block (get-data only, protocol version ≥ 3). */
export type InvItemType = 'tx' | 'block' | 'cmpct-block';

export interface InvItem {
  readonly type: InvItemType;
  readonly hash: Buffer;
}

/** inv announces, get-data requests, not-found answers a get-data for items we lack. Same layout. */
export interface InvMessage {
  readonly kind: 'inv';
  readonly items: readonly InvItem[];
}
export interface GetDataMessage {
  readonly kind: 'get-data';
  readonly items: readonly InvItem[];
}
export interface NotFoundMessage {
  readonly kind: 'not-found';
  readonly items: readonly InvItem[];
}
export type InventoryMessage = InvMessage | GetDataMessage | NotFoundMessage;

function invTypeNumber(type: InvItemType): number {
  return type === 'tx' ? InvType.Tx : type === 'block' ? InvType.Block : InvType.CompactBlock;
}

function invTypeOf(n: number): InvItemType {
  if (n === InvType.Tx) return 'tx';
  if (n === InvType.Block) return 'block';
  if (n === InvType.CompactBlock) return 'cmpct-block';
  throw new DecodeError(`unknown inventory item type ${n}`);
}

/** varint count (≤ 50,000) | count × (type u8 | hash[32]) */
export function encodeInventory(msg: { readonly items: readonly InvItem[] }): Buffer {
  if (msg.items.length > MAX_INV_ITEMS) throw new RangeError(`${msg.items.length} inventory items, more than the ${MAX_INV_ITEMS} allowed`);
  const w = newWriter(9 + msg.items.length * INV_ITEM_BYTES).varint(msg.items.length);
  for (const item of msg.items) writeHash(w.u8(invTypeNumber(item.type)), item.hash, 'inventory hash');
  return w.finish();
}

function decodeItems(payload: Buffer, what: string): InvItem[] {
  const r = new BufferReader(payload);
  const count = r.count(INV_ITEM_BYTES, `${what} items`);
  if (count > MAX_INV_ITEMS) throw new DecodeError(`${what} lists ${count} items, more than the ${MAX_INV_ITEMS} allowed`);
  const items: InvItem[] = new Array(count);
  for (let i = 0; i < count; i++) items[i] = { type: invTypeOf(r.u8('inventory type')), hash: readHash(r, 'inventory hash') };
  r.end(what);
  return items;
}

export function decodeInv(payload: Buffer): InvMessage {
  return { kind: 'inv', items: decodeItems(payload, 'inv') };
}

export function decodeGetData(payload: Buffer): GetDataMessage {
  return { kind: 'get-data', items: decodeItems(payload, 'get-data') };
}

export function decodeNotFound(payload: Buffer): NotFoundMessage {
  return { kind: 'not-found', items: decodeItems(payload, 'not-found') };
}
