/**
 * The receiving side of compact block relay: a cmpct-block checked (bits, PoW, where it connects)
 * and rebuilt from our mempool, get-block-txn / block-txn for the gaps, and the full block asked
 * for whenever rebuilding cannot work (a short-id collision, a merkle mismatch, no answer, a
 * bound reached). Apart from the relay (compact-relay.ts), which keeps the negotiation, the
 * high-bandwidth peers and the sending side (compact-sender.ts), as the sender is.
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
import { BoundedHashSet } from '../../util/bounded-hash-set.js';
import type { OrphanPool } from '../orphans.js';
import type { Peer } from '../peer.js';
import type { RelayChain, RelayMempool } from '../relay-deps.js';
import { type BlockTxnMessage, type CompactBlockMessage, MessageType } from '../wire/index.js';
import type { CompactStats } from './compact-sender.js';
import { extendsTip, wouldBeNewTip } from './header-checks.js';
import { PartialBlock } from './partial-block.js';
import { type CompactPeerStates, hashKey } from './peer-states.js';

/** What the receiving side needs of the relay (part of CompactRelayOptions). */
export interface CompactReceiverOptions {
  chain: RelayChain;
  mempool: RelayMempool;
  orphans: OrphanPool<Peer>;
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
}

export class CompactReceiver {
  /** Blocks that cannot be rebuilt whoever sends them (unknown parent, not our next tip): fetched whole from now on. */
  private readonly fullOnly = new BoundedHashSet(FULL_ONLY_BLOCKS_REMEMBERED);
  /** Blocks rebuilt and handed on: the intake judges them; a repeat is not rebuilt again (see onCompactBlock). */
  private readonly rebuilt = new BoundedHashSet(REBUILT_BLOCKS_REMEMBERED);

  constructor(
    private readonly options: CompactReceiverOptions,
    /** Each peer's compact state and pending rebuilds, shared with the relay (peer-states.ts). */
    private readonly state: CompactPeerStates,
    /** The relay's counts of what happened to the compact blocks received. */
    private readonly stats: CompactStats,
    private readonly logger: Logger,
    private readonly now: () => number,
    /** A rebuilt block that extends our tip goes on before validation (CompactRelay: one push per height). */
    private readonly pushEarly: (block: Block, from: Peer) => void,
  ) {}

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
    const state = this.state.of(peer);
    if (this.fullOnly.has(hash) || state.fullOnly.has(hash)) return this.options.requestFull(peer, hash);
    if (state.pending.has(hashKey(hash))) return;
    // Enough peers are asked for this block's txs already: one more would only fetch it again, but
    // it stays a candidate for the full block in case they all stall.
    if (this.state.rebuildsOf(hash) >= MAX_COMPACT_REBUILDS_PER_BLOCK) return this.options.candidate(peer, hash);
    // Checked before the pass over the pool, so a peer at its bound cannot buy more passes.
    if (state.pending.size >= MAX_PENDING_COMPACT_BLOCKS_PER_PEER) return this.fallBack(peer, hash, 'too many compact blocks pending from this peer');
    if (this.state.pendingTotal() >= MAX_PENDING_COMPACT_BLOCKS) return this.fallBack(peer, hash, 'too many compact blocks pending in all');
    const partial = PartialBlock.from(msg, this.visitCandidates);
    if (partial === 'short-id-collision') return this.fallBack(peer, hash, 'two transactions of the compact block share a short id');
    const missing = partial.missing();
    if (missing.length === 0) return this.complete(peer, partial, 'pool');
    state.pending.set(hashKey(hash), { partial, askedAtMs: this.now() });
    state.requested.add(hash);
    this.stats.txsRequested += missing.length;
    peer.send({ kind: 'get-block-txn', blockHash: hash, indexes: missing });
  }

  onBlockTxn(peer: Peer, msg: BlockTxnMessage): void {
    const state = this.state.of(peer);
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
    else this.state.of(peer).fullOnly.add(hash);
    this.logger.debug({ peer: peer.label, hash: hash.toString('hex'), why }, 'asking for the full block instead of rebuilding it');
    this.options.requestFull(peer, hash);
  }

  /** The pool's txs, then the extra ones (orphans): what a compact block's short ids are matched against. */
  private readonly visitCandidates = (visit: (tx: Transaction) => void): void => {
    this.options.mempool.forEachTransaction(visit);
    if (this.options.extraTxs) for (const tx of this.options.extraTxs()) visit(tx);
  };
}
