/**
 * Headers messages in a row from a peer that we did not ask for and that connect to nothing we
 * know: a few are honest races, more than MAX_UNCONNECTING_HEADERS_MSGS (Core's limit) are a
 * peer making us look at headers for nothing, and it is punished. An empty reply to a get-blocks
 * we sent never counts, however late (a slow honest peer answers after its sync stalled or ended);
 * a non-empty reply that does not connect does, since an honest answer to our locator connects.
 */
import { MAX_UNCONNECTING_HEADERS_MSGS } from './constants.js';
import type { Peer } from './peer.js';

export class UnconnectingHeaders {
  private readonly counts = new WeakMap<Peer, number>();
  /** get-blocks sent to a peer and not answered yet (bounded by how often we ask: once per sync batch). */
  private readonly outstanding = new WeakMap<Peer, number>();

  /** We sent `peer` a get-blocks: one headers message from it is a reply, whenever it comes. */
  requested(peer: Peer): void {
    this.outstanding.set(peer, (this.outstanding.get(peer) ?? 0) + 1);
  }

  /** A headers message from `peer` arrived: true when it answers a get-blocks we sent it (one fewer outstanding). */
  answered(peer: Peer): boolean {
    const outstanding = this.outstanding.get(peer) ?? 0;
    if (outstanding === 0) return false;
    this.outstanding.set(peer, outstanding - 1);
    return true;
  }

  /** One more unusable headers message from `peer`; false when that punished it. */
  count(peer: Peer): boolean {
    const count = (this.counts.get(peer) ?? 0) + 1;
    this.counts.set(peer, count);
    if (count <= MAX_UNCONNECTING_HEADERS_MSGS) return true;
    peer.punish('unconnecting-headers', `sent ${count} headers messages in a row that we did not ask for and that connect to nothing we know`);
    return false;
  }

  /** A headers message from `peer` connected: the count starts over. */
  reset(peer: Peer): void {
    this.counts.delete(peer);
  }
}
