/**
 * Compact block relay (BIP152) over the relay's sessions: negotiation (send-compact), new
 * blocks pushed as cmpct-block to the peers that asked for high-bandwidth mode before full
 * validation (header, PoW and merkle root checked), blocks rebuilt from our mempool with
 * get-block-txn / block-txn for the gaps, and the full block asked for whenever rebuilding
 * cannot work (a short-id collision, a merkle mismatch, no answer). Peers of protocol version 2
 * never see these messages: they keep inv / get-data.
 */
import type { Chain } from '../../chain/chain.js';
import { ValidationCode } from '../../chain/errors.js';
import type { Mempool } from '../../mempool/mempool.js';
import type { Block } from '../../primitives/block.js';
import { compactToTarget, hashMeetsTarget } from '../../primitives/pow.js';
import type { Transaction } from '../../primitives/tx.js';
import type { Logger } from '../../util/logger.js';
import {
  BLOCK_TXN_REQUESTS_REMEMBERED,
  COMPACT_SERVE_DEPTH_BLOCKS,
  FULL_ONLY_BLOCKS_REMEMBERED,
  COMPACT_BLOCK_TXN_TIMEOUT_MS,
  MAX_HIGH_BANDWIDTH_PEERS,
  MAX_PENDING_COMPACT_BLOCKS_PER_PEER,
  RECENT_COMPACT_BLOCKS,
} from '../constants.js';
import { BoundedHashSet } from '../known-set.js';
import type { OrphanPool } from '../orphans.js';
import type { Peer } from '../peer.js';
import {
  COMPACT_BLOCKS_PROTOCOL_VERSION,
  COMPACT_BLOCKS_VERSION_1,
  type BlockTxnMessage,
  type CompactBlockMessage,
  type GetBlockTxnMessage,
  MessageType,
  type SendCompactMessage,
} from '../wire/index.js';
import { PartialBlock, toCompactBlock } from './partial-block.js';

export interface CompactRelayOptions {
  chain: Chain;
  mempool: Mempool;
  orphans: OrphanPool<Peer>;
  logger: Logger;
  /** Transactions held outside the mempool that a block may contain (the orphan-tx pool, ≤ 100). */
  extraTxs?: () => Iterable<Transaction>;
  /** A block rebuilt from a compact one: on to sync / block intake as a block message would go. */
  deliver: (peer: Peer, block: Block) => void;
  /** Fetch the full block announced by `peer` (the relay's request tracker: other announcers on failure). */
  requestFull: (peer: Peer, hash: Buffer) => void;
  /** Queue a serving task behind the peer's others, rate-limited (the relay's serve queue). */
  serve: (peer: Peer, items: number, task: (granted: number) => Promise<void>) => void;
  /** Count requests for data we lack; false when the peer went over its budget (it was punished). */
  countUnknown: (peer: Peer, count: number) => boolean;
  now?: () => number;
}

interface Pending {
  readonly partial: PartialBlock;
  readonly askedAtMs: number;
}

interface PeerCompactState {
  /** The peer sent send-compact version 1: it understands cmpct-block. */
  speaksCompact: boolean;
  readonly pending: Map<string, Pending>;
  readonly requested: BoundedHashSet;
}

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

const hashKey = (hash: Buffer): string => hash.toString('latin1');

export class CompactRelay {
  private readonly options: CompactRelayOptions;
  private readonly logger: Logger;
  private readonly state = new Map<Peer, PeerCompactState>();
  /** Peers we asked for high-bandwidth mode, oldest first (BIP152: the last three to bring a new block first). */
  private readonly hbFrom: Peer[] = [];
  /** Peers that asked us for it, oldest first; we push to these (at most MAX_HIGH_BANDWIDTH_PEERS). */
  private readonly hbTo: Peer[] = [];
  /** Blocks we pushed, by hash: get-block-txn may come before the chain stored them. */
  private readonly recent = new Map<string, Block>();
  /** Blocks whose rebuilding failed here: fetched whole from now on. */
  private readonly fullOnly = new BoundedHashSet(FULL_ONLY_BLOCKS_REMEMBERED);
  private readonly now: () => number;
  readonly stats: CompactStats = { received: 0, rebuiltFromPool: 0, rebuiltWithBlockTxn: 0, txsRequested: 0, fellBack: 0, sent: 0 };

