/**
 * A small worker_threads pool that verifies the signatures of a block on every core. The calling
 * thread is one of the verifiers, as Bitcoin Core's validation thread joins its script-check
 * queue (`-par` counts it): `threads` verifiers are `threads - 1` workers and the caller. A batch
 * is split over the verifiers in chunks of bounded cost (a chunk touching a huge transaction costs
 * more: it hashes it once and carries it); a worker's chunk travels as one buffer, built when the worker
 * takes it. The caller keeps the last chunk of a split batch and verifies it, and any chunk no
 * ready worker has room for, on free turns of its event loop (setImmediate: the sockets' reads
 * and timers come first). Once a batch has a failing item, its chunks after it are dropped
 * unchecked. Workers start when chunks wait and stop after idleMs without one (or at close()): a
 * node that synced once does not keep a V8 isolate per core (~15 MB each) for the rest of its
 * life; a new block starts them again (a few ms). After a worker fails, none starts for a while
 * (doubling per failure in a row): the caller verifies alone meanwhile.
 */
import { availableParallelism } from 'node:os';
import { errorMessage } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import type { SignatureBatch } from './batch.js';
import { CallerShare } from './caller-share.js';
import { type BatchVerdict, type Chunk, abandon, chunkJob, isMoot, settle } from './chunk.js';
import {
  VERIFY_INLINE_MAX_ITEMS,
  VERIFY_MAX_CHUNK_COST,
  VERIFY_MAX_ITEMS_IN_FLIGHT_PER_WORKER,
  VERIFY_MIN_ITEMS_PER_CHUNK,
  VERIFY_WORKER_IDLE_MS,
} from './constants.js';
import { VerifyPoolError } from './errors.js';
import { RestartBackoff } from './restarts.js';
import type { VerifyPoolOptions, VerifyPoolStats } from './types.js';
import { type SlotEvents, WorkerSlot } from './worker-slot.js';

export type { VerifyPoolOptions, VerifyPoolStats } from './types.js';

const DEFAULT_WORKER_URL = new URL('./worker.js', import.meta.url);

export class VerifyPool {
  /** Threads that verify, the caller included (0 = always inline, on the caller alone). */
  readonly threads: number;
  /** Workers the pool runs once busy: threads - 1. */
  readonly maxWorkers: number;
  private readonly inlineMaxItems: number;
  private readonly workerUrl: URL;
  private readonly logger: Logger | undefined;
  private readonly maxItemsPerWorker: number;
  private readonly workerIdleMs: number;
  private readonly slots: WorkerSlot[] = [];
  private readonly events: SlotEvents;
  private busyMs = 0;
  private idleMs = 0;
  private itemsVerified = 0;
  private workersStarted = 0;
  /** When workers may start again after failures. */
  private readonly restarts = new RestartBackoff(() => this.pump());
  /** Chunks for any verifier: the workers take them as they have room, the caller when none has. */
  private readonly queue: Chunk[] = [];
  /** The calling thread's share of split batches, and the chunks no worker has room for (caller-share.ts). */
  private readonly caller = new CallerShare(this.queue);
  /** Set while a turn of the caller's event loop is booked to verify a chunk. */
  private callerTurn: NodeJS.Immediate | undefined;
  private nextId = 1;
  private closed = false;

