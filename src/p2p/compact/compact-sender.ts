/**
 * The sending side of compact block relay: a block pushed as cmpct-block to the high-bandwidth
 * peers, cmpct-block answers to get-data type 4 (low-bandwidth mode) and block-txn answers to
 * get-block-txn — from the recent blocks, kept in a light form; an older block goes whole.
 */
import type { Block } from '../../primitives/block.js';
import { Transaction } from '../../primitives/tx.js';
import { CRYPTO_RANDOM, type RandomSource } from '../../util/random-source.js';
import { COMPACT_SERVE_DEPTH_BLOCKS, GET_BLOCK_TXN_INDEXES_PER_SERVE_ITEM, RECENT_COMPACT_BLOCKS } from '../constants.js';
import type { Peer } from '../peer.js';
import type { RelayChain } from '../relay-deps.js';
import type { CompactBlockMessage, GetBlockTxnMessage } from '../wire/index.js';
import { toCompactBlock } from './partial-block.js';

/** What happened to compact blocks we received (stats, tests, the integration test's byte count). */
export interface CompactStats {
  received: number;
  /** Rebuilt from the mempool alone. */
  rebuiltFromPool: number;
  /** Rebuilt after a get-block-txn. */
  rebuiltWithBlockTxn: number;
  /** Transactions asked with get-block-txn, in all. */
  txsRequested: number;
  /** Full block asked for instead (collision, merkle mismatch, timeout, too many pending). */
  fellBack: number;
  /** cmpct-block messages we sent. */
  sent: number;
}

export interface CompactSenderOptions {
  chain: RelayChain;
  /** Queue a serving task behind the peer's others, rate-limited (the relay's serve queue). */
  serve: (peer: Peer, items: number, task: (granted: number) => Promise<void>) => void;
  /** Count requests for data we lack; false when the peer went over its budget (it was punished). */
  countUnknown: (peer: Peer, count: number) => boolean;
  /** Counts what was sent (`sent`). */
  stats: CompactStats;
  /** Each compact block's short-id nonce (the simulator's seeded source); default CRYPTO_RANDOM. */
  random?: RandomSource | undefined;
}

const hashKey = (hash: Buffer): string => hash.toString('latin1');

/**
 * What serving a recent block needs, not the decoded block: its compact form (6 bytes per tx)
 * and each transaction's bytes, decoded only when a get-block-txn asks for it. A decoded block
 * held ~6.5× its size in objects (~2.5× since transactions read their fields on demand); sixteen
 * kept decoded grew a busy node's live heap by ~12 MB (the soak test caught it) and could hold
 * ~100 MB of 1 MB blocks.
 */
interface RecentBlock {
  readonly compact: CompactBlockMessage;
  /**
   * The block's bytes (one buffer, not one per transaction: each small one would pin a slab of
   * Node's buffer pool) while the chain does not have them; once it stores the block they are
   * read from the chain instead. Holding them on kept a private copy of each of the 16 recent
   * blocks — up to 16 MB a node, 10 GB per 1 MB block across the simulator's 10,000 nodes.
   */
  encoded: Buffer | undefined;
  /** Where transaction i starts in `encoded`; entry `count` is the end. */
  readonly txOffsets: Uint32Array;
}

function recentBlockOf(block: Block, stored: boolean, nonce: bigint): RecentBlock {
  const encoded = block.encode();
  const txs = block.transactions;
  const txOffsets = new Uint32Array(txs.length + 1);
  let end = encoded.length;
  txOffsets[txs.length] = end;
  // From the end: the transactions are the block's last bytes, after the header and the count.
  for (let i = txs.length - 1; i >= 0; i--) {
    end -= txs[i]!.size;
    txOffsets[i] = end;
  }
  return { compact: toCompactBlock(block, nonce), encoded: stored ? undefined : encoded, txOffsets };
}

export class CompactSender {
  /** Blocks pushed or served, by hash: get-block-txn may come before the chain stored them. */
  private readonly recent = new Map<string, RecentBlock>();

  constructor(private readonly options: CompactSenderOptions) {}

  /**
   * Sends `block` as cmpct-block to the high-bandwidth peers that do not know it (they are then
   * skipped by the inv that follows). Returns how many got it.
   */
  push(block: Block, peers: readonly Peer[], except?: Peer): number {
    let recent: RecentBlock | undefined;
    let sent = 0;
    for (const peer of peers) {
      if (peer === except || !peer.isReady || peer.known.has(block.hash)) continue;
      recent ??= this.remember(block);
      peer.known.add(block.hash);
      if (peer.send(recent.compact)) sent++;
    }
    this.options.stats.sent += sent;
    return sent;
  }

