/**
 * Keys in increasing order without one long synchronous sort: verifychain's replayed UTXO set
 * can hold millions of coins, and sorting them in one go would block the event loop (and a
 * shutdown's stop()) for seconds. The keys are sorted in runs of UTXO_SORT_RUN_KEYS with a
 * pause() after each, then merged lazily (a min-heap over the runs) as the caller consumes them.
 */
import { UTXO_SORT_RUN_KEYS } from './constants.js';

export class SortedCursor {
  /** Per heap slot: [run index, position in that run]; ordered by the run's key at that position. */
  private readonly heap: Array<[number, number]> = [];

  private constructor(private readonly runs: readonly string[][]) {
    for (const [i, run] of runs.entries()) if (run.length > 0) this.push([i, 0]);
  }

  /**
   * Sorts `keys` in runs of `runKeys`, awaiting `pause` after each run (it may throw to stop).
   * String order: callers use latin1 keys, one character per byte, so it is byte order.
   */
  static async sort(keys: Iterable<string>, pause: () => Promise<void>, runKeys = UTXO_SORT_RUN_KEYS): Promise<SortedCursor> {
    const runs: string[][] = [];
    let run: string[] = [];
    for (const key of keys) {
      run.push(key);
      if (run.length < runKeys) continue;
      runs.push(run.sort());
      run = [];
      await pause();
    }
    if (run.length > 0) runs.push(run.sort());
    return new SortedCursor(runs);
  }

  /** The smallest key not yet taken; undefined when all were. */
  peek(): string | undefined {
    const top = this.heap[0];
    return top === undefined ? undefined : this.runs[top[0]]![top[1]];
  }

  /** Takes and returns the smallest key; undefined when all were taken. */
  take(): string | undefined {
    const top = this.heap[0];
    if (top === undefined) return undefined;
    const key = this.keyOf(top);
    if (top[1] + 1 < this.runs[top[0]]!.length) this.replaceTop([top[0], top[1] + 1]);
    else {
      // That run is used up: the last slot takes the root's place (none left when it was the root).
      const last = this.heap.pop()!;
      if (this.heap.length > 0) this.replaceTop(last);
    }
    return key;
  }

  private keyOf(slot: [number, number]): string {
    return this.runs[slot[0]]![slot[1]]!;
  }

  private push(slot: [number, number]): void {
    const heap = this.heap;
    heap.push(slot);
    for (let i = heap.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (this.keyOf(heap[parent]!) <= this.keyOf(heap[i]!)) break;
      [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
      i = parent;
    }
  }

  /** Puts `slot` at the root (the old root is gone; the heap is not empty) and sifts it down. */
  private replaceTop(slot: [number, number]): void {
    const heap = this.heap;
    heap[0] = slot;
    for (let i = 0; ; ) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && this.keyOf(heap[left]!) < this.keyOf(heap[smallest]!)) smallest = left;
      if (right < heap.length && this.keyOf(heap[right]!) < this.keyOf(heap[smallest]!)) smallest = right;
      if (smallest === i) return;
      [heap[smallest], heap[i]] = [heap[i]!, heap[smallest]!];
      i = smallest;
    }
  }
}
