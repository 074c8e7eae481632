import { K_BUCKET_SIZE, MAX_ENTRIES_PER_SOURCE, MAX_INBOUND_PER_BUCKET } from './constants.js';
import type { RoutingTable } from './routing-table.js';
import type { TableEntry } from './table-entry.js';

export interface TableAdmissionBounds {
  /** Inbound entries one bucket may hold (MAX_INBOUND_PER_BUCKET, scaled to bucketSize). */
  readonly maxInboundPerBucket?: number;
  /** Entries one node's neighbours answers may introduce (MAX_ENTRIES_PER_SOURCE, scaled to bucketSize). */
  readonly maxPerSource?: number;
}

/**
 * Who may take a place in the routing table, against eclipse attempts (docs/protocol.md "Table
 * admission"): nodes that contacted us unsolicited are not admitted before our own first refresh
 * has seeded the table and hold at most maxInboundPerBucket places of a bucket (none of a far
 * one); the nodes that one node's neighbours answers named hold at most maxPerSource places.
 * NodeTable asks; the table's bookkeeping (eviction checks, netgroups) stays there.
 */
export class TableAdmission {
  private readonly maxInboundPerBucket: number;
  private readonly maxPerSource: number;
  /** False until openInbound(): the table is seeded by our own lookup before strangers get in. */
  private inboundOpen = false;
  /** False for a node without bootstrap nodes: inbound contacts are all it has (openInbound). */
  private inboundCapped = true;

  constructor(
    private readonly table: RoutingTable<TableEntry>,
    bounds: TableAdmissionBounds,
  ) {
    const bucketSize = table.bucketSize;
    this.maxInboundPerBucket = bounds.maxInboundPerBucket ?? Math.max(1, Math.floor((MAX_INBOUND_PER_BUCKET * bucketSize) / K_BUCKET_SIZE));
    this.maxPerSource = bounds.maxPerSource ?? Math.max(1, Math.floor((MAX_ENTRIES_PER_SOURCE * bucketSize) / K_BUCKET_SIZE));
  }

  /** Whether inbound contacts may enter at all (openInbound() has been called). */
  get isInboundOpen(): boolean {
    return this.inboundOpen;
  }

  /**
   * Our seeding lookups have run (or there is nothing to seed from): inbound contacts may enter
   * from now on. `capped: false` for a node without bootstrap nodes (a bootstrap node itself):
   * inbound contacts are all it can fill its table from, so they take any free place.
   */
  openInbound(capped = true): void {
    this.inboundOpen = true;
    if (!capped) this.inboundCapped = false;
  }

  /**
   * Fewer verified entries than k: less than one find-node answer's worth, so the peer set may
   * lack candidates (THIN_TABLE_RETRY_MIN_MS says why k).
   */
  isThin(): boolean {
    return this.table.size < this.table.bucketSize;
  }

  /**
   * Inbound places of bucket `index`: none in a far bucket — one with at least k entries in the
   * buckets below it: bucket b spans as many ids as all closer buckets together, so it holds at
   * least that many nodes, which our lookups find — maxInboundPerBucket in the others; any free
   * place while the table is thin. (Counting entries, not taking the deepest non-empty bucket +
   * log2 k: one unusually close node made most buckets "far", and lookups for new nodes failed;
   * k/2 entries below also cut lookup success under 85 % in the 1,000-node CI run.)
   */
  inboundPlaces(index: number): number {
    if (!this.inboundCapped || this.isThin()) return this.table.bucketSize;
    let closer = 0;
    const farAt = this.table.bucketSize;
    for (let b = 0; b < index && closer < farAt; b++) closer += this.table.bucketLength(b);
    return closer >= farAt ? 0 : this.maxInboundPerBucket;
  }

  /** Entries that the neighbours answers of node `source` (hex id) introduced. */
  fromSource(source: string): number {
    let n = 0;
    for (const e of this.table.all()) if (e.source === source) n++;
    return n;
  }

  /** Entries of bucket `index` that entered by contacting us. */
  inboundInBucket(index: number): number {
    return this.table.bucket(index).filter((e) => e.origin === 'inbound').length;
  }

  /** The least-recently-seen inbound entry of bucket `index`: the one a node we found would displace. */
  oldestInbound(index: number): TableEntry | undefined {
    return this.table.bucket(index).find((e) => e.origin === 'inbound');
  }

  /**
   * Whether a node we find (not inbound) with this id would get a place in its bucket without a
   * liveness check: the bucket has a free place, or an inbound entry it would displace.
   */
  hasRoomFor(nodeId: Buffer): boolean {
    const index = this.table.bucketIndexOf(nodeId);
    return index >= 0 && this.table.bucketLength(index) - this.inboundInBucket(index) < this.table.bucketSize;
  }

  /**
   * Whether a node that contacted us may be admitted once it proves its endpoint: it is an entry
   * already, or the table is open to inbound contacts. Before our self-lookup has ended no inbound
   * contact gets a place, so bonding back with it (a ping and its pong) then buys nothing unasked.
   * (Far buckets, closed to inbound contacts too, are not counted here: leaving them out as well
   * changed lookups and the eclipse figures of the 1,000-node simulation, docs/scale.md round 5.)
   */
  mayAdmitInbound(nodeId: Buffer): boolean {
    return this.inboundOpen || this.table.get(nodeId) !== undefined;
  }

  /** How many more entries the neighbours answers of `sourceId` may introduce. */
  roomForSource(sourceId: Buffer): number {
    return Math.max(0, this.maxPerSource - this.fromSource(sourceId.toString('hex')));
  }

  /** Whether a node not in the table may take a place (or compete for one) in its bucket. */
  admits(entry: TableEntry): boolean {
    if (entry.origin === 'found') return entry.source === undefined || this.fromSource(entry.source) < this.maxPerSource;
    const index = this.table.bucketIndexOf(entry.id);
    return this.inboundOpen && this.inboundInBucket(index) < this.inboundPlaces(index);
  }
}
