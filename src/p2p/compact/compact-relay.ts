/**
 * Compact block relay (BIP152) over the relay's sessions: negotiation (send-compact), new
 * blocks pushed as cmpct-block to the peers that asked for high-bandwidth mode before full
 * validation (header, PoW and merkle root checked), blocks rebuilt from our mempool with
 * get-block-txn / block-txn for the gaps, and the full block asked for whenever rebuilding
 * cannot work (a short-id collision, a merkle mismatch, no answer). Peers of protocol version 2
 * never see these messages: they keep inv / get-data.
 */
import { ValidationCode } from '../../chain/errors.js';
import type { Block } from '../../primitives/block.js';
import { compactToTarget, hashMeetsTarget } from '../../primitives/pow.js';
import type { Transaction } from '../../primitives/tx.js';
import type { Logger } from '../../util/logger.js';
import {
  FULL_ONLY_BLOCKS_REMEMBERED,
  MAX_COMPACT_REBUILDS_PER_BLOCK,
  MAX_PENDING_COMPACT_BLOCKS,
  MAX_PENDING_COMPACT_BLOCKS_PER_PEER,
  REBUILT_BLOCKS_REMEMBERED,
} from '../constants.js';
import { BoundedHashSet } from '../known-set.js';
import type { OrphanPool } from '../orphans.js';
import type { Peer } from '../peer.js';
import type { RelayChain, RelayMempool } from '../relay-deps.js';
import {
  COMPACT_BLOCKS_PROTOCOL_VERSION,
  COMPACT_BLOCKS_VERSION_1,
  type BlockTxnMessage,
  type CompactBlockMessage,
  type GetBlockTxnMessage,
  MessageType,
  type SendCompactMessage,
} from '../wire/index.js';
import { type CompactSenderOptions, type CompactStats, CompactSender } from './compact-sender.js';

export type { CompactStats } from './compact-sender.js';
import { extendsTip, powOk, wouldBeNewTip } from './header-checks.js';
import { HighBandwidthPeers } from './high-bandwidth.js';
import { PartialBlock } from './partial-block.js';
import { CompactPeerStates, type PeerCompactState, hashKey } from './peer-states.js';

export interface CompactRelayOptions {
  chain: RelayChain;
  mempool: RelayMempool;
  orphans: OrphanPool<Peer>;
  logger: Logger;
  /** Transactions held outside the mempool that a block may contain (the orphan-tx pool, ≤ 100). */
  extraTxs?: () => Iterable<Transaction>;
  /** A block rebuilt from a compact one: on to sync / block intake as a block message would go. */
  deliver: (peer: Peer, block: Block) => void;
  /** Fetch the full block announced by `peer` (the relay's request tracker: other announcers on failure). */
  requestFull: (peer: Peer, hash: Buffer) => void;
  /** `peer` has the block too, but enough rebuilds of it run: keep it as a candidate to ask if they fail. */
  candidate: (peer: Peer, hash: Buffer) => void;
  /** A rebuild of `hash` ended without the block (timed out, its peer left): ask the block's other announcers. */
  rebuildEnded: (hash: Buffer) => void;
  serve: CompactSenderOptions['serve'];
  countUnknown: CompactSenderOptions['countUnknown'];
  now?: () => number;
  /** The short-id nonces of the compact blocks we send; default CRYPTO_RANDOM. */
  random?: CompactSenderOptions['random'];
}

