import { Block } from '../../../primitives/block.js';
import { Transaction } from '../../../primitives/tx.js';

/** The payload is exactly the canonical encoding (src/primitives), so hashes are over the bytes received. */
export interface BlockMessage {
  readonly kind: 'block';
  readonly block: Block;
}
export interface TransactionMessage {
  readonly kind: 'transaction';
  readonly transaction: Transaction;
}

export function encodeBlockMessage(msg: BlockMessage): Buffer {
  return msg.block.encode();
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
