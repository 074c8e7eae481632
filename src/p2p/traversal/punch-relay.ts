/**
 * The relay's side of a punch (DCUtR's relay, without its circuit): forward a punch message
 * between two ready peers whose node ids their acks proved, rewriting it so the receiver learns
 * who sent it (the proven id) and from where (the address our socket sees) — never what the
 * sender claims. Stateless, so nothing to bound but the rate: per sender, and a total shared
 * fairly by the senders' netgroups (a shared first-come budget let ~20 sybils in as many
 * networks refuse every honest punch).
 */
import type { Logger } from '../../util/logger.js';
import { type AddressClassifier, classifyAddress, netGroup } from '../netgroup.js';
import type { Peer } from '../peer.js';
import type { PunchMessage, PunchReason } from '../wire/index.js';
import {
  PUNCH_RELAY_PER_NETGROUP_BURST,
  PUNCH_RELAY_PER_PEER_BURST,
  PUNCH_RELAY_PER_PEER_PER_SEC,
  PUNCH_RELAY_TOTAL_PER_SEC,
  RATE_LIMIT_KEYS,
} from './constants.js';
import type { TraversalPeers } from './deps.js';
import { FairShare } from './fair-share.js';
import { KeyedLimits } from './keyed-limits.js';

/** The unspecified address: what a punch to the relay carries in its ip field. */
export const NO_IP = '::';

export interface PunchRelayOptions {
  readonly peers: TraversalPeers;
  readonly logger: Logger;
  readonly now?: (() => number) | undefined;
  /** Netgroups of the fair share; default classifyAddress. */
  readonly classify?: AddressClassifier | undefined;
}

export class PunchRelay {
  private readonly perPeer: KeyedLimits;
  private readonly perNetgroup: FairShare;
  private forwardedCount = 0;
  private refusedCount = 0;

  constructor(private readonly options: PunchRelayOptions) {
    const { now } = options;
    // Keyed by proven node id: every ready peer has one, and there are at most maxInbound + maxOutbound of them.
    this.perPeer = new KeyedLimits({ ratePerSec: PUNCH_RELAY_PER_PEER_PER_SEC, burst: PUNCH_RELAY_PER_PEER_BURST, maxKeys: RATE_LIMIT_KEYS, now });
    // Keyed by the sender's netgroup, one per netgroup of a ready peer at most (RATE_LIMIT_KEYS is far above).
    this.perNetgroup = new FairShare({ totalPerSec: PUNCH_RELAY_TOTAL_PER_SEC, burst: PUNCH_RELAY_PER_NETGROUP_BURST, maxKeys: RATE_LIMIT_KEYS, now });
  }

  stats(): { forwarded: number; refused: number } {
    return { forwarded: this.forwardedCount, refused: this.refusedCount };
  }

  /** A to-relay punch from `sender`: forward it to the peer it names, or tell the sender why not. */
  forward(sender: Peer, msg: PunchMessage): void {
    const senderId = sender.provenNodeId;
    if (senderId === undefined) return;
    const targetHex = msg.nodeId.toString('hex');
    const refuse = (reason: PunchReason): void => {
      this.refusedCount++;
      // A refusal of a refusal would bounce for ever: a failed 'refuse' is dropped quietly.
      if (msg.phase === 'refuse') return;
      sender.send({ kind: 'punch', hop: 'from-relay', phase: 'refuse', reason, attemptId: msg.attemptId, nodeId: msg.nodeId, ip: NO_IP, port: 0 });
    };
    // Per peer first: it bounds how often a sender makes us count the netgroups of the ready peers.
    if (!this.perPeer.take(senderId.toString('hex')) || !this.takeShare(sender)) return refuse('rate-limited');
    const { peers } = this.options;
    const target = peers.byNodeId(targetHex);
    if (target === undefined || target === sender || peers.isBanned(targetHex) || peers.isBanned(target.ip) || peers.isBanned(senderId.toString('hex'))) {
      return refuse('target-not-connected');
    }
    this.forwardedCount++;
    this.options.logger.debug({ from: sender.label, to: target.label, phase: msg.phase }, 'relaying a punch message');
    target.send({ ...msg, hop: 'from-relay', nodeId: senderId, ip: sender.ip });
  }

  /** One token of the sender's netgroup, whose share is the total over the netgroups of the ready peers. */
  private takeShare(sender: Peer): boolean {
    const classify = this.options.classify ?? classifyAddress;
    const groups = new Set<string>();
    for (const peer of this.options.peers.ready()) groups.add(netGroup(peer.ip, classify));
    return this.perNetgroup.take(netGroup(sender.ip, classify), groups.size);
  }
}