  constructor(options: CompactRelayOptions) {
    this.options = options;
    this.logger = options.logger.child({ component: 'compact' });
    this.now = options.now ?? Date.now;
  }

  static speaksCompact(peer: Peer): boolean {
    return (peer.remoteHandshake?.version ?? 0) >= COMPACT_BLOCKS_PROTOCOL_VERSION;
  }

  /** A version-3 peer is told we take compact blocks; the first three are asked for high-bandwidth mode. */
  onPeerReady(peer: Peer): void {
    if (!CompactRelay.speaksCompact(peer)) return;
    this.stateOf(peer);
    const highBandwidth = this.hbFrom.length < MAX_HIGH_BANDWIDTH_PEERS;
    if (highBandwidth) this.hbFrom.push(peer);
    peer.send({ kind: 'send-compact', highBandwidth, version: COMPACT_BLOCKS_VERSION_1 });
  }

  onPeerClosed(peer: Peer): void {
    this.state.delete(peer);
    remove(this.hbFrom, peer);
    remove(this.hbTo, peer);
  }

  /** BIP152: an unknown version is ignored (a later one may be announced in the same session). */
  onSendCompact(peer: Peer, msg: SendCompactMessage): void {
    if (msg.version !== COMPACT_BLOCKS_VERSION_1) return;
    this.stateOf(peer).speaksCompact = true;
    remove(this.hbTo, peer);
    if (!msg.highBandwidth) return;
    this.hbTo.push(peer);
    if (this.hbTo.length > MAX_HIGH_BANDWIDTH_PEERS) this.hbTo.shift(); // it still gets inv
  }

  /** Ask `peer` for block `hash` as a compact block (it sent send-compact, and no rebuild of the block failed here)? */
  prefersCompact(peer: Peer, hash: Buffer): boolean {
    return this.state.get(peer)?.speaksCompact === true && !this.fullOnly.has(hash);
  }

  /** A get-block-txn for this block is out to some peer: an announcement of it need not be fetched now. */
  isRebuilding(hash: Buffer): boolean {
    const key = hashKey(hash);
    for (const state of this.state.values()) if (state.pending.has(key)) return true;
    return false;
  }

  /**
   * Answers a get-data for a cmpct-block (low-bandwidth mode): a compact block of a recent block,
   * the stored block as is for an older one (BIP152; nobody rebuilds old blocks from a pool).
   * False when we do not have the block.
   */
  async serve(peer: Peer, hash: Buffer): Promise<boolean> {
    const block = this.recentBlock(hash);
    if (!block) {
      const encoded = this.options.chain.getBlockBytes(hash);
      if (!encoded) return false;
      await peer.sendPaced({ kind: 'block', encoded });
      return true;
    }
    peer.known.add(hash);
    this.stats.sent++;
    await peer.sendPaced(toCompactBlock(block));
    return true;
  }

  /**
   * A block within COMPACT_SERVE_DEPTH_BLOCKS of our tip, decoded (kept among the recent ones, so a
   * flood of requests for it decodes it once), or undefined for an older or unknown one.
   */
  private recentBlock(hash: Buffer): Block | undefined {
    const key = hashKey(hash);
    const cached = this.recent.get(key);
    if (cached) return cached;
    const { chain } = this.options;
    const header = chain.getHeader(hash);
    const tip = chain.tip;
    if (!header || !tip || tip.height - header.height > COMPACT_SERVE_DEPTH_BLOCKS) return undefined;
    const block = chain.getBlock(hash);
    if (block) this.remember(block);
    return block;
  }

  private remember(block: Block): void {
    this.recent.set(hashKey(block.hash), block);
    if (this.recent.size > RECENT_COMPACT_BLOCKS) this.recent.delete(this.recent.keys().next().value!);
  }

  /**
   * Sends `block` as cmpct-block to the high-bandwidth peers that do not know it (they are then
   * skipped by the inv that follows). Returns how many got it.
   */
  push(block: Block, except?: Peer): number {
    let compact: CompactBlockMessage | undefined;
    let sent = 0;
    for (const peer of this.hbTo) {
      if (peer === except || !peer.isReady || peer.known.has(block.hash)) continue;
      compact ??= toCompactBlock(block);
      peer.known.add(block.hash);
      if (peer.send(compact)) sent++;
    }
    if (compact) {
      this.remember(block);
      this.stats.sent += sent;
    }
    return sent;
  }

