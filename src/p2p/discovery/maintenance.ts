import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { errorMessage } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import type { DiscoveredNode } from '../types.js';
import { BUCKET_COUNT, MAX_PACKET_BYTES, PACKET_HEADER_BYTES, PACKET_PUBKEY_BYTES, THIN_TABLE_RETRY_JITTER, THIN_TABLE_RETRY_MAX_MS } from './constants.js';
import { ENDPOINT_IPV6_BYTES, type Endpoint, normalizeIp } from './endpoint.js';
import { nodeIdFromPublicKey } from './node-key.js';
import type { TableEntry } from './table-entry.js';
import { NEIGHBOURS_OVERHEAD_BYTES, type NeighbourNode, type NeighboursPacket, neighbourBytes } from './payloads.js';
import { CRYPTO_RANDOM, type RandomSource, randomIndex } from './random-source.js';
import { randomIdInBucket } from './routing-table.js';
import type { BootstrapAddress } from './service-options.js';
import type { Remote } from './transport.js';

/** A node as a lookup sees it: maybe not verified yet (learned from a neighbours entry). */
export interface Candidate {
  readonly id: Buffer;
  readonly publicKey: Buffer;
  readonly endpoint: Endpoint;
  /** The node whose neighbours answer named it (undefined for a table entry): its introducer if it enters the table. */
  readonly namedBy?: Buffer;
}

export function toCandidate(node: NeighbourNode | TableEntry, namedBy?: Buffer): Candidate {
  const id = 'nodeId' in node ? node.nodeId : nodeIdFromPublicKey(node.publicKey);
  return { id, publicKey: node.publicKey, endpoint: node.endpoint, namedBy };
}

/** A plain copy for listeners: they must not hold (or mutate) table records. */
export function toDiscovered(node: Candidate | TableEntry): DiscoveredNode {
  const nodeId = 'nodeId' in node ? node.nodeId : node.id;
  const discovered = { nodeId, publicKey: node.publicKey, endpoint: { ...node.endpoint } };
  // The peer set dials these last (types.ts): a node that only ever contacted us may be behind NAT.
  return 'origin' in node && node.origin === 'inbound' ? { ...discovered, unsolicited: true } : discovered;
}

const ENTRY_BUDGET_BYTES = MAX_PACKET_BYTES - (PACKET_HEADER_BYTES - 1) - NEIGHBOURS_OVERHEAD_BYTES;
const LARGEST_ENTRY_BYTES = ENDPOINT_IPV6_BYTES + PACKET_PUBKEY_BYTES;

/**
 * The sender splits greedily (splitNeighbours), so a packet with room left for any entry is the
 * last of its answer: the lookup can go on without waiting for the timeout.
 */
export function isLastNeighboursPacket(packet: NeighboursPacket): boolean {
  const used = packet.nodes.reduce((sum, node) => sum + neighbourBytes(node), 0);
  return used + LARGEST_ENTRY_BYTES <= ENTRY_BUDGET_BYTES;
}

interface BucketView<T extends { readonly id: Buffer }> {
  all(): T[];
  bucketIndexOf(id: Buffer): number;
  bucket(index: number): T[];
}

/**
 * A random target in a bucket that can hold nodes: from one below our nearest entry's bucket up to
 * the farthest. Buckets nearer than that are empty in any network of realistic size, so lookups
 * there would only re-find our neighbourhood.
 */
export function pickRefreshTarget<T extends { readonly id: Buffer }>(selfId: Buffer, table: BucketView<T>, random: RandomSource = CRYPTO_RANDOM): Buffer {
  let lowest = BUCKET_COUNT - 1;
  for (const entry of table.all()) lowest = Math.min(lowest, table.bucketIndexOf(entry.id));
  const from = Math.max(0, lowest - 1);
  const index = from + randomIndex(random, BUCKET_COUNT - from);
  return randomIdInBucket(selfId, index, random);
}

/** The least-recently-seen entry of a random non-empty bucket (the one most likely to have gone away). */
export function pickRevalidateEntry<T extends { readonly id: Buffer }>(table: BucketView<T>, random: RandomSource = CRYPTO_RANDOM): T | undefined {
  const entries = table.all();
  if (entries.length === 0) return undefined;
  const pick = entries[randomIndex(random, entries.length)];
  return table.bucket(table.bucketIndexOf(pick.id))[0] ?? pick;
}

/** Bootstrap host names resolve once at start; one that does not resolve is skipped with a warning. */
export async function resolveBootstrap(addresses: readonly BootstrapAddress[], log: Logger): Promise<Remote[]> {
  const remotes: Remote[] = [];
  for (const { host, port } of addresses) {
    try {
      const ip = isIP(host) !== 0 ? host : (await dnsLookup(host)).address;
      remotes.push({ ip: normalizeIp(ip), port });
    } catch (err) {
      log.warn({ host, port, err: errorMessage(err) }, 'cannot resolve bootstrap node; skipping it');
    }
  }
  return remotes;
}

/** Bootstrap addresses no table entry answers from (never bonded, or removed since): re-bond with them. */
export function missingBootstrap(remotes: readonly Remote[], entries: readonly TableEntry[]): Remote[] {
  return remotes.filter((r) => !entries.some((e) => e.endpoint.ip === r.ip && e.endpoint.udpPort === r.port));
}

/**
 * When the next refresh runs: soon while the table is thin, doubling per retry that sent
 * something up to THIN_TABLE_RETRY_MAX_MS (bounds the load on a dead or empty bootstrap), with
 * jitter; the normal interval once it is not.
 */
export class RefreshBackoff {
  private thinDelayMs: number;
  private readonly thinMaxMs: number;

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
    thinMaxMs = THIN_TABLE_RETRY_MAX_MS,
    private readonly random: () => number = CRYPTO_RANDOM.fraction,
  ) {
    this.thinDelayMs = Math.min(minMs, maxMs);
    this.thinMaxMs = Math.max(this.thinDelayMs, Math.min(thinMaxMs, maxMs));
  }

  /** The delay a thin table waits now. */
  get thinRetryMs(): number {
    return this.thinDelayMs;
  }

  /** The delay until the next refresh; `worked` = this one sent packets (a tick that could not does not back off). */
  next(thin: boolean, worked: boolean): number {
    if (!thin) {
      this.reset();
      return this.maxMs;
    }
    const delayMs = this.thinDelayMs;
    if (worked) this.thinDelayMs = Math.min(delayMs * 2, this.thinMaxMs);
    return Math.round(delayMs * (1 - THIN_TABLE_RETRY_JITTER * this.random()));
  }

  /** The table was full: a later shrink starts the retries from the shortest delay again. */
  reset(): void {
    this.thinDelayMs = Math.min(this.minMs, this.maxMs);
  }
}