export class CompactRelay {
  private readonly options: CompactRelayOptions;
  private readonly logger: Logger;
  /** Each peer's compact state and pending rebuilds (peer-states.ts). */
  private readonly state = new CompactPeerStates();
  /** BIP152's three high-bandwidth peers each way (high-bandwidth.ts). */
  private readonly highBandwidth = new HighBandwidthPeers();
  /** The sending side: pushes, cmpct-block and block-txn answers, the recent blocks they come from. */
  private readonly sender: CompactSender;
  /** Blocks that cannot be rebuilt whoever sends them (unknown parent, not our next tip): fetched whole from now on. */
  private readonly fullOnly = new BoundedHashSet(FULL_ONLY_BLOCKS_REMEMBERED);
  /** Blocks rebuilt and handed on: the intake judges them; a repeat is not rebuilt again (see onCompactBlock). */
  private readonly rebuilt = new BoundedHashSet(REBUILT_BLOCKS_REMEMBERED);
  private readonly now: () => number;
  /**
   * Height of the last block pushed before validation: at most one such push per height (Core's
   * m_highest_fast_announce). Otherwise every valid-header sibling with a bad body, nearly free
   * to mine on an easy-PoW network, would go to our high-bandwidth peers, and on from theirs.
   */
  private highestEarlyPushHeight = -1;
  readonly stats: CompactStats = { received: 0, rebuiltFromPool: 0, rebuiltWithBlockTxn: 0, txsRequested: 0, fellBack: 0, sent: 0 };

  constructor(options: CompactRelayOptions) {
    this.options = options;
    this.logger = options.logger.child({ component: 'compact' });
    this.now = options.now ?? Date.now;
    this.sender = new CompactSender({ chain: options.chain, serve: options.serve, countUnknown: options.countUnknown, stats: this.stats, random: options.random });
  }

  static speaksCompact(peer: Peer): boolean {
    return (peer.remoteHandshake?.version ?? 0) >= COMPACT_BLOCKS_PROTOCOL_VERSION;
  }

  /** A version-3 peer is told we take compact blocks (low-bandwidth mode until it brings a valid block first). */
  onPeerReady(peer: Peer): void {
    if (!CompactRelay.speaksCompact(peer)) return;
    this.stateOf(peer);
    this.highBandwidth.greet(peer);
  }

  onPeerClosed(peer: Peer): void {
    const pending = this.state.drop(peer);
    this.highBandwidth.closed(peer);
    for (const { partial } of pending) this.options.rebuildEnded(partial.header.hash);
  }

  /** BIP152: an unknown version is ignored (a later one may be announced in the same session). */
  onSendCompact(peer: Peer, msg: SendCompactMessage): void {
    if (msg.version !== COMPACT_BLOCKS_VERSION_1) return;
    this.stateOf(peer).speaksCompact = true;
    this.highBandwidth.requested(peer, msg.highBandwidth);
  }

  /**
   * We asked for `hash` whole because a compact block of it could not be rebuilt (fallBack): the
   * block may be one its sender pushed on before validating it (BIP152), so a fault in it costs
   * that sender what a compact block's would — a reject, no penalty (relay-stack.ts).
   */
  askedWholeAfterCompact(peer: Peer, hash: Buffer): boolean {
    return this.fullOnly.has(hash) || this.state.get(peer)?.fullOnly.has(hash) === true;
  }

  /** Ask `peer` for block `hash` as a compact block (it sent send-compact, and no rebuild of the block failed here)? */
  prefersCompact(peer: Peer, hash: Buffer): boolean {
    const state = this.state.get(peer);
    return state?.speaksCompact === true && !this.fullOnly.has(hash) && !state.fullOnly.has(hash);
  }

  /** A get-block-txn for this block is out to some peer: an announcement of it need not be fetched now. */
  isRebuilding(hash: Buffer): boolean {
    return this.state.isRebuilding(hash);
  }

  /** Answers a get-data for a cmpct-block (low-bandwidth mode); false when we do not have the block. */
  serve(peer: Peer, hash: Buffer): Promise<boolean> {
    return this.sender.serve(peer, hash);
  }

  /** The bytes of a block pushed on before the chain stored it (CompactSender.pushedBytes), else undefined. */
  pushedBlockBytes(hash: Buffer): Buffer | undefined {
    return this.sender.pushedBytes(hash);
  }

  /**
   * Sends `block` as cmpct-block to the high-bandwidth peers that do not know it (they are then
   * skipped by the inv that follows). Returns how many got it.
   */
  push(block: Block, except?: Peer): number {
    return this.sender.push(block, this.highBandwidth.pushTo, except);
  }

  onGetBlockTxn(peer: Peer, msg: GetBlockTxnMessage): void {
    this.sender.onGetBlockTxn(peer, msg);
  }