  /**
   * A full block from `peer` (not one sync asked for): when it extends our tip and its header,
   * PoW and merkle root check out, push it on before full validation (BIP152 allows it: the PoW
   * makes spam costly) and make its sender one of our high-bandwidth peers.
   */
  relayEarly(peer: Peer, block: Block): void {
    if (!this.extendsTip(block) || !this.powOk(block) || !block.computeMerkleRoot().equals(block.header.merkleRoot)) return;
    this.preferAsHighBandwidth(peer);
    this.push(block, peer);
  }

  onCompactBlock(peer: Peer, msg: CompactBlockMessage): void {
    const { chain, orphans } = this.options;
    const hash = msg.header.hash;
    this.stats.received++;
    peer.known.add(hash);
    if (chain.hasBlock(hash) || orphans.has(hash)) return;
    const { powBits } = chain.params;
    if (msg.header.bits !== powBits) {
      return void peer.punish(ValidationCode.BadBits, `sent compact block ${msg.header.hashHex} with bits ${msg.header.bits} instead of the network's ${powBits}`, { messageType: MessageType.CompactBlock, hash });
    }
    if (!hashMeetsTarget(hash, compactToTarget(powBits))) {
      return void peer.punish(ValidationCode.BadPow, `sent compact block ${msg.header.hashHex} whose hash misses the proof-of-work target`, { messageType: MessageType.CompactBlock, hash });
    }
    // Its parent is unknown: the full block takes the orphan path, which starts a sync.
    if (!chain.hasBlock(msg.header.prevHash)) return this.fallBack(peer, hash, 'unknown parent');
    const state = this.stateOf(peer);
    if (state.pending.has(hashKey(hash))) return;
    const partial = PartialBlock.from(msg, this.candidates());
    if (partial === 'short-id-collision') return this.fallBack(peer, hash, 'two transactions of the compact block share a short id');
    const missing = partial.missing();
    if (missing.length === 0) return this.complete(peer, partial, 'pool');
    if (state.pending.size >= MAX_PENDING_COMPACT_BLOCKS_PER_PEER) return this.fallBack(peer, hash, 'too many compact blocks pending from this peer');
    state.pending.set(hashKey(hash), { partial, askedAtMs: this.now() });
    state.requested.add(hash);
    this.stats.txsRequested += missing.length;
    peer.send({ kind: 'get-block-txn', blockHash: hash, indexes: missing });
  }

  onBlockTxn(peer: Peer, msg: BlockTxnMessage): void {
    const state = this.stateOf(peer);
    const key = hashKey(msg.blockHash);
    const pending = state.pending.get(key);
    if (!pending) {
      if (state.requested.has(msg.blockHash)) return; // answered after we gave up on it: late, not unsolicited
      return void peer.punish('unsolicited-block-txn', `sent block-txn for block ${msg.blockHash.toString('hex')}, which we did not ask it for`);
    }
    state.pending.delete(key);
    const asked = pending.partial.missing().length;
    if (!pending.partial.fill(msg.transactions)) {
      return void peer.punish('bad-block-txn', `answered ${msg.transactions.length} transactions to our get-block-txn of ${asked} for block ${msg.blockHash.toString('hex')}`);
    }
    this.complete(peer, pending.partial, 'block-txn');
  }

  /** Served from recent blocks; for an older block the whole block goes instead (BIP152), for an unknown one not-found. */
  onGetBlockTxn(peer: Peer, msg: GetBlockTxnMessage): void {
    this.options.serve(peer, 1, async (granted) => {
      const block = granted > 0 ? this.recentBlock(msg.blockHash) : undefined;
      if (!block) {
        const encoded = granted > 0 ? this.options.chain.getBlockBytes(msg.blockHash) : undefined;
        if (encoded) return peer.sendPaced({ kind: 'block', encoded });
        if (granted > 0 && !this.options.countUnknown(peer, 1)) return;
        return void peer.send({ kind: 'not-found', items: [{ type: 'block', hash: msg.blockHash }] });
      }
      const last = msg.indexes.at(-1);
      if (last !== undefined && last >= block.transactions.length) {
        return void peer.punish('bad-block-txn-index', `asked for transaction ${last} of block ${block.hashHex}, which has ${block.transactions.length}`);
      }
      await peer.sendPaced({ kind: 'block-txn', blockHash: msg.blockHash, transactions: msg.indexes.map((i) => block.transactions[i]!) });
    });
  }