  constructor(options: VerifyPoolOptions = {}) {
    const threads = options.threads ?? availableParallelism();
    if (!Number.isInteger(threads) || threads < 0) throw new RangeError(`verify threads must be a whole number ≥ 0, got ${threads}`);
    this.threads = threads <= 1 ? 0 : threads;
    this.maxWorkers = Math.max(0, this.threads - 1);
    this.inlineMaxItems = options.inlineMaxItems ?? VERIFY_INLINE_MAX_ITEMS;
    this.workerUrl = options.workerUrl ?? DEFAULT_WORKER_URL;
    this.logger = options.logger;
    this.maxItemsPerWorker = options.maxItemsPerWorker ?? VERIFY_MAX_ITEMS_IN_FLIGHT_PER_WORKER;
    this.workerIdleMs = options.idleMs ?? VERIFY_WORKER_IDLE_MS;
    this.events = {
      ready: (slot) => {
        this.pump();
        // Started for chunks the caller may have verified meanwhile: nothing to hold, so the idle clock runs.
        this.retireIfIdle(slot);
      },
      done: (slot, chunk, reply) => {
        this.busyMs += reply.busyMs;
        this.idleMs += reply.idleMs;
        this.restarts.answered(slot.serial);
        settle(chunk, reply.firstInvalid);
        this.pump();
        this.retireIfIdle(slot);
      },
      jobFailed: (slot, chunk, reply) => {
        abandon(chunk, new VerifyPoolError('verify-job-malformed', `a signature verification worker could not read a job (${reply.message}); the block was not judged`));
        this.pump();
        this.retireIfIdle(slot);
      },
      died: (slot, what, cause) => this.fail(slot, what, cause),
    };
  }

  stats(): VerifyPoolStats {
    let queuedItems = 0;
    for (const chunk of this.queue) queuedItems += chunk.items;
    for (const chunk of this.caller.waiting) queuedItems += chunk.items;
    return {
      busyMs: this.busyMs,
      idleMs: this.idleMs,
      queuedItems,
      itemsPerWorker: this.slots.map((s) => s.items),
      itemsVerified: this.itemsVerified,
      callerMs: this.caller.ms,
      callerItems: this.caller.items,
      workersStarted: this.workersStarted,
      workerFailures: this.restarts.failures,
    };
  }

  /** Worker threads currently running or starting. */
  get liveWorkers(): number {
    return this.slots.length;
  }

  /** Worker threads ready for chunks (their code loaded). */
  get readyWorkers(): number {
    let ready = 0;
    for (const slot of this.slots) if (slot.ready) ready++;
    return ready;
  }

