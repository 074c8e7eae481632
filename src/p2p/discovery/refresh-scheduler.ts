import { type Clock, SYSTEM_CLOCK, type TimerHandle } from '../../util/clock.js';
import { errorMessage } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import type { DiscoveredNode } from '../types.js';
import { INITIAL_RANDOM_LOOKUPS, SEED_LOOKUP_SPACING_MS, THIN_TABLE_RETRY_JITTER } from './constants.js';
import { RefreshBackoff, missingBootstrap, pickRefreshTarget } from './maintenance.js';
import type { NodeTable } from './node-table.js';
import { CRYPTO_RANDOM, type RandomSource } from './random-source.js';
import type { DiscoveryTiming } from './service-options.js';
import type { Remote } from './transport.js';

export interface RefreshSchedulerDeps {
  readonly selfId: Buffer;
  readonly table: NodeTable;
  readonly timing: Pick<DiscoveryTiming, 'thinTableRetryMinMs' | 'refreshIntervalMs'> & Partial<Pick<DiscoveryTiming, 'seedLookupSpacingMs'>>;
  readonly nowMs: () => number;
  /** Timers (the system clock unless a simulation injects a virtual one). */
  readonly clock?: Clock;
  /** Refresh targets and retry jitter (the OS CSPRNG unless a simulation injects a seeded source). */
  readonly random?: RandomSource;
  /** The service's logger (lookup lines stay under the discovery component). */
  readonly log: Logger;
  /** Nothing is scheduled or started unless the service is running. */
  isRunning(): boolean;
  /** Bootstrap addresses as resolved at start (read each time: they resolve after construction). */
  bootstrapRemotes(): readonly Remote[];
  /** The service's ping (deduplicated per address). */
  ping(remote: Remote): Promise<boolean>;
  /** The service's iterative lookup. */
  lookup(target: Buffer): Promise<DiscoveredNode[]>;
  /**
   * A refresh ended (the first one is the self-lookup): inbound contacts may enter from then on.
   * Not only after the INITIAL_RANDOM_LOOKUPS seeding lookups as before: those took ~20–30 s in
   * the simulator (lookups take seconds on internet latencies), and the nodes that joined near us
   * meanwhile and pinged us were refused, never contacted us again (their refreshes look at random
   * targets) and stayed unknown to their own neighbourhood: most failed lookups for a live public
   * node (docs/scale.md defect 6) were for such a node, none of whose nearest nodes knew it. The
   * far buckets, where the seeding lookups fill in nodes we found, stay closed to inbound contacts
   * by NodeTable.inboundPlaces once the self-lookup has found our neighbourhood.
   */
  refreshed?(): void;
}

/**
 * The table's upkeep lookups on one self-rescheduling timer: the refresh interval while the table
 * holds at least k nodes, a backing-off retry (with bootstrap re-pings) while it is thin, and a
 * retry brought forward when a removal makes it thin.
 */
export class RefreshScheduler {
  private readonly backoff: RefreshBackoff;
  private readonly clock: Clock;
  private readonly random: RandomSource;
  private refreshing = false;
  /** Seeding lookups still to run, one per refresh tick (undefined: the table has not left thin yet). */
  private seedLookupsLeft: number | undefined;
  private timer: TimerHandle | undefined;
  private dueMs = 0;

  constructor(private readonly deps: RefreshSchedulerDeps) {
    this.clock = deps.clock ?? SYSTEM_CLOCK;
    this.random = deps.random ?? CRYPTO_RANDOM;
    this.backoff = new RefreshBackoff(deps.timing.thinTableRetryMinMs, deps.timing.refreshIntervalMs, undefined, this.random.fraction);
  }

  /** The service started: the first refresh comes after a thin retry's delay. */
  start(): void {
    this.schedule(this.backoff.thinRetryMs);
  }

  stop(): void {
    this.clock.clear(this.timer);
  }

