/**
 * The sequence numbers that key blocks' index entries and data (`entries`, `blockdata`: layout.ts):
 * one past the highest stored, kept in memory from the first use. A write transaction that aborts gives back the
 * numbers it took (StoreTransactions marks and rolls back, as for its coins), so the same blocks
 * get the same keys whether or not a commit group had to be redone one block at a time.
 */
export class BlockSequence {
  /** The next number to hand out; undefined until first needed (then read from the database). */
  private next: number | undefined;

  /** `readLast`: the highest sequence stored, inside the open write transaction; undefined when none. */
  constructor(private readonly readLast: () => number | undefined) {}

  /** A number no indexed block uses, higher than every one taken before. Inside a write transaction. */
  take(): number {
    this.next ??= (this.readLast() ?? 0) + 1;
    return this.next++;
  }

  mark(): number | undefined {
    return this.next;
  }

  /** The transaction that took numbers since `mark` aborted: none of them was written. */
  rollback(mark: number | undefined): void {
    this.next = mark;
  }
}
