/**
 * A small worker_threads pool that verifies the signatures of a block on every core. The calling
 * thread is one of the verifiers, as Bitcoin Core's validation thread joins its script-check
 * queue (`-par` counts it): `threads` verifiers are `threads - 1` workers and the caller. A batch
 * is split over the verifiers in chunks of bounded cost (a huge transaction's inputs cost more:
 * each sighash hashes it whole); a worker's chunk travels as one transferred buffer, built when
 * the worker takes it. The caller keeps the last chunk of a split batch and verifies it, and any
 * chunk no running worker has room for, on free turns of its event loop (setImmediate: the
 * sockets' reads and timers come first). Once a batch has a failing item, its chunks after it
 * are dropped unchecked. Workers start when chunks wait and stop after idleMs without one (or at
 * close()): a node that synced once does not keep a V8 isolate per core (~15 MB each) for the
 * rest of its life; a new block starts them again (a few ms).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { errorMessage } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import type { SignatureBatch } from './batch.js';
import { type BatchVerdict, type Chunk, abandon, chunkJob, isMoot, settle } from './chunk.js';
import { VERIFY_INLINE_MAX_ITEMS, VERIFY_MAX_CHUNK_COST, VERIFY_MAX_ITEMS_IN_FLIGHT_PER_WORKER, VERIFY_MIN_ITEMS_PER_CHUNK, VERIFY_WORKER_IDLE_MS } from './constants.js';
import { VerifyPoolError } from './errors.js';
import { scanJob } from './job-scan.js';
import type { VerifyJob, VerifyReply } from './protocol.js';

export interface VerifyPoolOptions {
  /** Threads that verify, the calling thread included (threads - 1 workers); default os.availableParallelism(). 0 or 1 verifies on the calling thread alone. */
  threads?: number;
  /** Batches with fewer items verify inline (worker round trips would cost more than they save). */
  inlineMaxItems?: number;
  /** Worker script (tests substitute a failing one). */
  workerUrl?: URL;
  /** Cost units (about signatures, constants.ts) one worker may hold at once; tests pass a smaller bound. */
  maxItemsPerWorker?: number;
  /** A worker with nothing to do for this long stops (default VERIFY_WORKER_IDLE_MS). */
  idleMs?: number;
  logger?: Logger;
}

interface Slot {
  readonly worker: Worker;
  /** Chunks posted and not answered, oldest first (a worker answers in order). */
  readonly inFlight: Chunk[];
  /** Signatures in `inFlight`. */
  items: number;
  /** Cost units in `inFlight`: what maxItemsPerWorker bounds. */
  cost: number;
  /**
   * The worker runs (its 'online' event). Until then it is handed nothing: a worker takes 50-150
   * ms to start on busy cores, and a chunk handed to it meanwhile (the oldest, the one the chain
   * waits for) would wait there while the caller, free, verifies later ones.
   */
  online: boolean;
  gone: boolean;
  /** Set while the worker holds nothing: it stops when this fires. */
  idleTimer: NodeJS.Timeout | undefined;
}