  /**
   * A full block from `peer` (not one sync asked for): when it extends our tip and its header,
   * PoW and merkle root check out, push it on before full validation (BIP152 allows it: the PoW
   * makes spam costly).
   */
  relayEarly(peer: Peer, block: Block): void {
    if (!extendsTip(this.options.chain, block) || !powOk(this.options.chain, block.header) || !block.computeMerkleRoot().equals(block.header.merkleRoot)) return;
    this.pushEarly(block, peer);
  }

  /** Pushes a block not yet validated, the first at its height only (highestEarlyPushHeight). */
  private pushEarly(block: Block, from: Peer): void {
    if (block.height <= this.highestEarlyPushHeight) return;
    this.highestEarlyPushHeight = block.height;
    this.push(block, from);
  }

  onCompactBlock(peer: Peer, msg: CompactBlockMessage): void {
    const { chain, orphans } = this.options;
    const hash = msg.header.hash;
    this.stats.received++;
    peer.known.add(hash);
    // Rebuilt once already: the same few hundred bytes again must not buy another pass over the
    // pool (a block found invalid is not in the chain, so without this it could be replayed).
    if (chain.hasBlock(hash) || orphans.has(hash) || this.rebuilt.has(hash)) return;
    const { powBits } = chain.params;
    if (msg.header.bits !== powBits) {
      return void peer.punish(ValidationCode.BadBits, `sent compact block ${msg.header.hashHex} with bits ${msg.header.bits} instead of the network's ${powBits}`, { messageType: MessageType.CompactBlock, hash });
    }
    if (!hashMeetsTarget(hash, compactToTarget(powBits))) {
      return void peer.punish(ValidationCode.BadPow, `sent compact block ${msg.header.hashHex} whose hash misses the proof-of-work target`, { messageType: MessageType.CompactBlock, hash });
    }
    // Its parent is unknown: the full block takes the orphan path, which starts a sync.
    if (!chain.hasBlock(msg.header.prevHash)) return this.fallBack(peer, hash, 'unknown parent', 'everyone');
    // Rebuilding costs a pass over the pool and slots for every tx the header claims: only for a
    // block that would become our tip (as Core). Anything else (a stale branch, a lie about the
    // height) is fetched whole like any announced block, which the request tracker deduplicates.
    if (!wouldBeNewTip(chain, msg.header)) return this.fallBack(peer, hash, 'it would not become our tip', 'everyone');
    const state = this.stateOf(peer);
    if (this.fullOnly.has(hash) || state.fullOnly.has(hash)) return this.options.requestFull(peer, hash);
    if (state.pending.has(hashKey(hash))) return;
    // Enough peers are asked for this block's txs already: one more would only fetch it again, but
    // it stays a candidate for the full block in case they all stall.
    if (this.state.rebuildsOf(hash) >= MAX_COMPACT_REBUILDS_PER_BLOCK) return this.options.candidate(peer, hash);
    // Checked before the pass over the pool, so a peer at its bound cannot buy more passes.
    if (state.pending.size >= MAX_PENDING_COMPACT_BLOCKS_PER_PEER) return this.fallBack(peer, hash, 'too many compact blocks pending from this peer');
    if (this.pendingTotal() >= MAX_PENDING_COMPACT_BLOCKS) return this.fallBack(peer, hash, 'too many compact blocks pending in all');
    const partial = PartialBlock.from(msg, this.candidates());
    if (partial === 'short-id-collision') return this.fallBack(peer, hash, 'two transactions of the compact block share a short id');
    const missing = partial.missing();
    if (missing.length === 0) return this.complete(peer, partial, 'pool');
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
      peer.punish('bad-block-txn', `answered ${msg.transactions.length} transactions to our get-block-txn of ${asked} for block ${msg.blockHash.toString('hex')}`);
      // The block's other announcers waited while this rebuild ran (busy): nothing else asks them
      // now (its pending entry is gone, so the peer's close does not end it again).
      return this.options.rebuildEnded(msg.blockHash);
    }
    this.complete(peer, pending.partial, 'block-txn');
  }

  /** A whole block arrived from `peer` (its answer to a get-block-txn for an old block, say): nothing left to rebuild from it. */
  onFullBlock(peer: Peer, hash: Buffer): void {
    this.state.get(peer)?.pending.delete(hashKey(hash));
  }

  /**
   * The block is in our chain (it came whole, through sync, or from another rebuild): every
   * rebuild of it ends. Only a connected block proves it: a block of the same header from some
   * peer may carry another body, and must not end an honest peer's rebuild. A block-txn still
   * coming for it is late, not unsolicited (`requested` keeps the hash).
   */
  onBlockConnected(hash: Buffer): void {
    this.state.endRebuilds(hash);
    this.sender.stored(hash);
  }

  /** Bytes of recent blocks the sender holds until the chain stores them (tests, stats). */
  heldBytes(): number {
    return this.sender.heldBytes();
  }

  /**
   * Gives up get-block-txn requests older than COMPACT_BLOCK_TXN_TIMEOUT_MS and fetches those
   * blocks in full (unless they came meanwhile): from the blocks' other announcers first — every
   * timed-out rebuild is ended before anyone is asked, so the peers that just failed to deliver
   * are asked only when nobody else has the block.
   */
  expire(nowMs = this.now()): void {
    const { chain, orphans } = this.options;
    const timedOut = this.state.takeTimedOut(nowMs);
    const missing = timedOut.filter(({ hash }) => !chain.hasBlock(hash) && !orphans.has(hash));
    for (const hash of new Map(missing.map(({ hash }) => [hashKey(hash), hash])).values()) this.options.rebuildEnded(hash);
    for (const { peer, hash } of missing) if (!peer.isClosed) this.fallBack(peer, hash, 'no block-txn in time');
  }

  /** Rebuilds waiting for a block-txn, all peers together (bounded by MAX_PENDING_COMPACT_BLOCKS). */
  pendingTotal(): number {
    return this.state.pendingTotal();
  }

  private complete(peer: Peer, partial: PartialBlock, via: 'pool' | 'block-txn'): void {
    const block = partial.block();
    if (!block) return this.fallBack(peer, partial.header.hash, 'the rebuilt transactions do not match the merkle root');
    if (via === 'pool') this.stats.rebuiltFromPool++;
    else this.stats.rebuiltWithBlockTxn++;
    this.rebuilt.add(block.hash);
    if (this.options.chain.hasBlock(block.hash)) return; // it came some other way meanwhile
    if (extendsTip(this.options.chain, block)) this.pushEarly(block, peer);
    this.options.deliver(peer, block);
  }

  /**
   * Fetches the block whole from `peer`. `everyone`: no peer's compact form of it can be rebuilt
   * (its header says so); otherwise only this peer's failed (its message, its silence, its bounds),
   * and another peer's compact block of it is still rebuilt.
   */
  private fallBack(peer: Peer, hash: Buffer, why: string, scope: 'everyone' | 'this-peer' = 'this-peer'): void {
    this.stats.fellBack++;
    if (scope === 'everyone') this.fullOnly.add(hash);
    else this.stateOf(peer).fullOnly.add(hash);
    this.logger.debug({ peer: peer.label, hash: hash.toString('hex'), why }, 'asking for the full block instead of rebuilding it');
    this.options.requestFull(peer, hash);
  }

  /**
   * `peer` gave us a block first (not sync's) and it connected: BIP152's "the three that most
   * recently sent a new valid block" are our high-bandwidth peers. Only after validation (as
   * Core's BlockChecked): a header with valid PoW over a junk body must not earn it.
   */
  deliveredFirst(peer: Peer): void {
    if (!peer.isClosed && CompactRelay.speaksCompact(peer)) this.highBandwidth.prefer(peer);
  }

  private *candidates(): Iterable<Transaction> {
    for (const entry of this.options.mempool.entries()) yield entry.tx;
    if (this.options.extraTxs) yield* this.options.extraTxs();
  }

  private stateOf(peer: Peer): PeerCompactState {
    return this.state.of(peer);
  }
}