  /**
   * Answers a get-data for a cmpct-block (low-bandwidth mode): a compact block of a recent block,
   * the stored block as is for an older one (BIP152; nobody rebuilds old blocks from a pool).
   * False when we do not have the block.
   */
  async serve(peer: Peer, hash: Buffer): Promise<boolean> {
    const recent = this.recentBlock(hash);
    if (!recent) {
      const encoded = this.options.chain.getBlockBytes(hash);
      if (!encoded) return false;
      await peer.sendPaced({ kind: 'block', encoded });
      return true;
    }
    peer.known.add(hash);
    this.options.stats.sent++;
    await peer.sendPaced(recent.compact);
    return true;
  }

  /**
   * A block within COMPACT_SERVE_DEPTH_BLOCKS of our tip (kept among the recent ones, so a flood
   * of requests for it decodes it once), or undefined for an older or unknown one.
   */
  private recentBlock(hash: Buffer): RecentBlock | undefined {
    const key = hashKey(hash);
    const cached = this.recent.get(key);
    if (cached) {
      // The most recently used now: the last to go.
      this.recent.delete(key);
      this.recent.set(key, cached);
      return cached;
    }
    const { chain } = this.options;
    const header = chain.getHeader(hash);
    const tip = chain.tip;
    if (!header || !tip || tip.height - header.height > COMPACT_SERVE_DEPTH_BLOCKS) return undefined;
    const block = chain.getBlock(hash);
    return block ? this.remember(block) : undefined;
  }

  /** The chain stored the block: its bytes are read from there from now on (RecentBlock.encoded). */
  stored(hash: Buffer): void {
    const recent = this.recent.get(hashKey(hash));
    if (recent) recent.encoded = undefined;
  }

  /**
   * The bytes of a recent block the chain has not stored yet (pushed on before validation, BIP152
   * high-bandwidth mode), else undefined. A receiver whose rebuild cannot start (the block's
   * parent is unknown to it) asks for the block whole straight away; answered not-found, it would
   * have nobody left to ask (every peer that pushed it is as early) and wait for its next sync.
   */
  pushedBytes(hash: Buffer): Buffer | undefined {
    return this.recent.get(hashKey(hash))?.encoded;
  }

  /** Bytes of recent blocks held here (not yet in the chain), for tests and stats. */
  heldBytes(): number {
    let total = 0;
    for (const recent of this.recent.values()) total += recent.encoded?.length ?? 0;
    return total;
  }

  private remember(block: Block): RecentBlock {
    const key = hashKey(block.hash);
    const recent = recentBlockOf(block, this.options.chain.hasBlock(block.hash), (this.options.random ?? CRYPTO_RANDOM).uint64());
    this.recent.delete(key);
    this.recent.set(key, recent);
    if (this.recent.size > RECENT_COMPACT_BLOCKS) this.recent.delete(this.recent.keys().next().value!);
    return recent;
  }

  /**
   * Served from recent blocks; for an older block the whole block goes instead (BIP152), for an
   * unknown one not-found. Queued by the weight of its index list (getBlockTxnServeItems).
   */
  onGetBlockTxn(peer: Peer, msg: GetBlockTxnMessage): void {
    this.options.serve(peer, getBlockTxnServeItems(msg.indexes.length), async (granted) => {
      const recent = granted > 0 ? this.recentBlock(msg.blockHash) : undefined;
      const bytes = recent && (recent.encoded ?? this.options.chain.getBlockBytes(msg.blockHash));
      if (!recent || !bytes) {
        const encoded = granted > 0 ? this.options.chain.getBlockBytes(msg.blockHash) : undefined;
        if (encoded) return peer.sendPaced({ kind: 'block', encoded });
        if (granted > 0 && !this.options.countUnknown(peer, 1)) return;
        return void peer.send({ kind: 'not-found', items: [{ type: 'block', hash: msg.blockHash }] });
      }
      const last = msg.indexes.at(-1);
      const count = recent.txOffsets.length - 1;
      if (last !== undefined && last >= count) {
        return void peer.punish('bad-block-txn-index', `asked for transaction ${last} of block ${msg.blockHash.toString('hex')}, which has ${count}`);
      }
      // Only the asked transactions are decoded (bytes the chain or our own relay already checked).
      await peer.sendPaced({ kind: 'block-txn', blockHash: msg.blockHash, transactions: msg.indexes.map((i) => Transaction.decode(bytes.subarray(recent.txOffsets[i], recent.txOffsets[i + 1]))) });
    });
  }

}

/** Serve-queue items a get-block-txn of `indexes` indexes weighs: one per GET_BLOCK_TXN_INDEXES_PER_SERVE_ITEM, at least one. */
export function getBlockTxnServeItems(indexes: number): number {
  return Math.max(1, Math.ceil(indexes / GET_BLOCK_TXN_INDEXES_PER_SERVE_ITEM));
}
