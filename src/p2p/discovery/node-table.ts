import type { DiscoveredNode } from '../types.js';
import type { AddressClassifier } from '../netgroup.js';
import { ENDPOINT_INDEX_SLACK, K_BUCKET_SIZE, MAX_ENTRIES_PER_SOURCE, MAX_INBOUND_PER_BUCKET, MAX_NODE_FAILURES } from './constants.js';
import type { Endpoint } from './endpoint.js';
import { FOUND, type EntryOrigin, type Introduction } from './introduction.js';
import { NetgroupLimits, type NetgroupBounds } from './netgroup-limits.js';
import { type AddResult, RoutingTable } from './routing-table.js';

/** A routing-table entry: a node that proved its endpoint, plus liveness bookkeeping. */
export interface TableEntry extends DiscoveredNode {
  /** Discovery always knows it (the signed ping carried it). */
  readonly publicKey: Buffer;
  /** Same buffer as nodeId (RoutingTable keys on `id`). */
  readonly id: Buffer;
  lastSeenMs: number;
  /** Consecutive unanswered pings / find-nodes; reset by any pong. */
  failures: number;
  /** How it entered the table, kept for the entry's life: a later ping does not change how we came to know it. */
  readonly origin: EntryOrigin;
  /** The node whose neighbours answer named it (hex id), if that is how we found it. */
  readonly source?: string;
}

export interface NodeTableOptions {
  readonly selfId: Buffer;
  readonly bucketSize?: number;
  readonly maxFailures?: number;
  /** Inbound entries one bucket may hold (MAX_INBOUND_PER_BUCKET, scaled to bucketSize). */
  readonly maxInboundPerBucket?: number;
  /** Entries one node's neighbours answers may introduce (MAX_ENTRIES_PER_SOURCE, scaled to bucketSize). */
  readonly maxPerSource?: number;
  /** Entries of one netgroup per bucket and per table (MAX_BUCKET_ / MAX_TABLE_ENTRIES_PER_NETGROUP). */
  readonly maxPerNetgroup?: NetgroupBounds;
  /** Which addresses are public, hence limited per netgroup (tests call 127.0.0.x public). */
  readonly classify?: AddressClassifier;
  readonly nowMs: () => number;
  /** Pings a node; resolves whether it answered in time (its pong comes back through `verified`). */
  ping(entry: TableEntry): Promise<boolean>;
  /** A node entered the table, or its endpoint changed. */
  onAdded(entry: TableEntry): void;
  onRemoved(entry: TableEntry): void;
}

/**
 * The entry's key and id in one small buffer of its own. A decoded packet's key is a 33-byte
 * slice of Node's shared 8 KB Buffer pool slab, and a table entry outlives the packet: each entry
 * kept a whole slab alive (~8 KB per entry, ~200 KB per node in the 1,000-node simulation,
 * docs/scale.md). One allocation for both also saves the id's own ArrayBuffer (~250 bytes of
 * bookkeeping per entry).
 */
function ownKeyAndId(publicKey: Buffer, nodeId: Buffer): { readonly publicKey: Buffer; readonly nodeId: Buffer } {
  const out = Buffer.allocUnsafeSlow(publicKey.length + nodeId.length);
  publicKey.copy(out, 0);
  nodeId.copy(out, publicKey.length);
  return { publicKey: out.subarray(0, publicKey.length), nodeId: out.subarray(publicKey.length) };
}

function pickIntro(intro: Introduction): Introduction {
  return intro.source === undefined ? { origin: intro.origin } : { origin: intro.origin, source: intro.source };
}

function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  return a.ip === b.ip && a.udpPort === b.udpPort && a.tcpPort === b.tcpPort;
}

/**
 * The routing table with discv4's admission rules: only endpoint-proven nodes get in; when a
 * bucket is full its least-recently-seen entry is pinged and replaced only if it does not answer
 * (long-lived nodes win, which resists flooding); entries that keep failing are removed.
 * Against eclipse attempts (docs/protocol.md "Table admission"): nodes that contacted us
 * unsolicited are not admitted before our own first refresh has seeded the table, hold at most
 * maxInboundPerBucket places of a bucket, and give their place to a node we found ourselves when
 * the bucket is full.
 */
export class NodeTable {
  private readonly table: RoutingTable<TableEntry>;
  /** Buckets with an eviction ping in flight: one check at a time, newcomers meanwhile are dropped. */
  private readonly checking = new Set<number>();
  private readonly maxFailures: number;
  private readonly maxInboundPerBucket: number;
  private readonly maxPerSource: number;
  private readonly netgroups: NetgroupLimits;
  /** False until openInbound(): the table is seeded by our own lookup before strangers get in. */
  private inboundOpen = false;
  /** False for a node without bootstrap nodes: inbound contacts are all it has (openInbound). */
  private inboundCapped = true;
  /**
   * "ip:udpPort" → the node id last verified there. One UDP socket is one node: when another id
   * proves that endpoint (a node restarted with a new key, or a NAT gave the port to another
   * host), the old entry is dead and would only waste lookups and dials. Checked against the
   * table on use, so a stale key costs nothing but its bytes; rebuilt when it outgrows the table.
   */
  private readonly byEndpoint = new Map<string, Buffer>();