  /**
   * Starts every worker now, even while restarts wait after a failure, and resolves once they are
   * all ready (a caller that knows work is coming; the tests). Rejects with 'verify-worker-failed'
   * if one cannot start, 'verify-pool-closed' if the pool closes first.
   */
  async warm(): Promise<void> {
    const closed = (): VerifyPoolError => new VerifyPoolError('verify-pool-closed', 'the signature verification pool is closed; open a new chain to verify blocks');
    if (this.closed) throw closed();
    try {
      while (this.slots.length < this.maxWorkers) this.spawn();
      await Promise.all(this.slots.map((slot) => slot.started));
    } catch (cause) {
      if (this.closed) throw closed();
      throw new VerifyPoolError('verify-worker-failed', `a signature verification worker could not start: ${errorMessage(cause)}`, { cause });
    }
    if (this.closed) throw closed();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Index of the first batch item that fails (a malformed one counts), or -1 when all verify.
   * Rejects with VerifyPoolError 'verify-pool-closed' after close() (no silent inline fallback:
   * a closed pool means its owner is shutting down), 'verify-worker-failed' if a worker dies and
   * 'verify-job-malformed' if the caller cannot read a job the pool built (a bug).
   */
  async verify(batch: SignatureBatch): Promise<number> {
    if (this.closed) throw new VerifyPoolError('verify-pool-closed', 'the signature verification pool is closed; open a new chain to verify blocks');
    this.itemsVerified += batch.count;
    if (this.threads === 0 || batch.count < this.inlineMaxItems) return batch.firstInvalid();
    const split = this.allBusyWith(batch.cost) ? 1 : Math.min(this.threads, Math.ceil(batch.count / VERIFY_MIN_ITEMS_PER_CHUNK));
    const ranges = batch.ranges(split, VERIFY_MAX_CHUNK_COST);
    const verdict: BatchVerdict = { lowestInvalid: Infinity, abandoned: false };
    const pending = ranges.map((range, n) => {
      // Of a split batch the caller keeps the last chunk; the rest go to whoever has room (the caller included).
      const forCaller = split > 1 && n === ranges.length - 1;
      const chunk = { id: this.nextId++, batch, start: range.start, items: range.end - range.start, cost: range.cost, verdict, split: split > 1 };
      return this.submit(chunk, forCaller).then((invalid) => (invalid >= 0 ? range.start + invalid : -1));
    });
    this.pump();
    const failures = (await Promise.all(pending)).filter((i) => i >= 0);
    return failures.length > 0 ? Math.min(...failures) : -1;
  }

  /**
   * True when chunks already wait, or every worker runs and holds at least `cost` units: a batch
   * split over the verifiers would finish no sooner, so it goes as one chunk, which halves the
   * jobs, messages and replies on the calling thread during a sync. A lone block (workers idle)
   * is still split, for its latency, and the caller verifies its share.
   */
  private allBusyWith(cost: number): boolean {
    if (this.queue.length > 0) return true;
    if (this.mayStartWorkers()) return false;
    for (const slot of this.slots) if (slot.cost < cost) return false;
    return true;
  }

  /** Terminates every worker; queued and running chunks reject with 'verify-pool-closed'. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const closedError = (): VerifyPoolError => new VerifyPoolError('verify-pool-closed', 'the signature verification pool was closed while verifying');
    if (this.callerTurn) clearImmediate(this.callerTurn);
    this.callerTurn = undefined;
    this.restarts.close();
    for (const chunk of [...this.caller.close(), ...this.queue.splice(0)]) abandon(chunk, closedError());
    const slots = this.slots.splice(0);
    for (const slot of slots) {
      slot.gone = true;
      clearTimeout(slot.idleTimer);
      for (const chunk of slot.inFlight.splice(0)) abandon(chunk, closedError());
    }
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  /** Queues a chunk (pump() hands it out); settles with its first invalid item, relative to the chunk. */
  private submit(chunk: Omit<Chunk, 'resolve' | 'reject'>, forCaller: boolean): Promise<number> {
    return new Promise((resolve, reject) => {
      const full = { ...chunk, resolve, reject };
      if (forCaller) this.caller.add(full);
      else this.queue.push(full);
    });
  }

  /**
   * Hands queued chunks to the least-loaded ready worker (in cost units), starts workers for what
   * is left, up to maxWorkers, and books the caller a turn for whatever still waits. Workers get
   * up to maxItemsPerWorker ahead, so they keep verifying while the calling thread is blocked (in
   * a commit group's body) and cannot answer them. A chunk whose batch is already settled is
   * dropped, not checked.
   */
  private pump(): void {
    if (this.closed) return;
    let waitingCost = 0;
    for (const chunk of this.queue) waitingCost += chunk.cost;
    for (const chunk of this.caller.waiting) waitingCost += chunk.cost;
    for (let chunk = this.queue[0]; chunk !== undefined; chunk = this.queue[0]) {
      if (isMoot(chunk)) {
        this.queue.shift();
        waitingCost -= chunk.cost;
        chunk.resolve(-1);
        continue;
      }
      let slot: WorkerSlot | undefined;
      for (const s of this.slots) if (this.hasRoom(s, chunk, waitingCost) && (!slot || s.cost < slot.cost)) slot = s;
      if (!slot) break;
      this.queue.shift();
      waitingCost -= chunk.cost;
      this.post(slot, chunk);
    }
    this.startWorkers();
    this.bookCallerTurn();
  }

  /**
   * A ready worker with nothing takes any chunk (even one over the bound); a busy one takes more
   * within maxItemsPerWorker, and only once no more workers may start: a chunk waits for an idle
   * worker (or the caller) rather than queue behind a busy one. Of a lone block's chunks a busy
   * worker takes no more than the caller, free, has left to verify (`waitingCost`, the chunk's
   * included): a worker that took them all would finish the block alone, later.
   */
  private hasRoom(slot: WorkerSlot, chunk: Chunk, waitingCost: number): boolean {
    if (!slot.ready) return false;
    if (slot.inFlight.length === 0) return true;
    if (this.mayStartWorkers() || slot.cost + chunk.cost > this.maxItemsPerWorker) return false;
    return !chunk.split || slot.cost + chunk.cost <= waitingCost;
  }

  /** True when a worker may start now: fewer than maxWorkers run and no restart waits after a failure. */
  private mayStartWorkers(): boolean {
    return this.slots.length < this.maxWorkers && !this.restarts.waiting;
  }

  /**
   * Starts a worker per waiting chunk that no starting worker will take, up to maxWorkers; none
   * while a restart waits after a failure, and one at a time while failures are in a row (a
   * worker that cannot start fails alone, not with a dozen beside it).
   */
  private startWorkers(): void {
    let starting = 0;
    for (const slot of this.slots) if (!slot.ready) starting++;
    const limit = this.restarts.startingLimit(this.maxWorkers);
    while (this.mayStartWorkers() && this.queue.length > starting && starting < limit) {
      try {
        this.spawn();
      } catch (err) {
        const retryInMs = this.restarts.failed(this.workersStarted);
        this.logger?.warn({ reason: errorMessage(err), retryInMs }, 'a signature verification worker could not start; the calling thread verifies meanwhile');
        return;
      }
      starting++;
    }
  }

  private post(slot: WorkerSlot, chunk: Chunk): void {
    let buffer: ArrayBuffer;
    try {
      buffer = chunkJob(chunk);
    } catch (err) {
      // Only a batch the pool cannot encode (a bug): that chunk's block is not judged, nothing else is touched.
      return abandon(chunk, new VerifyPoolError('verify-job-malformed', `a signature job could not be built (${errorMessage(err)}); the block was not judged`, { cause: err }));
    }
    clearTimeout(slot.idleTimer);
    slot.idleTimer = undefined;
    slot.post(chunk, buffer);
  }

  /** Books one turn of the caller's event loop to verify a chunk, if one waits and none is booked. */
  private bookCallerTurn(): void {
    if (this.callerTurn || this.closed || !this.caller.hasWork) return;
    this.callerTurn = setImmediate(() => this.callerVerifies());
  }

  /** One chunk on the calling thread (caller-share.ts), then pump(): a chunk behind the one taken may fit a worker. */
  private callerVerifies(): void {
    this.callerTurn = undefined;
    this.caller.verifyOne();
    this.pump();
  }

  /** Throws what `new Worker` throws. */
  private spawn(): WorkerSlot {
    const slot = new WorkerSlot(this.workerUrl, this.events, this.workersStarted + 1);
    this.slots.push(slot);
    this.workersStarted++;
    return slot;
  }

  /** Stops `slot`'s worker if it is still without work after workerIdleMs. */
  private retireIfIdle(slot: WorkerSlot): void {
    if (slot.gone || slot.inFlight.length > 0) return;
    clearTimeout(slot.idleTimer);
    slot.idleTimer = setTimeout(() => {
      slot.idleTimer = undefined;
      if (slot.gone || slot.inFlight.length > 0) return;
      // Gone before terminate(): its 'exit' is then ours, not a failure to report.
      slot.gone = true;
      this.slots.splice(this.slots.indexOf(slot), 1);
      void slot.worker.terminate();
    }, this.workerIdleMs);
    // An idle worker must not keep the process alive, nor must the timer that stops it.
    slot.idleTimer.unref();
  }

  /** A worker died: reject its chunks, drop it; a replacement starts for queued work once restarts are allowed again. */
  private fail(slot: WorkerSlot, what: string, cause: unknown): void {
    if (slot.gone) return;
    slot.gone = true;
    clearTimeout(slot.idleTimer);
    this.slots.splice(this.slots.indexOf(slot), 1);
    void slot.worker.terminate();
    const lost = slot.inFlight.splice(0);
    slot.items = 0;
    slot.cost = 0;
    const retryInMs = this.restarts.failed(this.workersStarted);
    this.logger?.warn({ reason: what, wasReady: slot.ready, lostChunks: lost.length, retryInMs }, 'a signature verification worker failed; the calling thread verifies until one starts again');
    for (const chunk of lost) {
      abandon(chunk, new VerifyPoolError('verify-worker-failed', `a signature verification worker ${what}; the block was not judged, retry it`, { cause }));
    }
    this.pump();
  }
}
