/**
 * Headers messages in a row from a peer that we could not use (unasked for, or connecting to
 * nothing we know): a few are honest races, more than MAX_UNCONNECTING_HEADERS_MSGS (Core's
 * limit) are a peer making us check headers for nothing, and it is punished.
 */
import { MAX_UNCONNECTING_HEADERS_MSGS } from './constants.js';
import type { Peer } from './peer.js';

export class UnconnectingHeaders {
  private readonly counts = new WeakMap<Peer, number>();

  /** One more unusable headers message from `peer`; false when that punished it. */
  count(peer: Peer): boolean {
    const count = (this.counts.get(peer) ?? 0) + 1;
    this.counts.set(peer, count);
    if (count <= MAX_UNCONNECTING_HEADERS_MSGS) return true;
    peer.punish('unconnecting-headers', `sent ${count} headers messages in a row that we did not ask for or that connect to nothing we know`);
    return false;
  }

  /** A batch from `peer` connected: the count starts over. */
  reset(peer: Peer): void {
    this.counts.delete(peer);
  }
}
