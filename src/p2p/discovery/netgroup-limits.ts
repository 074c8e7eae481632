import { type AddressClassifier, classifyAddress, netGroup, samePublicNetGroup } from '../netgroup.js';
import { MAX_BUCKET_ENTRIES_PER_NETGROUP, MAX_TABLE_ENTRIES_PER_NETGROUP } from './constants.js';
import type { Endpoint } from './endpoint.js';

export interface NetgroupBounds {
  /** Entries of one public netgroup a bucket may hold. */
  readonly bucket: number;
  /** Entries of one public netgroup the table may hold. */
  readonly table: number;
}

export const DEFAULT_NETGROUP_BOUNDS: NetgroupBounds = { bucket: MAX_BUCKET_ENTRIES_PER_NETGROUP, table: MAX_TABLE_ENTRIES_PER_NETGROUP };

/**
 * The routing table's entries per public netgroup (MAX_BUCKET_ENTRIES_PER_NETGROUP says why):
 * counts kept as entries come and go, and the check a newcomer must pass. Loopback and private
 * addresses are neither counted nor limited.
 */
export class NetgroupLimits {
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly bounds: NetgroupBounds = DEFAULT_NETGROUP_BOUNDS,
    private readonly classify: AddressClassifier = classifyAddress,
  ) {}

  /** Entries of the table in this address's public netgroup (0 for loopback and private addresses). */
  count(ip: string): number {
    const group = this.groupOf(ip);
    return group === undefined ? 0 : (this.counts.get(group) ?? 0);
  }

  /** Whether a newcomer at `ip` keeps its netgroup within bounds, given the entries of its bucket. */
  hasRoom(ip: string, bucket: readonly { readonly endpoint: Endpoint }[]): boolean {
    const group = this.groupOf(ip);
    if (group === undefined) return true;
    if ((this.counts.get(group) ?? 0) >= this.bounds.table) return false;
    let inBucket = 0;
    for (const e of bucket) if (samePublicNetGroup(e.endpoint.ip, ip, this.classify)) inBucket++;
    return inBucket < this.bounds.bucket;
  }

  added(ip: string): void {
    const group = this.groupOf(ip);
    if (group !== undefined) this.counts.set(group, (this.counts.get(group) ?? 0) + 1);
  }

  removed(ip: string): void {
    const group = this.groupOf(ip);
    if (group === undefined) return;
    const n = (this.counts.get(group) ?? 0) - 1;
    if (n <= 0) this.counts.delete(group);
    else this.counts.set(group, n);
  }

  private groupOf(ip: string): string | undefined {
    return this.classify(ip) === 'public' ? netGroup(ip, this.classify) : undefined;
  }
}