  /** A whole block arrived from `peer` (its answer to a get-block-txn for an old block, say): nothing left to rebuild from it. */
  onFullBlock(peer: Peer, hash: Buffer): void {
    this.state.get(peer)?.pending.delete(hashKey(hash));
  }

  /** Gives up get-block-txn requests older than COMPACT_BLOCK_TXN_TIMEOUT_MS and fetches those blocks in full. */
  expire(nowMs = this.now()): void {
    for (const [peer, state] of this.state) {
      for (const [key, pending] of state.pending) {
        if (nowMs - pending.askedAtMs < COMPACT_BLOCK_TXN_TIMEOUT_MS) continue;
        state.pending.delete(key);
        if (!peer.isClosed) this.fallBack(peer, pending.partial.header.hash, 'no block-txn in time');
      }
    }
  }

  private complete(peer: Peer, partial: PartialBlock, via: 'pool' | 'block-txn'): void {
    const block = partial.block();
    if (!block) return this.fallBack(peer, partial.header.hash, 'the rebuilt transactions do not match the merkle root');
    if (via === 'pool') this.stats.rebuiltFromPool++;
    else this.stats.rebuiltWithBlockTxn++;
    if (this.options.chain.hasBlock(block.hash)) return; // it came some other way meanwhile
    if (this.extendsTip(block)) {
      this.preferAsHighBandwidth(peer);
      this.push(block, peer);
    }
    this.options.deliver(peer, block);
  }

  private fallBack(peer: Peer, hash: Buffer, why: string): void {
    this.stats.fellBack++;
    this.fullOnly.add(hash);
    this.logger.debug({ peer: peer.label, hash: hash.toString('hex'), why }, 'asking for the full block instead of rebuilding it');
    this.options.requestFull(peer, hash);
  }

  /**
   * BIP152's choice of high-bandwidth peers: the three that most recently gave us a new block
   * first. A newcomer displaces the longest-serving one, which is told to use inv again.
   */
  private preferAsHighBandwidth(peer: Peer): void {
    if (!CompactRelay.speaksCompact(peer)) return;
    if (this.hbFrom.includes(peer)) {
      remove(this.hbFrom, peer);
      this.hbFrom.push(peer); // the most recent now, last to be displaced
      return;
    }
    this.hbFrom.push(peer);
    peer.send({ kind: 'send-compact', highBandwidth: true, version: COMPACT_BLOCKS_VERSION_1 });
    if (this.hbFrom.length <= MAX_HIGH_BANDWIDTH_PEERS) return;
    const dropped = this.hbFrom.shift()!;
    if (!dropped.isClosed) dropped.send({ kind: 'send-compact', highBandwidth: false, version: COMPACT_BLOCKS_VERSION_1 });
  }

  private extendsTip(block: Block): boolean {
    const tip = this.options.chain.tip;
    return tip !== undefined && block.header.prevHash.equals(tip.hash) && block.height === tip.height + 1;
  }

  private powOk(block: Block): boolean {
    const { powBits } = this.options.chain.params;
    return block.header.bits === powBits && hashMeetsTarget(block.hash, compactToTarget(powBits));
  }

  private *candidates(): Iterable<Transaction> {
    for (const entry of this.options.mempool.entries()) yield entry.tx;
    if (this.options.extraTxs) yield* this.options.extraTxs();
  }

  private stateOf(peer: Peer): PeerCompactState {
    let state = this.state.get(peer);
    if (!state) {
      state = { speaksCompact: false, pending: new Map(), requested: new BoundedHashSet(BLOCK_TXN_REQUESTS_REMEMBERED) };
      this.state.set(peer, state);
    }
    return state;
  }
}

function remove<T>(list: T[], item: T): void {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}
