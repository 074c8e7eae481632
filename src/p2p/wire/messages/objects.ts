import { Block } from '../../../primitives/block.js';
import { Transaction } from '../../../primitives/tx.js';

/** The payload is exactly the canonical encoding (src/primitives), so hashes are over the bytes received. */
export interface BlockMessage {
  readonly kind: 'block';
  readonly block: Block;
}
/**
 * An outgoing block whose canonical encoding is already at hand (a node serving blocks from
 * storage): sent as is, without decoding and re-encoding. Same frame type and payload as
 * BlockMessage; receivers always decode into a BlockMessage.
 */
export interface EncodedBlockMessage {
  readonly kind: 'block';
  /** Exactly Block.encode() of the block; not checked here (callers pass stored, validated bytes). */
  readonly encoded: Buffer;
}
export interface TransactionMessage {
  readonly kind: 'transaction';
  readonly transaction: Transaction;
}

export function encodeBlockMessage(msg: BlockMessage | EncodedBlockMessage): Buffer {
  return 'encoded' in msg ? msg.encoded : msg.block.encode();
}

/** Block.decode throws DecodeError on malformed bytes (and rejects trailing bytes). */
export function decodeBlockMessage(payload: Buffer): BlockMessage {
  return { kind: 'block', block: Block.decode(payload) };
}

export function encodeTransactionMessage(msg: TransactionMessage): Buffer {
  return msg.transaction.encode();
}

export function decodeTransactionMessage(payload: Buffer): TransactionMessage {
  return { kind: 'transaction', transaction: Transaction.decode(payload) };
}
