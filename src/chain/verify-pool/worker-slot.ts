/**
 * One verify worker as the pool sees it: the chunks it holds (it answers them in order), whether
 * its code has loaded, and the events that move the pool. What to do on each is pool.ts's.
 */
import { Worker } from 'node:worker_threads';
import { errorMessage } from '../../util/errors.js';
import type { Chunk } from './chunk.js';
import { VerifyPoolError } from './errors.js';
import type { JobDone, JobFailed, VerifyJob, WorkerMessage } from './protocol.js';

export interface SlotEvents {
  /** The worker's code has loaded: it may be handed chunks. */
  ready(slot: WorkerSlot): void;
  /** It answered its oldest chunk, now off `inFlight`. */
  done(slot: WorkerSlot, chunk: Chunk, reply: JobDone): void;
  /** It could not read its oldest chunk's job (now off `inFlight`); it goes on with the rest. */
  jobFailed(slot: WorkerSlot, chunk: Chunk, reply: JobFailed): void;
  /** It threw, exited, or answered a chunk it does not hold: it must be dropped. */
  died(slot: WorkerSlot, what: string, cause: unknown): void;
}

export class WorkerSlot {
  readonly worker: Worker;
  /** Chunks posted and not answered, oldest first. */
  readonly inFlight: Chunk[] = [];
  /** Signatures in `inFlight`. */
  items = 0;
  /** Cost units in `inFlight`: what the pool's per-worker bound counts. */
  cost = 0;
  /**
   * The worker said it is ready (protocol.ts). Until then it is handed nothing: a worker takes
   * 50-150 ms to start on busy cores, a chunk handed to it meanwhile (the oldest, the one the
   * chain waits for) would wait there while the caller, free, verifies later ones, and a worker
   * whose code fails to load would take chunks down with it.
   */
  ready = false;
  /** Dropped by the pool (retired, failed or closed): its events are no longer the pool's. */
  gone = false;
  /** Set while the worker holds nothing: it stops when this fires. */
  idleTimer: NodeJS.Timeout | undefined;
  /** Resolves when the worker is ready; rejects if it dies first (handled here, so never unhandled). */
  readonly started: Promise<void>;

  /**
   * `serial`: the pool's count of workers started, this one included (which failures it came after).
   * Throws what `new Worker` throws (a URL it cannot load, no resources for another thread).
   */
  constructor(
    url: URL,
    events: SlotEvents,
    readonly serial: number,
  ) {
    let markStarted: () => void = () => undefined;
    let markFailed: (err: VerifyPoolError) => void = () => undefined;
    this.started = new Promise<void>((resolve, reject) => {
      markStarted = resolve;
      markFailed = reject;
    });
    this.started.catch(() => undefined);
    this.worker = new Worker(url);
    // An idle worker must not keep the process alive; post() refs it while it holds chunks.
    this.worker.unref();
    this.worker.on('message', (message: WorkerMessage | null) => {
      if (this.gone) return;
      if (typeof message !== 'object' || message === null) return events.died(this, `sent ${String(message)}, not a message of the pool's protocol`, undefined);
      if (message.kind === 'ready') {
        this.ready = true;
        markStarted();
        return events.ready(this);
      }
      const chunk = this.inFlight[0];
      if (!chunk || chunk.id !== message.id) return events.died(this, `answered chunk ${message.id}, which it does not hold next`, undefined);
      this.inFlight.shift();
      this.items -= chunk.items;
      this.cost -= chunk.cost;
      if (this.inFlight.length === 0) this.worker.unref();
      if (message.kind === 'done') events.done(this, chunk, message);
      else events.jobFailed(this, chunk, message);
    });
    const died = (what: string, cause: unknown): void => {
      markFailed(new VerifyPoolError('verify-worker-failed', `a signature verification worker ${what}`, { cause }));
      if (!this.gone) events.died(this, what, cause);
    };
    this.worker.on('error', (err: unknown) => died(`threw: ${errorMessage(err)}`, err));
    this.worker.on('exit', (code) => died(`exited with code ${code}`, undefined));
  }

  /** Hands the worker a chunk whose job is built. */
  post(chunk: Chunk, buffer: ArrayBuffer): void {
    this.inFlight.push(chunk);
    this.items += chunk.items;
    this.cost += chunk.cost;
    this.worker.ref();
    const job: VerifyJob = { id: chunk.id, buffer };
    // No transfer list: protocol.ts says why the buffer is copied.
    this.worker.postMessage(job);
  }
}
