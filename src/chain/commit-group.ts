/**
 * Group commit for bulk sync. A commit that fsyncs costs ~1-2 ms whatever its size, more than
 * connecting a 40-input block, so blocks that are queued with their signatures already checked
 * are connected together in one outer LMDB transaction, each inside its own child transaction
 * (a failing block rolls back alone). Every block still lands whole or not at all, so kill -9
 * crash consistency is unchanged; processBlock resolves and events fire only after the commit.
 */
import type { Block } from '../primitives/block.js';
import { COMMIT_GROUP_MAX_BLOCKS, COMMIT_GROUP_MAX_BYTES, COMMIT_GROUP_MAX_INPUTS } from './constants.js';
import { blockInputs } from './submit-window.js';
import type { ProcessBlockResult } from './types.js';

/** What one commit may hold (constants.ts); tests pass smaller ones. */
export interface GroupBudget {
  readonly maxInputs: number;
  readonly maxBytes: number;
  readonly maxBlocks: number;
}

export const DEFAULT_GROUP_BUDGET: GroupBudget = { maxInputs: COMMIT_GROUP_MAX_INPUTS, maxBytes: COMMIT_GROUP_MAX_BYTES, maxBlocks: COMMIT_GROUP_MAX_BLOCKS };

export type Outcome = { readonly result: ProcessBlockResult } | { readonly error: unknown };

/** A block handed to processBlock, waiting for its turn. */
export class Arrival {
  /** Set once the signature check ran: undefined = still running or never started. */
  private verdict: { readonly error: unknown } | undefined;
  private settled = false;
  outcome: Outcome | undefined;

  /** Inputs of the block's non-coinbase transactions: its connect work (GroupBudget). */
  readonly inputs: number;
  readonly bytes: number;

  constructor(
    readonly block: Block,
    /** The early signature check, if one was started (see Chain.startSignatureCheck). */
    private readonly signatures: Promise<void> | undefined,
    /** ProcessBlockOptions.unrequested: refused unless its branch has the active chain's work. */
    readonly unrequested = false,
  ) {
    this.inputs = blockInputs(block);
    this.bytes = block.size;
    signatures?.then(
      () => this.settle(undefined),
      (error: unknown) => this.settle({ error }),
    );
  }

  get signaturesStarted(): boolean {
    return this.signatures !== undefined;
  }

  /** True once the check finished (or when none was started: nothing to wait for). */
  get ready(): boolean {
    return this.settled || this.signatures === undefined;
  }

  async waitReady(): Promise<void> {
    await this.signatures?.catch(() => undefined);
  }

  /** Throws the signature check's error, if it failed. Only after `ready`. */
  rethrowSignatureError(): void {
    if (this.verdict) throw this.verdict.error;
  }

  private settle(verdict: { readonly error: unknown } | undefined): void {
    this.verdict = verdict;
    this.settled = true;
  }
}

/**
 * How many arrivals from `at` on fit one commit: always the first, then while the budget holds.
 * Work, not a count: forty 40-input blocks and a thousand coinbase-only ones cost alike.
 */
export function fitInBudget(arrivals: readonly Arrival[], at: number, budget: GroupBudget): number {
  let inputs = 0;
  let bytes = 0;
  let n = 0;
  for (let i = at; i < arrivals.length && n < budget.maxBlocks; i++) {
    const next = arrivals[i]!;
    inputs += next.inputs;
    bytes += next.bytes;
    if (n > 0 && (inputs > budget.maxInputs || bytes > budget.maxBytes)) break;
    n++;
  }
  return n;
}

/**
 * Waits until the arrivals right behind `first` that were queued when it became ready are partly
 * verified too: at least half of them (as many as fit one commit's budget). Their signature checks
 * already run on the workers, so waiting costs the calling thread nothing, while committing each
 * block as soon as it alone is ready paid one fsync per block (groups averaged ~1.5 blocks in the
 * block-connect bench). Half, not all: the other half keeps the workers busy during the commit,
 * and a lone block (nothing queued behind it) is never held back.
 */
export async function gatherReady(arrivals: readonly Arrival[], first: Arrival, budget: GroupBudget = DEFAULT_GROUP_BUDGET): Promise<void> {
  const at = arrivals.indexOf(first);
  const behind = fitInBudget(arrivals, at, budget) - 1;
  const target = Math.ceil(behind / 2);
  for (let i = at + 1; i <= at + target && i < arrivals.length; i++) {
    const next = arrivals[i]!;
    if (next.outcome) break;
    await next.waitReady();
  }
}

/** `first` plus the arrivals right behind it that are ready, not yet handled and within the budget, in order. */
export function takeGroup(arrivals: Arrival[], first: Arrival, budget: GroupBudget = DEFAULT_GROUP_BUDGET): Arrival[] {
  const at = arrivals.indexOf(first);
  const fit = fitInBudget(arrivals, at, budget);
  const group: Arrival[] = [first];
  for (let i = at + 1; i < at + fit; i++) {
    const next = arrivals[i]!;
    if (!next.ready || next.outcome) break;
    group.push(next);
  }
  arrivals.splice(at, group.length);
  return group;
}
