/**
 * A small worker_threads pool that verifies the signatures of a block on every core. A batch is
 * split into one chunk per worker; each chunk travels as one transferred buffer, not per item.
 * Workers start on the first batch large enough to need them and stop after idleMs without a
 * chunk (or at close()): a node that synced once does not keep a V8 isolate per core (~15 MB
 * each) for the rest of its life; a new block starts them again (a few ms).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { errorMessage } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import type { SignatureBatch } from './batch.js';
import { VERIFY_INLINE_MAX_ITEMS, VERIFY_MAX_ITEMS_IN_FLIGHT_PER_WORKER, VERIFY_MIN_ITEMS_PER_CHUNK, VERIFY_WORKER_IDLE_MS } from './constants.js';
import { VerifyPoolError } from './errors.js';
import type { VerifyJob, VerifyReply } from './protocol.js';

export interface VerifyPoolOptions {
  /** Worker threads; default os.availableParallelism(). 0 or 1 verifies on the calling thread. */
  threads?: number;
  /** Batches with fewer items verify inline (worker round trips would cost more than they save). */
  inlineMaxItems?: number;
  /** Worker script (tests substitute a failing one). */
  workerUrl?: URL;
  /** Signatures one worker may hold at once (constants.ts); tests pass a smaller one. */
  maxItemsPerWorker?: number;
  /** A worker with nothing to do for this long stops (default VERIFY_WORKER_IDLE_MS). */
  idleMs?: number;
  logger?: Logger;
}

interface Chunk {
  readonly id: number;
  readonly buffer: ArrayBuffer;
  /** Signatures in the chunk. */
  readonly items: number;
  readonly resolve: (firstInvalid: number) => void;
  readonly reject: (err: VerifyPoolError) => void;
}

interface Slot {
  readonly worker: Worker;
  /** Chunks posted and not answered, oldest first (a worker answers in order). */
  readonly inFlight: Chunk[];
  /** Signatures in `inFlight`. */
  items: number;
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
  /** Signatures queued in the pool for a worker with room. */
  readonly queuedItems: number;
  /** Signatures each live worker holds now. */
  readonly itemsPerWorker: readonly number[];
  /** Signatures handed to verify() so far, inline or to the workers (what peers made us check). */
  readonly itemsVerified: number;
}

const DEFAULT_WORKER_URL = new URL('./worker.js', import.meta.url);

export class VerifyPool {
  /** Workers the pool runs once busy (0 = always inline). */
  readonly threads: number;
  private readonly inlineMaxItems: number;
  private readonly workerUrl: URL;
  private readonly logger: Logger | undefined;
  private readonly maxItemsPerWorker: number;
  private readonly workerIdleMs: number;
  private readonly slots: Slot[] = [];
  private busyMs = 0;
  private idleMs = 0;
  private itemsVerified = 0;
  private readonly queue: Chunk[] = [];
  private nextId = 1;
  private closed = false;

  constructor(options: VerifyPoolOptions = {}) {
    const threads = options.threads ?? availableParallelism();
    if (!Number.isInteger(threads) || threads < 0) throw new RangeError(`verify threads must be a whole number ≥ 0, got ${threads}`);
    this.threads = threads <= 1 ? 0 : threads;
    this.inlineMaxItems = options.inlineMaxItems ?? VERIFY_INLINE_MAX_ITEMS;
    this.workerUrl = options.workerUrl ?? DEFAULT_WORKER_URL;
    this.logger = options.logger;
    this.maxItemsPerWorker = options.maxItemsPerWorker ?? VERIFY_MAX_ITEMS_IN_FLIGHT_PER_WORKER;
    this.workerIdleMs = options.idleMs ?? VERIFY_WORKER_IDLE_MS;
  }

  stats(): VerifyPoolStats {
    let queuedItems = 0;
    for (const chunk of this.queue) queuedItems += chunk.items;
    return { busyMs: this.busyMs, idleMs: this.idleMs, queuedItems, itemsPerWorker: this.slots.map((s) => s.items), itemsVerified: this.itemsVerified };
  }

