/**
 * What the relay side (relay.ts, relay-serve.ts, compact/, tx-intake.ts, block-intake.ts) uses of
 * the chain, the mempool and the peer set: narrow interfaces the real Chain, Mempool and PeerSet
 * satisfy structurally, so the simulator (src/sim/) can run the same relay code over stand-ins.
 */
import type { ProcessBlockOptions } from '../chain/chain.js';
import type { Coin, ProcessBlockResult } from '../chain/types.js';
import type { Block, BlockHeader } from '../primitives/block.js';
import type { OutPoint, Transaction } from '../primitives/tx.js';
import type { Peer } from './peer.js';

/** What the relay reads of a mempool entry. */
export interface RelayPoolEntry {
  readonly tx: Transaction;
  readonly addedAtMs: number;
}

export interface RelayChain {
  readonly params: { readonly powBits: number };
  readonly tip: { readonly hash: Buffer; readonly height: number } | undefined;
  hasBlock(hash: Buffer): boolean;
  getHeader(hash: Buffer): BlockHeader | undefined;
  getBlock(hash: Buffer): Block | undefined;
  getBlockBytes(hash: Buffer): Buffer | undefined;
  getHashAtHeight(height: number): Buffer | undefined;
  /** A confirmed coin (tx-intake.ts: which parents of an orphan tx are missing). */
  getCoin(outpoint: OutPoint): Coin | undefined;
  on(event: 'block:connected', listener: (block: Block) => void): unknown;
  off(event: 'block:connected', listener: (block: Block) => void): unknown;
}

/** What block-intake.ts hands blocks to. */
export interface IntakeChain {
  processBlock(block: Block, options?: ProcessBlockOptions): Promise<ProcessBlockResult>;
}

export interface RelayMempool {
  has(txid: Buffer): boolean;
  get(txid: Buffer): Transaction | undefined;
  /** Parents before children. */
  entries(): Iterable<RelayPoolEntry>;
  /** Every pooled tx in any order, no list made (a compact block's rebuild). */
  forEachTransaction(visit: (tx: Transaction) => void): void;
  /** Throws a ValidationError / MempoolError when the tx is refused. */
  addTransaction(tx: Transaction): unknown;
  minFeeRate(): number;
  on(event: 'tx:added', listener: (entry: RelayPoolEntry, readded: boolean) => void): unknown;
  on(event: 'reorg:settled', listener: () => void): unknown;
  off(event: 'tx:added', listener: (entry: RelayPoolEntry, readded: boolean) => void): unknown;
  off(event: 'reorg:settled', listener: () => void): unknown;
}

export interface RelayPeers {
  /** Peers past the handshake. */
  ready(): Iterable<Peer>;
}
