import { setNewest } from '../../util/bounded-map.js';
import { MAX_ANNOUNCE_TARGETS } from './constants.js';
import type { TableEntry } from './table-entry.js';
import type { Remote } from './transport.js';

/** Whom to tell of a change of our advertised TCP port, and how it enters our table if its pong admits it. */
export interface AnnounceTarget {
  readonly remote: Remote;
  readonly id: Buffer | undefined;
  readonly tcpHint: number | undefined;
  /** The table entry being pinged (it keeps its own introduction), or undefined: an address our pings reached. */
  readonly entry: TableEntry | undefined;
}

/**
 * The nodes that hold our advertised TCP port: each keeps the port of our last ping in its
 * endpoint proofs (and its table entry of us). When the port changes (the reachability verdict:
 * behind a NAT → 0, docs/protocol.md "Clients") they must hear it, or they keep sharing and
 * dialling the old one; a node we bonded with in a lookup is often not in our table, so our
 * table alone is not enough (in the simulator a NATed node bonds with dozens of nodes in the ~3 s
 * before its verdict, and most of them kept it). Remembers the last MAX_ANNOUNCE_TARGETS addresses.
 */
export class PortAnnouncer {
  /** "ip:udpPort" → the address (and id) our pings went to lately, newest last. */
  private readonly pinged = new Map<string, { readonly remote: Remote; readonly id: Buffer | undefined }>();

  constructor(private readonly maxTargets = MAX_ANNOUNCE_TARGETS) {}

  get size(): number {
    return this.pinged.size;
  }

  /** Our ping (carrying our current TCP port) went to `remote`. */
  pinging(remote: Remote, id: Buffer | undefined): void {
    setNewest(this.pinged, `${remote.ip}:${remote.port}`, { remote, id }, this.maxTargets);
  }

  /**
   * One target per address: the table's entries first, then the addresses our pings reached
   * lately, newest first. The announcement sends no more pings than may be pending at once
   * (MAX_PENDING_PINGS): those past it are not sent. The table's entries name us in their
   * neighbours answers, so they must not be the ones left out — and with the pinged addresses
   * first they were, after 512 pings to strangers (ping-backs to fresh keys, which cost a sender
   * nothing) or merely a busy lookup.
   */
  targets(table: readonly TableEntry[]): AnnounceTarget[] {
    const out = new Map<string, AnnounceTarget>();
    for (const entry of table) {
      const remote = { ip: entry.endpoint.ip, port: entry.endpoint.udpPort };
      out.set(`${remote.ip}:${remote.port}`, { remote, id: entry.nodeId, tcpHint: entry.endpoint.tcpPort, entry });
    }
    for (const { remote, id } of [...this.pinged.values()].reverse()) {
      const key = `${remote.ip}:${remote.port}`;
      if (!out.has(key)) out.set(key, { remote, id, tcpHint: undefined, entry: undefined });
    }
    return [...out.values()];
  }
}
