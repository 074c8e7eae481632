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

/** The value of an address pinged without an expected id (a node id is never empty). */
const NO_ID = '';

/**
 * The nodes that hold our advertised TCP port: each keeps the port of our last ping in its
 * endpoint proofs (and its table entry of us). When the port changes (the reachability verdict:
 * behind a NAT → 0, docs/protocol.md "Clients") they must hear it, or they keep sharing and
 * dialling the old one; a node we bonded with in a lookup is often not in our table, so our
 * table alone is not enough (in the simulator a NATed node bonds with dozens of nodes in the ~3 s
 * before its verdict, and most of them kept it). Remembers the last MAX_ANNOUNCE_TARGETS addresses.
 */
export class PortAnnouncer {
  /**
   * "ip:udpPort" → the id our ping expected there as a latin1 string ('' when none), newest last.
   * Strings, not {remote, id} records: this table fills to its bound on a busy node and lives as
   * long as the node, and a record with its own 32-byte id Buffer (a sha256 digest with an
   * ArrayBuffer of its own) cost ~330 bytes a target where the two strings cost ~150.
   */
  private readonly pinged = new Map<string, string>();

  constructor(private readonly maxTargets = MAX_ANNOUNCE_TARGETS) {}

  get size(): number {
    return this.pinged.size;
  }

  /** Our ping (carrying our current TCP port) went to `remote`. */
  pinging(remote: Remote, id: Buffer | undefined): void {
    setNewest(this.pinged, `${remote.ip}:${remote.port}`, id === undefined ? NO_ID : id.toString('latin1'), this.maxTargets);
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
    for (const [key, id] of [...this.pinged].reverse()) {
      if (out.has(key)) continue;
      // The port is after the last colon (an IPv6 address has colons of its own).
      const colon = key.lastIndexOf(':');
      const remote = { ip: key.slice(0, colon), port: Number(key.slice(colon + 1)) };
      out.set(key, { remote, id: id === NO_ID ? undefined : Buffer.from(id, 'latin1'), tcpHint: undefined, entry: undefined });
    }
    return [...out.values()];
  }
}
