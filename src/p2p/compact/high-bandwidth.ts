/**
 * BIP152's high-bandwidth peers, both ways: the peers we ask to push new blocks to us (at most
 * MAX_HIGH_BANDWIDTH_PEERS, the three that most recently gave us a new valid block first) and the
 * peers we push to — every peer that asked, as Bitcoin Core does (NewPoWValidBlock): the limit of
 * three binds the asker, and a list of the last three askers would let three connections that ask
 * again and again push every honest asker back to inv. Bounded by the connections we hold. As
 * Core: every peer starts in low-bandwidth mode and earns high bandwidth only with a valid block,
 * so the first peers to connect (an attacker's, if it is quick) get nothing for being first.
 */
import { MAX_HIGH_BANDWIDTH_PEERS } from '../constants.js';
import type { Peer } from '../peer.js';
import { COMPACT_BLOCKS_VERSION_1 } from '../wire/index.js';

export class HighBandwidthPeers {
  /** Peers we asked for high-bandwidth mode, oldest first. */
  private readonly from: Peer[] = [];
  /** Peers that asked us for it (one entry per connection), oldest first; we push to these. */
  private readonly to: Peer[] = [];

  /** Whom new blocks are pushed to as cmpct-block. */
  get pushTo(): readonly Peer[] {
    return this.to;
  }

  /** A new compact peer: told we take compact blocks, in low-bandwidth mode (announce, we ask). */
  greet(peer: Peer): void {
    peer.send({ kind: 'send-compact', highBandwidth: false, version: COMPACT_BLOCKS_VERSION_1 });
  }

  /** The peer's send-compact: it wants pushes or inv (a repeat changes nothing else). */
  requested(peer: Peer, highBandwidth: boolean): void {
    const listed = this.to.includes(peer);
    if (highBandwidth && !listed) this.to.push(peer);
    if (!highBandwidth && listed) remove(this.to, peer);
  }

  /**
   * `peer` just gave us a new block first and it connected: one of ours now. A newcomer displaces the
   * longest-serving one, which is told to use inv again.
   */
  prefer(peer: Peer): void {
    if (this.from.includes(peer)) {
      remove(this.from, peer);
      this.from.push(peer); // the most recent now, last to be displaced
      return;
    }
    this.from.push(peer);
    peer.send({ kind: 'send-compact', highBandwidth: true, version: COMPACT_BLOCKS_VERSION_1 });
    if (this.from.length <= MAX_HIGH_BANDWIDTH_PEERS) return;
    const dropped = this.from.shift()!;
    if (!dropped.isClosed) dropped.send({ kind: 'send-compact', highBandwidth: false, version: COMPACT_BLOCKS_VERSION_1 });
  }

  closed(peer: Peer): void {
    remove(this.from, peer);
    remove(this.to, peer);
  }
}

function remove<T>(list: T[], item: T): void {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}
