/**
 * Group commit for bulk sync. A commit that fsyncs costs ~1-2 ms whatever its size, more than
 * connecting a 40-input block, so blocks that are queued with their signatures already checked
 * are connected together in one outer LMDB transaction, each inside its own child transaction
 * (a failing block rolls back alone). Every block still lands whole or not at all, so kill -9
 * crash consistency is unchanged; processBlock resolves and events fire only after the commit.
 */
import type { Block } from '../primitives/block.js';
import type { ProcessBlockResult } from './types.js';

/** Most blocks connected under one commit: bounds the transaction size and the latency of the first block's promise. */
export const MAX_BLOCKS_PER_COMMIT = 32;

export type Outcome = { readonly result: ProcessBlockResult } | { readonly error: unknown };

/** A block handed to processBlock, waiting for its turn. */
export class Arrival {
  /** Set once the signature check ran: undefined = still running or never started. */
  private verdict: { readonly error: unknown } | undefined;
  private settled = false;
  outcome: Outcome | undefined;

  constructor(
    readonly block: Block,
    /** The early signature check, if one was started (see Chain.startSignatureCheck). */
    private readonly signatures: Promise<void> | undefined,
  ) {
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
 * Waits until the arrivals right behind `first` that were queued when it became ready are partly
 * verified too: at least half of them (up to MAX_BLOCKS_PER_COMMIT in all). Their signature checks
 * already run on the workers, so waiting costs the calling thread nothing, while committing each
 * block as soon as it alone is ready paid one fsync per block (groups averaged ~1.5 blocks in the
 * block-connect bench). Half, not all: the other half keeps the workers busy during the commit,
 * and a lone block (nothing queued behind it) is never held back.
 */
export async function gatherReady(arrivals: readonly Arrival[], first: Arrival): Promise<void> {
  const at = arrivals.indexOf(first);
  const behind = arrivals.length - at - 1;
  const target = Math.min(MAX_BLOCKS_PER_COMMIT - 1, Math.ceil(behind / 2));
  for (let i = at + 1; i <= at + target && i < arrivals.length; i++) {
    const next = arrivals[i]!;
    if (next.outcome) break;
    await next.waitReady();
  }
}

/** `first` plus the arrivals right behind it that are ready and not yet handled, in order. */
export function takeGroup(arrivals: Arrival[], first: Arrival): Arrival[] {
  const at = arrivals.indexOf(first);
  const group: Arrival[] = [first];
  for (let i = at + 1; i < arrivals.length && group.length < MAX_BLOCKS_PER_COMMIT; i++) {
    const next = arrivals[i]!;
    if (!next.ready || next.outcome) break;
    group.push(next);
  }
  arrivals.splice(at, group.length);
  return group;
}
