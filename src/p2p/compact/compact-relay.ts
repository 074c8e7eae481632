/**
 * Compact block relay (BIP152) over the relay's sessions: negotiation (send-compact), new
 * blocks pushed as cmpct-block to the peers that asked for high-bandwidth mode before full
 * validation (header, PoW and merkle root checked), blocks rebuilt from our mempool with
 * get-block-txn / block-txn for the gaps, and the full block asked for whenever rebuilding
 * cannot work (a short-id collision, a merkle mismatch, no answer). Peers of protocol version 2
 * never see these messages: they keep inv / get-data. The sending side is compact-sender.ts, the
 * rebuilding compact-receiver.ts; this class keeps the negotiation, the high-bandwidth peers, the
 * pushes before validation and the peers' lifecycle.
 */
import type { Block } from '../../primitives/block.js';
import type { Logger } from '../../util/logger.js';
import type { Peer } from '../peer.js';
import {
  COMPACT_BLOCKS_PROTOCOL_VERSION,
  COMPACT_BLOCKS_VERSION_1,
  type BlockTxnMessage,
  type CompactBlockMessage,
  type GetBlockTxnMessage,
  type SendCompactMessage,
} from '../wire/index.js';
import { CompactReceiver, type CompactReceiverOptions } from './compact-receiver.js';
import { type CompactSenderOptions, type CompactStats, CompactSender } from './compact-sender.js';

export type { CompactStats } from './compact-sender.js';
import { extendsTip, powOk } from './header-checks.js';
import { HighBandwidthPeers } from './high-bandwidth.js';
import { CompactPeerStates, type PeerCompactState } from './peer-states.js';

export interface CompactRelayOptions extends CompactReceiverOptions {
  logger: Logger;
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
  /** The receiving side: compact blocks rebuilt from the pool, block-txn, falling back to the full block. */
  private readonly receiver: CompactReceiver;
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
    this.sender = new CompactSender({ chain: options.chain, serve: options.serve, countUnknown: options.countUnknown, stats: this.stats, random: options.random });
    this.receiver = new CompactReceiver(options, this.state, this.stats, this.logger, options.now ?? Date.now, (block, from) => this.pushEarly(block, from));
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
   * We asked for `hash` whole because a compact block of it could not be rebuilt: a fault in it
   * costs its sender a reject, no penalty (CompactReceiver.askedWholeAfterCompact, relay-stack.ts).
   */
  askedWholeAfterCompact(peer: Peer, hash: Buffer): boolean {
    return this.receiver.askedWholeAfterCompact(peer, hash);
  }

  /** Ask `peer` for block `hash` as a compact block (it sent send-compact, and no rebuild of the block failed here)? */
  prefersCompact(peer: Peer, hash: Buffer): boolean {
    return this.receiver.prefersCompact(peer, hash);
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
    this.receiver.onCompactBlock(peer, msg);
  }

  onBlockTxn(peer: Peer, msg: BlockTxnMessage): void {
    this.receiver.onBlockTxn(peer, msg);
  }

  /** A whole block arrived from `peer` (its answer to a get-block-txn for an old block, say): nothing left to rebuild from it. */
  onFullBlock(peer: Peer, hash: Buffer): void {
    this.receiver.onFullBlock(peer, hash);
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

  /** Gives up get-block-txn requests older than COMPACT_BLOCK_TXN_TIMEOUT_MS; those blocks are fetched whole (CompactReceiver.expire). */
  expire(nowMs?: number): void {
    this.receiver.expire(nowMs);
  }

  /** Rebuilds waiting for a block-txn, all peers together (bounded by MAX_PENDING_COMPACT_BLOCKS). */
  pendingTotal(): number {
    return this.state.pendingTotal();
  }

  /**
   * `peer` gave us a block first (not sync's) and it connected: BIP152's "the three that most
   * recently sent a new valid block" are our high-bandwidth peers. Only after validation (as
   * Core's BlockChecked): a header with valid PoW over a junk body must not earn it.
   */
  deliveredFirst(peer: Peer): void {
    if (!peer.isClosed && CompactRelay.speaksCompact(peer)) this.highBandwidth.prefer(peer);
  }

  private stateOf(peer: Peer): PeerCompactState {
    return this.state.of(peer);
  }
}