  /** A node entered the table: once it is no longer thin, a later shrink retries from the shortest delay. */
  nodeAdded(): void {
    if (!this.isThin()) this.backoff.reset();
  }

  /** A node left the table. After the current task: an eviction re-fills the place right after the removal. */
  nodeRemoved(): void {
    queueMicrotask(() => this.retrySoonIfThin());
  }

  /**
   * Random-target lookup in a bucket range that can hold nodes; while the table is thin, a
   * self-lookup after re-bonding with bootstrap nodes missing from the table. One at a time
   * (a refresh already running makes this a no-op); each schedules the next: backing off while
   * the table stays thin, the refresh interval once it is not.
   */
  async refresh(): Promise<void> {
    if (this.refreshing || !this.deps.isRunning()) return;
    this.refreshing = true;
    let worked = false;
    try {
      const thin = this.isThin();
      if (thin) worked = await this.rebondBootstrap();
      if (this.deps.table.size > 0 && this.deps.isRunning()) {
        worked = true;
        const seeding = this.isSeeding();
        await this.runLookup(thin ? this.deps.selfId : pickRefreshTarget(this.deps.selfId, this.deps.table, this.random), thin ? 'self' : seeding ? 'seed' : 'refresh');
        // Our first lookups fill the far buckets with nodes we found before inbound contacts may
        // enter; one per tick, SEED_LOOKUP_SPACING_MS apart (a network that starts together does
        // not run them all at once).
        if (seeding && !thin) this.seedLookupsLeft = (this.seedLookupsLeft ?? 1) - 1;
        else if (this.seedLookupsLeft === undefined && !this.isThin()) this.seedLookupsLeft = INITIAL_RANDOM_LOOKUPS;
      }
    } finally {
      this.refreshing = false;
      this.deps.refreshed?.();
      if (this.isSeeding()) {
        this.schedule(Math.round((this.deps.timing.seedLookupSpacingMs ?? SEED_LOOKUP_SPACING_MS) * (1 - THIN_TABLE_RETRY_JITTER * this.random.fraction())));
      } else {
        this.schedule(this.backoff.next(this.isThin(), worked));
      }
    }
  }

  private isSeeding(): boolean {
    return this.seedLookupsLeft !== undefined && this.seedLookupsLeft > 0;
  }

  private isThin(): boolean {
    return this.deps.table.isThin();
  }

  private async runLookup(target: Buffer, why: string): Promise<void> {
    const startedMs = this.deps.nowMs();
    try {
      const found = await this.deps.lookup(target);
      this.deps.log.debug({ why, found: found.length, tableSize: this.deps.table.size, ms: this.deps.nowMs() - startedMs }, 'lookup done');
    } catch (err) {
      this.deps.log.warn({ why, err: errorMessage(err) }, 'lookup failed');
    }
  }

  /** Pings the bootstrap nodes the table lacks; waits for them only when nobody else could be asked. Whether it pinged any. */
  private async rebondBootstrap(): Promise<boolean> {
    const missing = missingBootstrap(this.deps.bootstrapRemotes(), this.deps.table.all());
    const answers = missing.map((remote) => this.deps.ping(remote));
    if (this.deps.table.size === 0) await Promise.all(answers);
    return missing.length > 0;
  }

  /** One timer for refresh (its delay changes, so not setInterval); replaces the pending one. */
  private schedule(delayMs: number): void {
    this.clock.clear(this.timer);
    if (!this.deps.isRunning()) return;
    this.dueMs = this.deps.nowMs() + delayMs;
    this.timer = this.clock.setTimeout(() => void this.refresh(), delayMs);
  }

  /** The table shrank: if it is thin now and the next refresh is further off than a thin retry, bring it forward. */
  private retrySoonIfThin(): void {
    if (!this.deps.isRunning() || this.refreshing || !this.isThin()) return;
    const delayMs = this.backoff.thinRetryMs;
    if (this.dueMs - this.deps.nowMs() > delayMs) this.schedule(delayMs);
  }
}
