/**
 * How far ahead of the chain's commits a bulk sync hands blocks to processBlock. processBlock
 * resolves only once its block's commit is durable, so a feeder that waits for each block (or
 * keeps only a few submitted) leaves the signature workers with nothing to do while a commit
 * group is connected and fsynced. The window is counted in the work a block brings (inputs to
 * verify and connect), its bytes (memory) and blocks, like the commit groups it feeds
 * (commit-group.ts); docs/architecture.md §Performance has the timeline that sized it.
 */
import type { Block } from '../primitives/block.js';
import { SUBMIT_AHEAD_MAX_BLOCKS, SUBMIT_AHEAD_MAX_BYTES, SUBMIT_AHEAD_MAX_INPUTS } from './constants.js';

export interface SubmitLimits {
  readonly maxInputs: number;
  readonly maxBytes: number;
  readonly maxBlocks: number;
}

export const DEFAULT_SUBMIT_LIMITS: SubmitLimits = { maxInputs: SUBMIT_AHEAD_MAX_INPUTS, maxBytes: SUBMIT_AHEAD_MAX_BYTES, maxBlocks: SUBMIT_AHEAD_MAX_BLOCKS };

/** Inputs of the block's non-coinbase transactions: the signatures it brings and the coins it spends. */
export function blockInputs(block: Block): number {
  let inputs = 0;
  const txs = block.transactions;
  for (let i = 1; i < txs.length; i++) inputs += txs[i]!.inputCount;
  return inputs;
}

export class SubmitWindow {
  private inputs = 0;
  private bytes = 0;
  private count = 0;

  constructor(readonly limits: SubmitLimits = DEFAULT_SUBMIT_LIMITS) {}

  /** Blocks submitted and not yet settled. */
  get blocks(): number {
    return this.count;
  }

  /**
   * True while every count is under its limit: one more block may go, whatever its size (so a
   * block larger than a limit still gets through on its own, and the window overshoots by one block at most).
   */
  get hasRoom(): boolean {
    const { limits } = this;
    return this.count < limits.maxBlocks && this.inputs < limits.maxInputs && this.bytes < limits.maxBytes;
  }

  /** The block was handed to processBlock. */
  add(block: Block): void {
    this.count++;
    this.inputs += blockInputs(block);
    this.bytes += block.size;
  }

  /** Its processBlock settled (connected or not). */
  remove(block: Block): void {
    this.count--;
    this.inputs -= blockInputs(block);
    this.bytes -= block.size;
  }
}
