/**
 * The address table (Bitcoin Core's addrman, simplified): a "new" table of addresses we heard of
 * and a "tried" table of addresses we completed a verified outbound handshake with. Both are
 * fixed grids of small buckets; which bucket an address may use is a keyed hash of its network
 * group (and, in "new", of the group of whoever told us), with a secret per-node key. So one
 * source, or one /16, can only ever reach a few buckets: it cannot fill the table and push out
 * the honest addresses (the eclipse attack Core's design answers). A full bucket keeps its older
 * entries and makes room only by evicting a terrible one.
 */
import { createHash } from 'node:crypto';
import {
  BUCKET_SIZE,
  LAST_SEEN_UPDATE_INTERVAL_MS,
  NEW_BUCKET_COUNT,
  NEW_BUCKETS_PER_SOURCE_GROUP,
  TRIED_BUCKET_COUNT,
  TRIED_BUCKETS_PER_GROUP,
  TRIED_REPLACEMENT_MS,
} from './constants.js';
import { type AddressEntry, type PeerAddress, addressKey, isTerrible, selectionChance } from './entry.js';
import { networkGroup } from './netgroup.js';

export interface AddressTableOptions {
  /** Secret bucketing key (BUCKET_KEY_BYTES random bytes, kept in peers.json). */
  readonly key: Buffer;
  readonly nowMs: () => number;
  /** Uniform in [0, 1): the CSPRNG in the node (AddressManagerOptions.random), a seeded one in tests. */
  readonly random: () => number;
}

export class AddressTable {
  private readonly options: AddressTableOptions;
  private readonly byAddress = new Map<string, AddressEntry>();
  private readonly newBuckets: AddressEntry[][] = Array.from({ length: NEW_BUCKET_COUNT }, () => []);
  private readonly triedBuckets: AddressEntry[][] = Array.from({ length: TRIED_BUCKET_COUNT }, () => []);

  constructor(options: AddressTableOptions) {
    this.options = options;
  }

  get key(): Buffer {
    return this.options.key;
  }

  get size(): number {
    return this.byAddress.size;
  }

  get triedCount(): number {
    return this.triedBuckets.reduce((n, b) => n + b.length, 0);
  }

  get newCount(): number {
    return this.size - this.triedCount;
  }

  get(ip: string, tcpPort: number): Readonly<AddressEntry> | undefined {
    return this.byAddress.get(addressKey(ip, tcpPort));
  }

  /** Copies of every entry, tried first (the order persistence restores them in). */
  entries(): AddressEntry[] {
    const all = [...this.byAddress.values()].map((e) => ({ ...e }));
    return [...all.filter((e) => e.tried), ...all.filter((e) => !e.tried)];
  }

  /**
   * We heard of `address` from `sourceIp` (its own IP when it announced itself). Returns false
   * when its new bucket is full of entries that are not terrible: the older ones stay.
   */
  add(address: PeerAddress, sourceIp: string, seenMs = this.options.nowMs()): boolean {
    const existing = this.byAddress.get(addressKey(address.ip, address.tcpPort));
    if (existing) {
      // Hearsay never rewrites what a verified handshake taught us (the tried entry's node id).
      if (!existing.tried) existing.nodeId = address.nodeId;
      if (seenMs - existing.lastSeenMs > LAST_SEEN_UPDATE_INTERVAL_MS) existing.lastSeenMs = seenMs;
      return true;
    }
    const entry: AddressEntry = {
      nodeId: address.nodeId,
      ip: address.ip,
      tcpPort: address.tcpPort,
      source: sourceIp,
      lastSeenMs: seenMs,
      lastTriedMs: 0,
      lastSuccessMs: 0,
      attempts: 0,
      tried: false,
    };
    return this.placeNew(entry);
  }

  /** A dial to it was started (Core's Attempt): counts against it until it succeeds. */
  attempt(ip: string, tcpPort: number): void {
    const entry = this.byAddress.get(addressKey(ip, tcpPort));
    if (!entry) return;
    entry.lastTriedMs = this.options.nowMs();
    entry.attempts++;
  }

  /**
   * A verified outbound handshake with `address` completed (Core's Good): it moves to the tried
   * table. A full tried bucket gives up its longest-unsuccessful entry only if that one has not
   * worked for TRIED_REPLACEMENT_MS (it goes back to "new"); otherwise the newcomer stays in "new".
   */
  good(address: PeerAddress): void {
    const now = this.options.nowMs();
    let entry = this.byAddress.get(addressKey(address.ip, address.tcpPort));
    if (!entry) {
      entry = { nodeId: address.nodeId, ip: address.ip, tcpPort: address.tcpPort, source: address.ip, lastSeenMs: now, lastTriedMs: 0, lastSuccessMs: 0, attempts: 0, tried: false };
      // Even when its new bucket is full it may still get a tried slot below.
      this.placeNew(entry);
    }
    entry.nodeId = address.nodeId;
    entry.lastSeenMs = now;
    entry.lastTriedMs = now;
    entry.lastSuccessMs = now;
    entry.attempts = 0;
    if (entry.tried) return;

    const bucket = this.triedBuckets[this.triedBucket(entry)]!;
    if (bucket.length >= BUCKET_SIZE) {
      const victim = bucket.reduce((worst, e) => (e.lastSuccessMs < worst.lastSuccessMs ? e : worst));
      if (!isTerrible(victim, now) && now - victim.lastSuccessMs < TRIED_REPLACEMENT_MS) return;
      remove(bucket, victim);
      this.byAddress.delete(addressKey(victim.ip, victim.tcpPort));
      victim.tried = false;
      this.placeNew(victim);
    }
    this.removeFromNew(entry);
    entry.tried = true;
    bucket.push(entry);
    this.byAddress.set(addressKey(entry.ip, entry.tcpPort), entry);
  }

