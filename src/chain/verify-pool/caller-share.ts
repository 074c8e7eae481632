/**
 * The calling thread's part of the verifying (pool.ts): the last chunk of each batch split over
 * the verifiers (its own share), and any chunk no ready worker has room for, one chunk per free
 * turn of its event loop (the pool books the turns with setImmediate: the sockets' reads and timers
 * come first). No callback into the pool: a closure made per pool would make its call sites
 * polymorphic in a process that opens several chains (see stored-coins.ts).
 */
import { errorMessage } from '../../util/errors.js';
import { type Chunk, abandon, chunkJob, isMoot, settle } from './chunk.js';
import { VerifyPoolError } from './errors.js';
import { scanJob } from './job-scan.js';

export class CallerShare {
  /** The caller's own share of split batches, verified before it helps with the pool's queue. */
  private readonly own: Chunk[] = [];
  private verifiedMs = 0;
  private verifiedItems = 0;

  /** `shared`: the pool's queue of chunks for any verifier; the caller takes the oldest when its own share is done. */
  constructor(private readonly shared: Chunk[]) {}

  /** Chunks of the caller's own share not verified yet. */
  get waiting(): readonly Chunk[] {
    return this.own;
  }

  /** Time the calling thread spent verifying chunks. */
  get ms(): number {
    return this.verifiedMs;
  }

  /** Signatures in the chunks it verified. */
  get items(): number {
    return this.verifiedItems;
  }

  /** True when a chunk waits for the caller: its own, or one no worker took. */
  get hasWork(): boolean {
    return this.own.length > 0 || this.shared.length > 0;
  }

  add(chunk: Chunk): void {
    this.own.push(chunk);
  }

  /** The pool closes: returns the chunks of its share, for the pool to reject. */
  close(): Chunk[] {
    return this.own.splice(0);
  }

  /**
   * Verifies one chunk: its own share first, else the oldest no worker has room for. The pool
   * calls this once per free turn of the event loop (a chunk costs at most VERIFY_MAX_CHUNK_COST
   * units, ~15 ms), so reads, timers and the commits between turns are not held up longer than that.
   */
  verifyOne(): void {
    const chunk = this.own.shift() ?? this.shared.shift();
    if (chunk) this.verify(chunk);
  }

  private verify(chunk: Chunk): void {
    if (isMoot(chunk)) return chunk.resolve(-1);
    const startMs = performance.now();
    try {
      const firstInvalid = scanJob(chunkJob(chunk));
      this.verifiedMs += performance.now() - startMs;
      this.verifiedItems += chunk.items;
      settle(chunk, firstInvalid);
    } catch (err) {
      // scanJob throws only on a job this pool built wrongly: a bug, not a peer's doing.
      abandon(chunk, new VerifyPoolError('verify-job-malformed', `the calling thread could not read a signature job (${errorMessage(err)}); the block was not judged`, { cause: err }));
    }
  }
}
