/**
 * One /ws client's requests: answered one at a time, in order, with a bounded queue behind the one
 * running. Each pays its cost (cost.ts) from the client's budget before it runs, and its answer is
 * built only once the client has read the last one (its unsent data is below the limit), so a
 * client never has two answers in the making nor more than the limit plus one answer unsent.
 */
import { TokenBucket } from '../p2p/rate-limit.js';
import type { Logger } from '../util/logger.js';
import { WS_REQUEST_COST_UNITS } from './constants.js';
import { requestCost } from './cost.js';
import { busyAnswer, errorView, parseRequest, rateLimitedAnswer, runRequest } from './ops.js';
import type { WebSource } from './source.js';

export interface ClientRequestLimits {
  /** Cost units per second, and at once (the dearest request is capped at this). */
  readonly requestsPerSec: number;
  readonly requestBurst: number;
  readonly remoteCostBurst: number;
  readonly maxQueuedRequests: number;
  readonly maxRefusedInARow: number;
  readonly maxBufferedBytes: number;
  readonly drainPollMs: number;
  readonly drainWaitMs: number;
}

/** What the hub lends a client's requests: its connection, as far as they need it. */
export interface ClientLink {
  /** False once the client is gone (closed, dropped): queued requests are then forgotten. */
  isCurrent(): boolean;
  bufferedAmount(): number;
  send(text: string): void;
  /** It did not read its data within the wait. */
  dropSlow(): void;
  /** It kept asking though refused. */
  dropForRate(): void;
}

export class ClientRequests {
  private readonly budget: TokenBucket;
  private readonly queue: string[] = [];
  private busy = false;
  private refusedInARow = 0;

  constructor(
    private readonly source: WebSource,
    private readonly logger: Logger,
    private readonly limits: ClientRequestLimits,
    /** A budget this client shares with others (every client not on loopback), charged too; undefined for loopback. */
    private readonly shared: TokenBucket | undefined,
    private readonly link: ClientLink,
  ) {
    this.budget = new TokenBucket({ ratePerSec: limits.requestsPerSec, burst: limits.requestBurst });
  }

  /** A message from the client (the text of a text frame; '' for a binary one, which answers as a bad request). */
  receive(text: string): void {
    if (this.queue.length >= this.limits.maxQueuedRequests) {
      if (this.refuse()) this.link.send(busyAnswer(this.limits.maxQueuedRequests));
      return;
    }
    this.queue.push(text);
    void this.pump();
  }

  /** The client left: what it asked and was not answered is forgotten. */
  clear(): void {
    this.queue.length = 0;
  }

  /** Counts a refusal; drops the client (and returns false) when it keeps on asking regardless. */
  private refuse(): boolean {
    this.refusedInARow++;
    if (this.refusedInARow <= this.limits.maxRefusedInARow) return true;
    this.clear();
    this.link.dropForRate();
    return false;
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.queue.length > 0 && this.link.isCurrent()) {
        const parsed = parseRequest(this.queue.shift()!, this.logger);
        const id = 'request' in parsed ? parsed.request.id : null;
        const op = 'request' in parsed ? parsed.request.op : null;
        let cost: number;
        try {
          // An empty budget refuses before the price is worked out (it may read a block's bytes).
          cost = 'reply' in parsed || this.budget.available < WS_REQUEST_COST_UNITS ? WS_REQUEST_COST_UNITS : requestCost(this.source, parsed.request);
        } catch (err) {
          this.link.send(JSON.stringify({ id, op, error: errorView(err, this.logger, op) }));
          continue;
        }
        if (!this.pay(cost)) {
          if (!this.refuse()) return;
          this.link.send(rateLimitedAnswer(id, op));
          continue;
        }
        this.refusedInARow = 0;
        if ('reply' in parsed) {
          this.link.send(parsed.reply);
          continue;
        }
        if (!(await this.drained())) return;
        this.link.send(await runRequest(this.source, parsed.request, this.logger));
      }
    } finally {
      this.busy = false;
    }
  }

  /** Takes the request's cost from the client's budget and the shared one, from both or neither. */
  private pay(cost: number): boolean {
    // The dearest request must stay possible (a full block's view), so it never costs more than a full burst.
    const own = Math.min(cost, this.limits.requestBurst);
    const shared = Math.min(cost, this.limits.remoteCostBurst);
    if (this.budget.available < own || (this.shared !== undefined && this.shared.available < shared)) return false;
    this.budget.take(own);
    this.shared?.take(shared);
    return true;
  }

  /** Waits (bounded) until the client's unsent data is below the limit; drops it and returns false when it does not read. */
  private async drained(): Promise<boolean> {
    const deadline = Date.now() + this.limits.drainWaitMs;
    while (this.link.bufferedAmount() > this.limits.maxBufferedBytes) {
      if (!this.link.isCurrent()) return false;
      if (Date.now() >= deadline) {
        this.clear();
        this.link.dropSlow();
        return false;
      }
      await new Promise((resolve) => setTimeout(resolve, this.limits.drainPollMs));
    }
    return this.link.isCurrent();
  }
}