  /** Puts a stored entry back (loading peers.json): into its tried bucket if it has room, else into "new". */
  restore(stored: AddressEntry): boolean {
    if (this.byAddress.has(addressKey(stored.ip, stored.tcpPort))) return false;
    const entry = { ...stored };
    if (entry.tried) {
      const bucket = this.triedBuckets[this.triedBucket(entry)]!;
      if (bucket.length < BUCKET_SIZE) {
        bucket.push(entry);
        this.byAddress.set(addressKey(entry.ip, entry.tcpPort), entry);
        return true;
      }
      entry.tried = false;
    }
    return this.placeNew(entry);
  }

  /**
   * Up to `count` distinct entries to dial, none for which `skip` is true. Each pick first
   * chooses the tried or the new table at even odds (Core's 50/50, so fresh addresses still get
   * tried while known-good ones are favoured), then an entry in it weighted by its chance.
   */
  select(count: number, skip: (entry: Readonly<AddressEntry>) => boolean = () => false): PeerAddress[] {
    const now = this.options.nowMs();
    const chosen = new Set<AddressEntry>();
    const eligible = (e: AddressEntry): boolean => !chosen.has(e) && !skip(e);
    while (chosen.size < count) {
      const tried = this.tableEntries(true).filter(eligible);
      const fresh = this.tableEntries(false).filter(eligible);
      if (tried.length === 0 && fresh.length === 0) break;
      const pool = fresh.length === 0 || (tried.length > 0 && this.options.random() < 0.5) ? tried : fresh;
      chosen.add(this.weightedPick(pool, now));
    }
    return [...chosen].map((e) => ({ nodeId: e.nodeId, ip: e.ip, tcpPort: e.tcpPort }));
  }

  private weightedPick(pool: AddressEntry[], now: number): AddressEntry {
    const weights = pool.map((e) => selectionChance(e, now));
    let point = this.options.random() * weights.reduce((a, b) => a + b, 0);
    for (let i = 0; i < pool.length; i++) {
      point -= weights[i]!;
      if (point < 0) return pool[i]!;
    }
    return pool[pool.length - 1]!;
  }

  private tableEntries(tried: boolean): AddressEntry[] {
    return (tried ? this.triedBuckets : this.newBuckets).flat();
  }

  /** Into its new bucket; a full bucket evicts its most terrible entry, or keeps its entries and refuses. */
  private placeNew(entry: AddressEntry): boolean {
    let bucket: AddressEntry[];
    try {
      bucket = this.newBuckets[this.newBucket(entry)]!;
    } catch {
      return false; // not an IP address (a hand-edited file): nothing to dial
    }
    if (bucket.length >= BUCKET_SIZE) {
      const now = this.options.nowMs();
      const victim = bucket.find((e) => isTerrible(e, now));
      if (!victim) return false;
      remove(bucket, victim);
      this.byAddress.delete(addressKey(victim.ip, victim.tcpPort));
    }
    entry.tried = false;
    bucket.push(entry);
    this.byAddress.set(addressKey(entry.ip, entry.tcpPort), entry);
    return true;
  }

  private removeFromNew(entry: AddressEntry): void {
    for (const bucket of this.newBuckets) if (remove(bucket, entry)) return;
  }

  /** Core: hash(key, srcGroup, hash(key, group, srcGroup) % 64) % 1024, scaled. */
  private newBucket(entry: AddressEntry): number {
    const group = networkGroup(entry.ip);
    const sourceGroup = networkGroup(entry.source);
    const slice = this.hash('new-slice', group, sourceGroup) % NEW_BUCKETS_PER_SOURCE_GROUP;
    return this.hash('new-bucket', sourceGroup, String(slice)) % NEW_BUCKET_COUNT;
  }

  /** Core: hash(key, group, hash(key, address) % 8) % 256, scaled. */
  private triedBucket(entry: AddressEntry): number {
    const slice = this.hash('tried-slice', addressKey(entry.ip, entry.tcpPort)) % TRIED_BUCKETS_PER_GROUP;
    return this.hash('tried-bucket', networkGroup(entry.ip), String(slice)) % TRIED_BUCKET_COUNT;
  }

  private hash(...parts: string[]): number {
    const h = createHash('sha256').update(this.options.key);
    for (const part of parts) h.update(`${part}\u0000`);
    return h.digest().readUInt32BE(0);
  }
}

function remove<T>(list: T[], item: T): boolean {
  const i = list.indexOf(item);
  if (i < 0) return false;
  list.splice(i, 1);
  return true;
}