  /** Worker threads currently running. */
  get liveWorkers(): number {
    return this.slots.length;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Index of the first batch item that fails (a malformed one counts), or -1 when all verify.
   * Rejects with VerifyPoolError 'verify-pool-closed' after close() (no silent inline fallback:
   * a closed pool means its owner is shutting down) and 'verify-worker-failed' if a worker dies.
   */
  async verify(batch: SignatureBatch): Promise<number> {
    if (this.closed) throw new VerifyPoolError('verify-pool-closed', 'the signature verification pool is closed; open a new chain to verify blocks');
    this.itemsVerified += batch.count;
    if (this.threads === 0 || batch.count < this.inlineMaxItems) return batch.firstInvalid();
    const chunks = this.allBusyWith(batch.count) ? 1 : Math.min(this.threads, Math.ceil(batch.count / VERIFY_MIN_ITEMS_PER_CHUNK));
    const perChunk = Math.ceil(batch.count / chunks);
    const pending: Promise<number>[] = [];
    for (let start = 0; start < batch.count; start += perChunk) {
      const end = Math.min(batch.count, start + perChunk);
      // A fresh ArrayBuffer per chunk, transferred, not cloned.
      pending.push(this.submit(batch.job(start, end), end - start).then((invalid) => (invalid >= 0 ? start + invalid : -1)));
    }
    const failures = (await Promise.all(pending)).filter((i) => i >= 0);
    return failures.length > 0 ? Math.min(...failures) : -1;
  }

  /**
   * True when every worker runs and already holds at least `items` signatures (or chunks wait in
   * the pool): a batch split over the workers would finish no sooner, so it goes as one chunk,
   * which halves the jobs, messages and replies on the calling thread during a sync. A lone block
   * (workers idle) is still split, for its latency.
   */
  private allBusyWith(items: number): boolean {
    if (this.queue.length > 0) return true;
    if (this.slots.length < this.threads) return false;
    for (const slot of this.slots) if (slot.items < items) return false;
    return true;
  }

  /** Terminates every worker; queued and running chunks reject with 'verify-pool-closed'. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const closedError = (): VerifyPoolError => new VerifyPoolError('verify-pool-closed', 'the signature verification pool was closed while verifying');
    for (const chunk of this.queue.splice(0)) chunk.reject(closedError());
    const slots = this.slots.splice(0);
    for (const slot of slots) {
      slot.gone = true;
      clearTimeout(slot.idleTimer);
      for (const chunk of slot.inFlight.splice(0)) chunk.reject(closedError());
    }
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  private submit(buffer: ArrayBuffer, items: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, buffer, items, resolve, reject });
      this.pump();
    });
  }

  /**
   * Hands queued chunks to the least-loaded worker (in signatures), starting workers up to
   * `threads`. Workers get up to maxItemsPerWorker ahead, so they keep verifying while the main
   * thread is blocked (in a commit group's body) and cannot answer them.
   */
  private pump(): void {
    while (this.queue.length > 0 && !this.closed) {
      let slot: Slot | undefined;
      for (const s of this.slots) if (!slot || s.items < slot.items) slot = s;
      if (!slot || (slot.inFlight.length > 0 && this.slots.length < this.threads)) slot = this.spawn();
      const chunk = this.queue[0]!;
      if (slot.inFlight.length > 0 && slot.items + chunk.items > this.maxItemsPerWorker) return;
      this.queue.shift();
      clearTimeout(slot.idleTimer);
      slot.idleTimer = undefined;
      slot.inFlight.push(chunk);
      slot.items += chunk.items;
      slot.worker.ref();
      const job: VerifyJob = { id: chunk.id, buffer: chunk.buffer };
      slot.worker.postMessage(job, [chunk.buffer]);
    }
  }

  private spawn(): Slot {
    const worker = new Worker(this.workerUrl);
    const slot: Slot = { worker, inFlight: [], items: 0, gone: false, idleTimer: undefined };
    worker.unref();
    worker.on('message', (reply: VerifyReply) => {
      const chunk = slot.inFlight[0];
      if (!chunk || chunk.id !== reply.id) return;
      slot.inFlight.shift();
      slot.items -= chunk.items;
      this.busyMs += reply.busyMs;
      this.idleMs += reply.idleMs;
      if (slot.inFlight.length === 0) worker.unref();
      chunk.resolve(reply.firstInvalid);
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
    this.logger?.warn({ reason: what, lostChunks: lost.length }, 'a signature verification worker failed; replacing it');
    for (const chunk of lost) {
      chunk.reject(new VerifyPoolError('verify-worker-failed', `a signature verification worker ${what}; the block was not judged, retry it`, { cause }));
    }
    this.pump();
  }
}
