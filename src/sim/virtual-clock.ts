import type { Clock, TimerHandle } from '../util/clock.js';

interface Timer {
  atMs: number;
  readonly seq: number;
  readonly fn: () => void;
  readonly intervalMs: number | undefined;
  cancelled: boolean;
  /** In the heap now (a one-shot that ran is not; an interval is re-inserted before it runs). */
  queued: boolean;
  /** Who scheduled it (EventProfile only; always present, so every timer has one shape). */
  readonly tag: string | undefined;
}

/**
 * Opt-in event census (scripts/sim-event-census.mjs): each event is tagged at scheduling with the
 * code that scheduled it (stack frames above the clock) and counted when it runs inside the window.
 * Costs a stack capture per scheduled event, so it is off unless set.
 */
export interface EventProfile {
  readonly fromElapsedMs: number;
  readonly toElapsedMs: number;
  /** Stack frames kept per tag (callers above the clock call). */
  readonly depth: number;
  readonly counts: Map<string, number>;
}

function schedulerTag(depth: number): string {
  const holder: { stack?: string } = {};
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = depth + 3;
  Error.captureStackTrace(holder, schedulerTag);
  Error.stackTraceLimit = limit;
  const frames = (holder.stack ?? '').split('\n').slice(1).map((line) => line.trim().replace(/^at /, '').replace(/file:\/\/\S*?\/dist\//, '').replace(/:\d+\)?$/, '').replace(' (', ' '));
  // Drop push() and the clock API frame (setTimeout / setInterval / afterPendingIo).
  return frames.filter((f) => !/virtual-clock\.[jt]s/.test(f)).slice(0, depth).join(' < ');
}

/**
 * Events run per event-loop turn (see runTurn): the turn's fixed cost (an epoll call, ~5 µs)
 * was paid per event before; spare immediates of a turn with fewer events due cost ~0.1 µs.
 */
const EVENTS_PER_LOOP_TURN = 256;

/**
 * A cleared timer stays in the heap until due (a session's 20 s pong timer, cleared by the pong
 * 50 ms later): 73 % of the heap at 1,000 nodes × 70 s, each holding its closure (and through it
 * the session). When they are more than half of a heap this large it is rebuilt without them.
 */
const COMPACT_MIN_HEAP = 4096;

/** Key slots allocated at first (doubled as the heap grows). */
const INITIAL_HEAP_SLOTS = 1024;

/** Start of virtual time: a realistic epoch, so packet expiry (absolute seconds) behaves as on the internet. */
export const SIM_EPOCH_MS = Date.UTC(2026, 0, 1);

/**
 * A discrete-event scheduler that is also the Clock of every simulated node. Events run in
 * (time, insertion) order; after each one the microtask queue is drained before virtual time
 * moves on, so the production code's promise chains finish "at the same instant" as on a real,
 * idle event loop.
 */
export class VirtualClock implements Clock {
  /**
   * The pending timers as a 4-ary min-heap on (atMs, seq), with each slot's key also kept in two
   * typed arrays beside it: ordering reads only the keys, contiguous, never the Timer objects
   * scattered over a heap of gigabytes (at 10,000 nodes the binary heap of objects — ~20 levels,
   * two dereferences a level — was ~8 % of all CPU; a 4-ary heap is half as deep, and a slot's
   * four children share a cache line). (time, seq) is a total order, so the run order is the
   * same as with any other correct priority queue.
   */
  private heap: Timer[] = [];
  private keyAt = new Float64Array(INITIAL_HEAP_SLOTS);
  private keySeq = new Float64Array(INITIAL_HEAP_SLOTS);
  private seq = 0;
  /** Cleared timers still in the heap. */
  private clearedQueued = 0;
  private now = SIM_EPOCH_MS;
  eventsRun = 0;
  /** Set to count events by who scheduled them (see EventProfile). */
  profile: EventProfile | undefined;

  nowMs = (): number => this.now;

  /** Milliseconds of virtual time since the start of the run. */
  get elapsedMs(): number {
    return this.now - SIM_EPOCH_MS;
  }

  setTimeout(fn: () => void, delayMs: number): TimerHandle {
    return this.push(fn, Math.max(0, delayMs), undefined);
  }

  setInterval(fn: () => void, intervalMs: number): TimerHandle {
    return this.push(fn, Math.max(1, intervalMs), Math.max(1, intervalMs));
  }

  /** After every event already due at this instant (deliveries included), at the same virtual time. */
  afterPendingIo(fn: () => void): void {
    this.push(fn, 0, undefined);
  }

  clear(handle: TimerHandle | undefined): void {
    if (handle === undefined) return;
    const timer = handle as Timer;
    if (timer.cancelled) return;
    timer.cancelled = true;
    if (!timer.queued) return;
    this.clearedQueued++;
    if (this.heap.length >= COMPACT_MIN_HEAP && 2 * this.clearedQueued > this.heap.length) this.compact();
  }

  /** Runs every event due up to `untilElapsedMs` (virtual, since the start), then sets the clock there. */
  async runUntil(untilElapsedMs: number): Promise<void> {
    const until = SIM_EPOCH_MS + untilElapsedMs;
    while (this.nextDue(until) !== undefined) await this.runTurn(until);
    this.now = Math.max(this.now, until);
  }

  /**
   * Runs up to EVENTS_PER_LOOP_TURN due events, each in its own setImmediate callback. Node runs
   * every pending microtask and process.nextTick between two immediates, so each event's promise
   * chains still finish before the next event runs, as with one `await setImmediate` per event,
   * but the event loop turns (an epoll call each) once per batch instead of once per event.
   */
  private runTurn(until: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let failed = false;
      const step = (): void => {
        if (failed) return;
        try {
          this.runNext(until);
        } catch (err) {
          failed = true;
          reject(err);
        }
      };
      for (let i = 0; i < EVENTS_PER_LOOP_TURN; i++) setImmediate(step);
      setImmediate(resolve);
    });
  }

  /** The earliest live event due by `until` (cancelled ones on top are dropped). */
  private nextDue(until: number): Timer | undefined {
    for (;;) {
      const top = this.heap[0];
      if (top === undefined || top.atMs > until) return undefined;
      if (!top.cancelled) return top;
      this.clearedQueued--;
      this.pop();
    }
  }

  /** Runs the earliest event if one is due by `until` (a no-op otherwise). */
  private runNext(until: number): void {
    const top = this.nextDue(until);
    if (top === undefined) return;
    this.pop();
    this.now = top.atMs;
    if (top.intervalMs !== undefined) {
      top.atMs += top.intervalMs;
      this.insert(top);
    }
    this.eventsRun++;
    const profile = this.profile;
    if (profile !== undefined && top.tag !== undefined) {
      const at = this.now - SIM_EPOCH_MS;
      if (at >= profile.fromElapsedMs && at < profile.toElapsedMs) profile.counts.set(top.tag, (profile.counts.get(top.tag) ?? 0) + 1);
    }
    top.fn();
  }

  get pending(): number {
    return this.heap.length;
  }

  private push(fn: () => void, delayMs: number, intervalMs: number | undefined): Timer {
    const profile = this.profile;
    const tag = profile === undefined || this.now - SIM_EPOCH_MS + delayMs >= profile.toElapsedMs ? undefined : schedulerTag(profile.depth);
    const timer: Timer = { atMs: this.now + delayMs, seq: this.seq++, fn, intervalMs, cancelled: false, queued: false, tag };
    this.insert(timer);
    return timer;
  }

  /** Drops every cleared timer and restores the heap order ((time, seq) is total: the run order does not change). */
  private compact(): void {
    const h = this.heap;
    const { keyAt, keySeq } = this;
    let kept = 0;
    for (const timer of h) {
      if (timer.cancelled) {
        timer.queued = false;
        continue;
      }
      h[kept] = timer;
      keyAt[kept] = timer.atMs;
      keySeq[kept] = timer.seq;
      kept++;
    }
    h.length = kept;
    this.clearedQueued = 0;
    for (let i = (kept - 2) >> 2; i >= 0; i--) this.siftDown(i, h[i]!);
  }

  private insert(timer: Timer): void {
    const h = this.heap;
    timer.queued = true;
    let i = h.length;
    h.push(timer);
    if (i >= this.keyAt.length) this.growKeys();
    const { keyAt, keySeq } = this;
    const at = timer.atMs;
    const seq = timer.seq;
    // A hole moves up from the end: each parent that sorts after the timer moves down into it.
    while (i > 0) {
      const parent = (i - 1) >> 2;
      const parentAt = keyAt[parent]!;
      if (!(at < parentAt || (at === parentAt && seq < keySeq[parent]!))) break;
      h[i] = h[parent]!;
      keyAt[i] = parentAt;
      keySeq[i] = keySeq[parent]!;
      i = parent;
    }
    h[i] = timer;
    keyAt[i] = at;
    keySeq[i] = seq;
  }

  private pop(): void {
    const h = this.heap;
    const top = h[0];
    if (top !== undefined) top.queued = false;
    const last = h.pop();
    if (last === undefined || h.length === 0) return;
    this.siftDown(0, last);
  }

  /** Puts `timer` (keys: its atMs and seq) at slot `start` or below, moving smaller children up. */
  private siftDown(start: number, timer: Timer): void {
    const h = this.heap;
    const { keyAt, keySeq } = this;
    const n = h.length;
    const at = timer.atMs;
    const seq = timer.seq;
    let i = start;
    for (;;) {
      const first = 4 * i + 1;
      if (first >= n) break;
      let min = first;
      let minAt = keyAt[first]!;
      let minSeq = keySeq[first]!;
      const end = Math.min(first + 4, n);
      for (let c = first + 1; c < end; c++) {
        const cAt = keyAt[c]!;
        if (cAt < minAt || (cAt === minAt && keySeq[c]! < minSeq)) {
          min = c;
          minAt = cAt;
          minSeq = keySeq[c]!;
        }
      }
      if (!(minAt < at || (minAt === at && minSeq < seq))) break;
      h[i] = h[min]!;
      keyAt[i] = minAt;
      keySeq[i] = minSeq;
      i = min;
    }
    h[i] = timer;
    keyAt[i] = at;
    keySeq[i] = seq;
  }

  private growKeys(): void {
    const keyAt = new Float64Array(2 * this.keyAt.length);
    keyAt.set(this.keyAt);
    this.keyAt = keyAt;
    const keySeq = new Float64Array(2 * this.keySeq.length);
    keySeq.set(this.keySeq);
    this.keySeq = keySeq;
  }
}