  constructor(private readonly options: NodeTableOptions) {
    this.table = new RoutingTable<TableEntry>(options.selfId, options.bucketSize ?? K_BUCKET_SIZE);
    this.maxFailures = options.maxFailures ?? MAX_NODE_FAILURES;
    const bucketSize = options.bucketSize ?? K_BUCKET_SIZE;
    this.maxInboundPerBucket = options.maxInboundPerBucket ?? Math.max(1, Math.floor((MAX_INBOUND_PER_BUCKET * bucketSize) / K_BUCKET_SIZE));
    this.maxPerSource = options.maxPerSource ?? Math.max(1, Math.floor((MAX_ENTRIES_PER_SOURCE * bucketSize) / K_BUCKET_SIZE));
    this.netgroups = new NetgroupLimits(options.maxPerNetgroup, options.classify);
  }

  /** Entries of the table in this address's public netgroup (0 for loopback and private addresses). */
  entriesInNetgroup(ip: string): number {
    return this.netgroups.count(ip);
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

  get size(): number {
    return this.table.size;
  }

  get bucketSize(): number {
    return this.table.bucketSize;
  }

  get(nodeId: Buffer): TableEntry | undefined {
    return this.table.get(nodeId);
  }

  closest(target: Buffer, n: number): TableEntry[] {
    return this.table.closest(target, n);
  }

  /**
   * Where our own lookups start: the n closest entries we found ourselves, topped up with inbound
   * ones only if there are fewer. Anyone can ping their way into an inbound place; they must not
   * also steer our lookups (whose answers fill the table).
   */
  lookupSeeds(target: Buffer, n: number): TableEntry[] {
    const sorted = this.table.closest(target, Number.MAX_SAFE_INTEGER);
    const found = sorted.filter((e) => e.origin === 'found').slice(0, n);
    return found.length >= n ? found : [...found, ...sorted.filter((e) => e.origin === 'inbound').slice(0, n - found.length)];
  }

  all(): TableEntry[] {
    return this.table.all();
  }

  bucketIndexOf(nodeId: Buffer): number {
    return this.table.bucketIndexOf(nodeId);
  }

  bucket(index: number): TableEntry[] {
    return this.table.bucket(index);
  }

  /**
   * Fewer verified entries than k: less than one find-node answer's worth, so the peer set may
   * lack candidates (THIN_TABLE_RETRY_MIN_MS says why k).
   */
  isThin(): boolean {
    return this.table.size < this.table.bucketSize;
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

  /**
   * The node answered our ping from `endpoint` (ip and UDP port as seen, TCP port as advertised).
   * `intro` says how it came to our attention; a known entry keeps its own.
   */
  verified(nodeId: Buffer, publicKey: Buffer, endpoint: Endpoint, intro: Introduction = FOUND): void {
    if (nodeId.equals(this.options.selfId)) return;
    const existing = this.table.get(nodeId);
    const sameKey = existing !== undefined && existing.publicKey.equals(publicKey);
    const own = sameKey ? existing : ownKeyAndId(publicKey, nodeId);
    this.dropOtherAt(endpoint, own.nodeId);
    if (sameKey && sameEndpoint(existing.endpoint, endpoint)) {
      // The common case, a known node's pong: the entry itself is refreshed and moved to its
      // bucket's tail. A fresh record per pong (as below) would be garbage that the long-lived
      // bucket keeps just long enough to be promoted, and an old-to-new pointer per pong.
      existing.lastSeenMs = this.options.nowMs();
      existing.failures = 0;
      this.table.add(existing);
      return;
    }
    const entry: TableEntry = { id: own.nodeId, nodeId: own.nodeId, publicKey: own.publicKey, endpoint, lastSeenMs: this.options.nowMs(), failures: 0, ...pickIntro(existing ?? intro) };
    if (existing === undefined && !this.netgroups.hasRoom(endpoint.ip, this.table.bucket(this.table.bucketIndexOf(nodeId)))) return;
    if (existing === undefined && !this.admits(entry)) {
      // At its bucket's inbound bound: it may still take the place of an inbound entry that died.
      const oldestInbound = this.inboundOpen && entry.origin === 'inbound' ? this.oldestInbound(this.table.bucketIndexOf(nodeId)) : undefined;
      if (oldestInbound !== undefined) void this.checkOldest(this.table.bucketIndexOf(nodeId), oldestInbound, entry);
      return;
    }
    const result = this.put(entry);
    if (result === 'added' || (result === 'updated' && existing !== undefined && !sameEndpoint(existing.endpoint, endpoint))) {
      this.options.onAdded(entry);
    } else if (typeof result === 'object') {
      const index = this.table.bucketIndexOf(nodeId);
      if (entry.origin === 'found' && this.displaceInbound(index, entry)) return;
      void this.checkOldest(index, result.full, entry);
    }
  }

  /**
   * The node's own signed ping advertised no TCP endpoint (nobody can dial it: behind a NAT). Like
   * a client-mode node in libp2p's kad-dht it may query us but is not a server: not kept, so not
   * in our neighbours answers, lookups or dials. Only its own ping says so (the caller checks).
   */
  client(nodeId: Buffer): void {
    const entry = this.table.get(nodeId);
    if (entry !== undefined) this.remove(entry);
  }

  /** Learned a better TCP port for a table entry (its signed ping, or a neighbours entry when we had none). */
  updateTcpPort(nodeId: Buffer, tcpPort: number): void {
    const entry = this.table.get(nodeId);
    if (entry === undefined || entry.endpoint.tcpPort === tcpPort) return;
    const updated: TableEntry = { ...entry, endpoint: { ...entry.endpoint, tcpPort } };
    this.put(updated);
    this.options.onAdded(updated);
  }

  /** The entry at this address answered after all (a late reply): its failures start over. */
  answered(nodeId: Buffer, ip: string, udpPort: number): void {
    const entry = this.table.get(nodeId);
    if (entry === undefined || entry.endpoint.ip !== ip || entry.endpoint.udpPort !== udpPort) return;
    entry.failures = 0;
    entry.lastSeenMs = this.options.nowMs();
  }

  /** A ping or find-node to this node went unanswered. */
  failed(nodeId: Buffer): void {
    const entry = this.table.get(nodeId);
    if (entry === undefined) return;
    entry.failures++;
    if (entry.failures >= this.maxFailures) this.remove(entry);
  }

  remove(entry: TableEntry): void {
    const current = this.table.get(entry.id);
    if (current === undefined || !this.table.remove(entry.id)) return;
    this.netgroups.removed(current.endpoint.ip);
    this.options.onRemoved(entry);
  }

  /** Whether a node not in the table may take a place (or compete for one) in its bucket. */
  private admits(entry: TableEntry): boolean {
    if (entry.origin === 'found') return entry.source === undefined || this.fromSource(entry.source) < this.maxPerSource;
    const index = this.table.bucketIndexOf(entry.id);
    return this.inboundOpen && this.inboundInBucket(index) < this.inboundPlaces(index);
  }

  private oldestInbound(index: number): TableEntry | undefined {
    return this.table.bucket(index).find((e) => e.origin === 'inbound');
  }

  /** A found newcomer to a full bucket takes the place of its least-recently-seen inbound entry, if it has one. */
  private displaceInbound(index: number, newcomer: TableEntry): boolean {
    const inbound = this.oldestInbound(index);
    if (inbound === undefined) return false;
    this.remove(inbound);
    if (this.put(newcomer) === 'added') this.options.onAdded(newcomer);
    return true;
  }

  /** RoutingTable.add, keeping the netgroup counts. */
  private put(entry: TableEntry): AddResult<TableEntry> {
    const before = this.table.get(entry.id);
    const result = this.table.add(entry);
    if (result === 'added') {
      this.netgroups.added(entry.endpoint.ip);
    } else if (result === 'updated' && before !== undefined && before.endpoint.ip !== entry.endpoint.ip) {
      this.netgroups.removed(before.endpoint.ip);
      this.netgroups.added(entry.endpoint.ip);
    }
    return result;
  }

  /** Removes the entry of another node id at `endpoint`'s ip and UDP port, and indexes `nodeId` there. */
  private dropOtherAt(endpoint: Endpoint, nodeId: Buffer): void {
    const key = `${endpoint.ip}:${endpoint.udpPort}`;
    const other = this.byEndpoint.get(key);
    // Indexed there already (every pong of a known node): storing the fresh key string again
    // would only hand the long-lived map a young object.
    if (other !== undefined && other.equals(nodeId)) return;
    if (other !== undefined) {
      const entry = this.table.get(other);
      if (entry !== undefined && entry.endpoint.ip === endpoint.ip && entry.endpoint.udpPort === endpoint.udpPort) this.remove(entry);
    }
    this.byEndpoint.set(key, nodeId);
    if (this.byEndpoint.size > ENDPOINT_INDEX_SLACK * (this.table.size + 1)) {
      this.byEndpoint.clear();
      for (const e of this.table.all()) this.byEndpoint.set(`${e.endpoint.ip}:${e.endpoint.udpPort}`, e.id);
      this.byEndpoint.set(key, nodeId);
    }
  }

  private async checkOldest(index: number, oldest: TableEntry, newcomer: TableEntry): Promise<void> {
    if (this.checking.has(index)) return;
    this.checking.add(index);
    let answered: boolean;
    try {
      answered = await this.options.ping(oldest);
    } finally {
      this.checking.delete(index);
    }
    if (answered) return; // its pong moved it to the bucket's tail; the newcomer is dropped
    const current = this.table.get(oldest.id);
    if (current !== undefined) this.remove(current);
    if (this.table.get(newcomer.id) !== undefined || !this.admits(newcomer)) return;
    if (this.netgroups.hasRoom(newcomer.endpoint.ip, this.table.bucket(index)) && this.put(newcomer) === 'added') this.options.onAdded(newcomer);
  }
}
