/**
 * What the explorer reads, as narrow structural interfaces (the real Chain, Mempool and
 * ChainIndexer satisfy them; unit tests pass small fakes), and the views it returns. Amounts stay
 * bigint here: toJsonSafe (src/rpc/json.ts) turns them into JSON at the edge.
 */
import type { ChainTip, Coin } from '../chain/types.js';
import type { Block, BlockHeader } from '../primitives/block.js';
import type { OutPoint, Transaction } from '../primitives/tx.js';

export interface ExplorerChain {
  readonly tip: ChainTip | undefined;
  getHashAtHeight(height: number): Buffer | undefined;
  getHeaderAtHeight(height: number): BlockHeader | undefined;
  /** Any stored block, active or side branch. */
  getBlock(hash: Buffer): Block | undefined;
  /** The first `bytes` of a stored block's encoding and its length, without reading the rest (summaries need only the header and the tx count). */
  getBlockPrefix(hash: Buffer, bytes: number): { prefix: Buffer; length: number } | undefined;
  /** Cumulative work of a stored valid block. */
  getChainWork(hash: Buffer): bigint | undefined;
  /** Coins an active block spent, in spending order; undefined off the active chain. */
  getUndo(hash: Buffer): readonly Coin[] | undefined;
  getCoin(outpoint: OutPoint): Coin | undefined;
}

export interface ExplorerMempoolEntry {
  readonly tx: Transaction;
  readonly fee: bigint;
  readonly size: number;
  readonly addedAtMs: number;
}

export interface ExplorerMempool {
  entry(txid: Buffer): ExplorerMempoolEntry | undefined;
  entries(): readonly ExplorerMempoolEntry[];
  balance(pubKeyHash: Buffer): { confirmed: bigint; immature: bigint; unconfirmed: bigint };
}

/** Where the transaction index found a txid. */
export interface TxLocation {
  readonly blockHash: Buffer;
  /** Index of the tx in its block (0 = coinbase). */
  readonly position: number;
}

/** One address-index entry: a confirmed tx that paid to or spent from the address. */
export interface AddressHistoryEntry {
  readonly height: number;
  readonly txid: Buffer;
  readonly received: bigint;
  readonly sent: bigint;
}

/** A position in an address's history, newest first: entries strictly older than it. */
export interface HistoryCursor {
  readonly height: number;
  /** Undefined: every entry below `height`. */
  readonly txid?: Buffer;
}

export interface IndexBest {
  readonly hash: Buffer;
  readonly height: number;
}

/** The transaction and address indexes (src/explorer/indexer/). */
export interface ExplorerIndex {
  /** The last block the index holds, undefined before the first. */
  readonly best: IndexBest | undefined;
  findTx(txid: Buffer): TxLocation | undefined;
  /** Up to `limit` entries older than `before` (all when absent), newest first; `more` when older ones remain. */
  addressHistory(pubKeyHash: Buffer, limit: number, before?: HistoryCursor): { entries: AddressHistoryEntry[]; more: boolean };
}

export interface ExplorerSources {
  readonly chain: ExplorerChain;
  readonly mempool: ExplorerMempool;
  readonly index: ExplorerIndex;
}

// --- views (the JSON shapes of docs/explorer.md) --------------------------------------------

export interface BlockSummaryView {
  height: number;
  hash: string;
  /** Unix seconds. */
  time: number;
  txs: number;
  size: number;
}

export interface TxInputView {
  prevTxid: string;
  prevIndex: number;
  /** Null for a coinbase input, or where the spent coin is not known (a side-branch block). */
  address: string | null;
  amount: bigint | null;
}

export interface TxOutputView {
  index: number;
  address: string;
  amount: bigint;
}

export interface TxView {
  txid: string;
  size: number;
  coinbase: boolean;
  status: 'mempool' | 'confirmed';
  blockHash: string | null;
  height: number | null;
  /** 0 in the mempool. */
  confirmations: number;
  time: number | null;
  /** Null for a coinbase, or where the spent coins are not known. */
  fee: bigint | null;
  inputs: TxInputView[];
  outputs: TxOutputView[];
}

export interface BlockView {
  hash: string;
  height: number;
  /** -1 for a block off the active chain (Bitcoin Core's convention). */
  confirmations: number;
  version: number;
  prevHash: string;
  nextHash: string | null;
  merkleRoot: string;
  time: number;
  /** Compact target as "0x…" (as `print` shows it). */
  bits: string;
  nonce: number;
  size: number;
  /** Cumulative chain work up to this block, 64 hex digits (may exceed 2^53). */
  work: string;
  txCount: number;
  /** Txids, or full tx views when verbose. */
  txs: string[] | TxView[];
}

export interface AddressTxView {
  txid: string;
  /** Null for a mempool tx. */
  height: number | null;
  time: number | null;
  received: bigint;
  sent: bigint;
}

export interface AddressView {
  address: string;
  confirmed: bigint;
  immature: bigint;
  unconfirmed: bigint;
  /** Mempool txs first (first page only), then confirmed ones, newest first. */
  txs: AddressTxView[];
  more: boolean;
  /** Pass as `before` for the next page; null when there is none. */
  next: string | null;
}
