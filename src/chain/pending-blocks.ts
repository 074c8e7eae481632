/**
 * Which blocks may have their signatures checked early (Chain.startSignatureCheck: on the workers,
 * the moment a block arrives, before its turn). Only a block that can connect qualifies: its parent
 * stored, or handed to processBlock ahead of it (a sync hands blocks over without awaiting each),
 * and its timestamp within the future limit. Otherwise processReady refuses it (unknown parent,
 * time-too-new) before it would look at signatures — and those refusals cost the sender nothing,
 * so checking first let a peer make us verify a block's worth of signatures per free orphan (at
 * conf's 0x1f00ffff a block is ~256 hashes): the orphan is judged again, signatures included, if
 * its parent ever arrives.
 */
import type { BlockHeader } from '../primitives/block.js';

export class PendingBlocks {
  /** Blocks handed to processBlock and not yet settled (a count: the same block may be handed twice). */
  private readonly pending = new Map<string, number>();

  add(hash: Buffer): void {
    const key = hash.toString('latin1');
    this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
  }

  /** The block settled (stored, refused or failed): a child arriving now finds its parent in the store, or not at all. */
  settled(hash: Buffer): void {
    const key = hash.toString('latin1');
    const left = (this.pending.get(key) ?? 1) - 1;
    if (left > 0) this.pending.set(key, left);
    else this.pending.delete(key);
  }

  has(hash: Buffer): boolean {
    return this.pending.has(hash.toString('latin1'));
  }
}

export interface EarlyCheckContext {
  readonly pending: PendingBlocks;
  /** A stored block (the index). */
  readonly stored: (hash: Buffer) => boolean;
  /** Whether our chain is empty (a genesis can only connect then). */
  readonly chainEmpty: boolean;
  readonly nowSec: number;
  readonly maxFutureBlockTimeSec: number;
}

/** Whether `header`'s block can connect as things stand: worth verifying its signatures before its turn. */
export function mayConnect(header: BlockHeader, ctx: EarlyCheckContext): boolean {
  if (header.timestamp > ctx.nowSec + ctx.maxFutureBlockTimeSec) return false;
  if (header.height === 0) return ctx.chainEmpty;
  return ctx.pending.has(header.prevHash) || ctx.stored(header.prevHash);
}
