import { ENDPOINT_INDEX_SLACK } from './constants.js';
import type { Endpoint } from './endpoint.js';
import type { RoutingTable } from './routing-table.js';
import type { TableEntry } from './table-entry.js';

/**
 * "ip:udpPort" → the node id last verified there. One UDP socket is one node: when another id
 * proves that endpoint (a node restarted with a new key, or a NAT gave the port to another
 * host), the old entry is dead and would only waste lookups and dials. Checked against the
 * table on use, so a stale key costs nothing but its bytes; rebuilt when it outgrows the table.
 */
export class EndpointIndex {
  private readonly byEndpoint = new Map<string, Buffer>();

  constructor(
    private readonly table: RoutingTable<TableEntry>,
    /** Removes an entry from the table (NodeTable.remove: netgroup counts, onRemoved). */
    private readonly remove: (entry: TableEntry) => void,
  ) {}

  /** Endpoints indexed, stale ones included (rebuilt once past ENDPOINT_INDEX_SLACK × the table size). */
  get size(): number {
    return this.byEndpoint.size;
  }

  /** Removes the entry of another node id at `endpoint`'s ip and UDP port, and indexes `nodeId` there. */
  claim(endpoint: Endpoint, nodeId: Buffer): void {
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
}
