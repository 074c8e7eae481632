import type { AddressClassifier } from '../netgroup.js';
import { K_BUCKET_SIZE, MAX_NODE_FAILURES } from './constants.js';
import type { Endpoint } from './endpoint.js';
import { EndpointIndex } from './endpoint-index.js';
import { FOUND, type Introduction } from './introduction.js';
import { NetgroupLimits, type NetgroupBounds } from './netgroup-limits.js';
import { type AddResult, RoutingTable } from './routing-table.js';
import { TableAdmission, type TableAdmissionBounds } from './table-admission.js';
import { type TableEntry, ownKeyAndId, pickIntro, sameEndpoint } from './table-entry.js';

export interface NodeTableOptions extends TableAdmissionBounds {
  readonly selfId: Buffer;
  readonly bucketSize?: number;
  readonly maxFailures?: number;
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
 * The routing table with discv4's admission rules: only endpoint-proven nodes get in; when a
 * bucket is full its least-recently-seen entry is pinged and replaced only if it does not answer
 * (long-lived nodes win, which resists flooding); entries that keep failing are removed.
 * Against eclipse attempts (docs/protocol.md "Table admission") TableAdmission decides who may
 * take a place: nodes that contacted us unsolicited are not admitted before our own first refresh
 * has seeded the table and hold at most maxInboundPerBucket places of a bucket; here they give
 * their place to a node we found ourselves when the bucket is full. One node per UDP endpoint
 * (EndpointIndex); a bounded share per public netgroup (NetgroupLimits).
 */
export class NodeTable {
  private readonly table: RoutingTable<TableEntry>;
  /** Buckets with an eviction ping in flight: one check at a time, newcomers meanwhile are dropped. */
  private readonly checking = new Set<number>();
  private readonly maxFailures: number;
  private readonly netgroups: NetgroupLimits;
  private readonly admission: TableAdmission;
  private readonly byEndpoint: EndpointIndex;

  constructor(private readonly options: NodeTableOptions) {
    this.table = new RoutingTable<TableEntry>(options.selfId, options.bucketSize ?? K_BUCKET_SIZE);
    this.maxFailures = options.maxFailures ?? MAX_NODE_FAILURES;
    this.admission = new TableAdmission(this.table, options);
    this.netgroups = new NetgroupLimits(options.maxPerNetgroup, options.classify);
    this.byEndpoint = new EndpointIndex(this.table, (entry) => this.remove(entry));
  }

  /** Entries of the table in this address's public netgroup (0 for loopback and private addresses). */
  entriesInNetgroup(ip: string): number {
    return this.netgroups.count(ip);
  }

  /** TableAdmission.openInbound: our seeding lookups have run, inbound contacts may enter. */
  openInbound(capped = true): void {
    this.admission.openInbound(capped);
  }

  /** TableAdmission.inboundPlaces: the places of bucket `index` open to inbound contacts. */
  inboundPlaces(index: number): number {
    return this.admission.inboundPlaces(index);
  }

  /** Entries of bucket `index` that entered by contacting us. */
  inboundInBucket(index: number): number {
    return this.admission.inboundInBucket(index);
  }

  /** Fewer verified entries than k (TableAdmission.isThin). */
  isThin(): boolean {
    return this.admission.isThin();
  }

  /** TableAdmission.hasRoomFor: a node we find with this id would get a place without a liveness check. */
  hasRoomFor(nodeId: Buffer): boolean {
    return this.admission.hasRoomFor(nodeId);
  }

  /** TableAdmission.mayAdmitInbound: a node that contacted us may be admitted once it proves its endpoint. */
  mayAdmitInbound(nodeId: Buffer): boolean {
    return this.admission.mayAdmitInbound(nodeId);
  }

  /** How many more entries the neighbours answers of `sourceId` may introduce. */
  roomForSource(sourceId: Buffer): number {
    return this.admission.roomForSource(sourceId);
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
   * The node answered our ping from `endpoint` (ip and UDP port as seen, TCP port as advertised).
   * `intro` says how it came to our attention; a known entry keeps its own.
   */
  verified(nodeId: Buffer, publicKey: Buffer, endpoint: Endpoint, intro: Introduction = FOUND): void {
    if (nodeId.equals(this.options.selfId)) return;
    const existing = this.table.get(nodeId);
    const sameKey = existing !== undefined && existing.publicKey.equals(publicKey);
    if (sameKey && !sameEndpoint(existing.endpoint, endpoint) && existing.failures === 0) {
      // A live entry does not move on a pong from elsewhere: packets are not bound to addresses, so
      // a stranger can relay our ping-back to the node and its pong back to us from its own address,
      // and then let the entry fail there. A node that really moved stops answering at the old
      // endpoint; once a ping there goes unanswered (failures > 0), the new one is taken.
      return;
    }
    const own = sameKey ? existing : ownKeyAndId(publicKey, nodeId);
    this.byEndpoint.claim(endpoint, own.nodeId);
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
    if (existing === undefined && !this.admission.admits(entry)) {
      // At its bucket's inbound bound: it may still take the place of an inbound entry that died.
      const oldestInbound = this.admission.isInboundOpen && entry.origin === 'inbound' ? this.admission.oldestInbound(this.table.bucketIndexOf(nodeId)) : undefined;
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

  /**
   * A ping or find-node to this node at this address went unanswered. Silence at another address is
   * no failure of the entry: anyone can send on a node's signed ping from their own address, and
   * the ping-back it earns there expects that node (as answered() matches the address too).
   */
  failed(nodeId: Buffer, ip: string, udpPort: number): void {
    const entry = this.table.get(nodeId);
    if (entry === undefined || entry.endpoint.ip !== ip || entry.endpoint.udpPort !== udpPort) return;
    entry.failures++;
    if (entry.failures >= this.maxFailures) this.remove(entry);
  }

  remove(entry: TableEntry): void {
    const current = this.table.get(entry.id);
    if (current === undefined || !this.table.remove(entry.id)) return;
    this.netgroups.removed(current.endpoint.ip);
    this.options.onRemoved(entry);
  }

  /** A found newcomer to a full bucket takes the place of its least-recently-seen inbound entry, if it has one. */
  private displaceInbound(index: number, newcomer: TableEntry): boolean {
    const inbound = this.admission.oldestInbound(index);
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
    if (this.table.get(newcomer.id) !== undefined || !this.admission.admits(newcomer)) return;
    if (this.netgroups.hasRoom(newcomer.endpoint.ip, this.table.bucket(index)) && this.put(newcomer) === 'added') this.options.onAdded(newcomer);
  }
}