/** What the workers did since the pool started (summed over workers, replaced ones included). */
export interface VerifyPoolStats {
  /** Time the workers spent verifying. */
  readonly busyMs: number;
  /** Time a worker sat with no chunk between two chunks: the pipeline starved it. */
  readonly idleMs: number;
  /** Signatures waiting in the pool: for a worker with room, or the caller's share. */
  readonly queuedItems: number;
  /** Signatures each live worker holds now. */
  readonly itemsPerWorker: readonly number[];
  /** Signatures handed to verify() so far, inline or to the workers (what peers made us check). */
  readonly itemsVerified: number;
  /** Time the calling thread spent verifying chunks (its share of split batches, and chunks no worker had room for). */
  readonly callerMs: number;
  /** Signatures in those chunks (batches under inlineMaxItems, verified inline, are counted in itemsVerified only). */
  readonly callerItems: number;
}

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
  private readonly slots: Slot[] = [];
  private busyMs = 0;
  private idleMs = 0;
  private itemsVerified = 0;
  private callerMs = 0;
  private callerItems = 0;
  /** Chunks for any verifier: the workers take them as they have room, the caller when none has. */
  private readonly queue: Chunk[] = [];
  /** The caller's own share of split batches, verified before it helps with `queue`. */
  private readonly callerQueue: Chunk[] = [];
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
  }

  stats(): VerifyPoolStats {
    let queuedItems = 0;
    for (const chunk of this.queue) queuedItems += chunk.items;
    for (const chunk of this.callerQueue) queuedItems += chunk.items;
    return {
      busyMs: this.busyMs,
      idleMs: this.idleMs,
      queuedItems,
      itemsPerWorker: this.slots.map((s) => s.items),
      itemsVerified: this.itemsVerified,
      callerMs: this.callerMs,
      callerItems: this.callerItems,
    };
  }

  /** Worker threads currently running or starting. */
  get liveWorkers(): number {
    return this.slots.length;
  }

  /** Worker threads started and running (their 'online' event came). */
  get onlineWorkers(): number {
    let online = 0;
    for (const slot of this.slots) if (slot.online) online++;
    return online;
  }

  /**
   * Starts every worker now and resolves once they all run (a caller that knows work is coming;
   * the tests). Rejects with 'verify-worker-failed' if one cannot start.
   */
  async warm(): Promise<void> {
    if (this.closed) throw new VerifyPoolError('verify-pool-closed', 'the signature verification pool is closed; open a new chain to verify blocks');
    while (this.slots.length < this.maxWorkers) this.spawn();
    const starting = this.slots.filter((slot) => !slot.online);
    await Promise.all(
      starting.map(
        (slot) =>
          new Promise<void>((resolve, reject) => {
            slot.worker.once('online', () => resolve());
            const failed = (cause: unknown): void => reject(new VerifyPoolError('verify-worker-failed', 'a signature verification worker could not start', { cause }));
            slot.worker.once('error', failed).once('exit', failed);
          }),
      ),
    );
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
      return this.submit(batch, range.start, range.end - range.start, range.cost, verdict, forCaller).then((invalid) => (invalid >= 0 ? range.start + invalid : -1));
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
    if (this.slots.length < this.maxWorkers) return false;
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
    for (const chunk of [...this.callerQueue.splice(0), ...this.queue.splice(0)]) abandon(chunk, closedError());
    const slots = this.slots.splice(0);
    for (const slot of slots) {
      slot.gone = true;
      clearTimeout(slot.idleTimer);
      for (const chunk of slot.inFlight.splice(0)) abandon(chunk, closedError());
    }
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  /** Queues a chunk (pump() hands it out); settles with its first invalid item, relative to the chunk. */
  private submit(batch: SignatureBatch, start: number, items: number, cost: number, verdict: BatchVerdict, forCaller: boolean): Promise<number> {
    return new Promise((resolve, reject) => {
      (forCaller ? this.callerQueue : this.queue).push({ id: this.nextId++, batch, start, items, cost, verdict, resolve, reject });
    });
  }

  /**
   * Hands queued chunks to the least-loaded running worker (in cost units), starts workers for
   * what is left, up to maxWorkers, and books the caller a turn for whatever still waits. Workers
   * get up to maxItemsPerWorker ahead, so they keep verifying while the calling thread is blocked
   * (in a commit group's body) and cannot answer them. A chunk whose batch is already settled is
   * dropped, not checked.
   */
  private pump(): void {
    if (this.closed) return;
    for (let chunk = this.queue[0]; chunk !== undefined; chunk = this.queue[0]) {
      if (isMoot(chunk)) {
        this.queue.shift();
        chunk.resolve(-1);
        continue;
      }
      let slot: Slot | undefined;
      for (const s of this.slots) if (this.hasRoom(s, chunk) && (!slot || s.cost < slot.cost)) slot = s;
      if (!slot) break;
      this.queue.shift();
      this.post(slot, chunk);
    }
    this.startWorkers();
    this.bookCallerTurn();
  }

  /**
   * A running worker with nothing takes any chunk (even one over the bound); a busy one takes
   * more within maxItemsPerWorker, and only once no more workers may start: a chunk waits for an
   * idle worker (or the caller) rather than queue behind a busy one.
   */
  private hasRoom(slot: Slot, chunk: Chunk): boolean {
    if (!slot.online) return false;
    if (slot.inFlight.length === 0) return true;
    return this.slots.length >= this.maxWorkers && slot.cost + chunk.cost <= this.maxItemsPerWorker;
  }

  /** Starts a worker per waiting chunk that no starting worker will take, up to maxWorkers. */
  private startWorkers(): void {
    let starting = 0;
    for (const slot of this.slots) if (!slot.online) starting++;
    while (this.slots.length < this.maxWorkers && this.queue.length > starting) {
      this.spawn();
      starting++;
    }
  }

  private post(slot: Slot, chunk: Chunk): void {
    clearTimeout(slot.idleTimer);
    slot.idleTimer = undefined;
    slot.inFlight.push(chunk);
    slot.items += chunk.items;
    slot.cost += chunk.cost;
    slot.worker.ref();
    const buffer = chunkJob(chunk);
    const job: VerifyJob = { id: chunk.id, buffer };
    slot.worker.postMessage(job, [buffer]);
  }

  /** Books one turn of the caller's event loop to verify a chunk, if one waits and none is booked. */
  private bookCallerTurn(): void {
    if (this.callerTurn || this.closed || (this.callerQueue.length === 0 && this.queue.length === 0)) return;
    this.callerTurn = setImmediate(() => this.callerVerifies());
  }

  /**
   * One chunk on the calling thread: its own share first, else the oldest no worker has room for.
   * One per turn (a chunk costs at most VERIFY_MAX_CHUNK_COST units, ~15 ms), so reads, timers
   * and the commits between turns are not held up longer than that. Then pump(): a chunk behind
   * the one taken may fit a worker.
   */
  private callerVerifies(): void {
    this.callerTurn = undefined;
    const chunk = this.callerQueue.shift() ?? this.queue.shift();
    if (chunk) this.verifyHere(chunk);
    this.pump();
  }

  private verifyHere(chunk: Chunk): void {
    if (isMoot(chunk)) return chunk.resolve(-1);
    const startMs = performance.now();
    try {
      const firstInvalid = scanJob(chunkJob(chunk));
      this.callerMs += performance.now() - startMs;
      this.callerItems += chunk.items;
      settle(chunk, firstInvalid);
    } catch (err) {
      // scanJob throws only on a job this pool built wrongly: a bug, not a peer's doing.
      abandon(chunk, new VerifyPoolError('verify-job-malformed', `the calling thread could not read a signature job (${errorMessage(err)}); the block was not judged`, { cause: err }));
    }
  }

  private spawn(): Slot {
    const worker = new Worker(this.workerUrl);
    const slot: Slot = { worker, inFlight: [], items: 0, cost: 0, online: false, gone: false, idleTimer: undefined };
    worker.unref();
    worker.once('online', () => {
      slot.online = true;
      this.pump();
      // Started for chunks the caller may have verified meanwhile: nothing to hold, so the idle clock runs.
      if (slot.inFlight.length === 0 && !slot.gone) this.retireWhenIdle(slot);
    });
    worker.on('message', (reply: VerifyReply) => {
      const chunk = slot.inFlight[0];
      if (!chunk || chunk.id !== reply.id) return;
      slot.inFlight.shift();
      slot.items -= chunk.items;
      slot.cost -= chunk.cost;
      this.busyMs += reply.busyMs;
      this.idleMs += reply.idleMs;
      if (slot.inFlight.length === 0) worker.unref();
      settle(chunk, reply.firstInvalid);
      this.pump();
      if (slot.inFlight.length === 0 && !slot.gone) this.retireWhenIdle(slot);
    });
    worker.on('error', (err) => this.fail(slot, `threw: ${errorMessage(err)}`, err));
    worker.on('exit', (code) => this.fail(slot, `exited with code ${code}`, undefined));
    this.slots.push(slot);
    return slot;
  }

  /** Stops `slot`'s worker if it is still without work after workerIdleMs. */
  private retireWhenIdle(slot: Slot): void {
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

  /** A worker died: reject its chunks, drop it; pump() starts a replacement for queued work. */
  private fail(slot: Slot, what: string, cause: unknown): void {
    if (slot.gone) return;
    slot.gone = true;
    clearTimeout(slot.idleTimer);
    this.slots.splice(this.slots.indexOf(slot), 1);
    void slot.worker.terminate();
    const lost = slot.inFlight.splice(0);
    slot.items = 0;
    slot.cost = 0;
    this.logger?.warn({ reason: what, lostChunks: lost.length }, 'a signature verification worker failed; replacing it');
    for (const chunk of lost) {
      abandon(chunk, new VerifyPoolError('verify-worker-failed', `a signature verification worker ${what}; the block was not judged, retry it`, { cause }));
    }
    this.pump();
  }
}
