/**
 * The requester's side of the reachability check: ask ready peers to dial our listen port back
 * (at most one question per peer per recheck interval, a few at a time) and turn what happens
 * into results for the ReachabilityTracker. Only the probe proves a success — its random nonce
 * arrives on an inbound connection, so the dial really reached us; a 'connected' claim without
 * the probe, or 'connect-failed', is a failure as the peer tells it.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from '../../util/logger.js';
import type { Peer } from '../peer.js';
import type { DialBackResultMessage } from '../wire/index.js';
import { DIAL_BACK_ANSWER_TIMEOUT_MS, DIAL_BACK_PROBE_GRACE_MS, MAX_PENDING_DIAL_BACKS } from './constants.js';
import type { CheckOutcome, CheckResult } from './reachability.js';

interface Pending {
  /** The session the question went out on: its answer can only come back on it. */
  readonly peer: Peer;
  readonly peerId: string;
  readonly peerIp: string;
  readonly port: number;
  timer: NodeJS.Timeout;
  /** It answered 'connected': the probe's grace runs, and a repeated claim does not restart it. */
  claimed: boolean;
}

export interface DialBackClientOptions {
  /** The port to have checked: the router's mapped port when UPnP gave one, else the one we listen on. */
  readonly checkPort: () => number;
  /** Whether to ask this peer now (the tracker's recheck rule). */
  readonly shouldAsk: (peerId: string, peerIp: string) => boolean;
  readonly noteAsked: (peerId: string, peerIp: string) => void;
  readonly onResult: (result: CheckResult) => void;
  /** A question whose session closed before the answer: that node may be asked again on another session at once. */
  readonly onDropped?: ((peerId: string, peerIp: string) => void) | undefined;
  /**
   * False when a probe now would cost someone: with every inbound slot taken, the probe's
   * connection would evict an inbound peer before it shows it is only a probe (and a node whose
   * inbound slots are full is evidently reachable).
   */
  readonly canAsk?: (() => boolean) | undefined;
  readonly logger: Logger;
}

export class DialBackClient {
  private readonly pending = new Map<bigint, Pending>();
  private stopped = false;

  constructor(private readonly options: DialBackClientOptions) {}

  get pendingCount(): number {
    return this.pending.size;
  }

  /** Asks `peer` for a dial-back if the tracker wants a check from it and there is room. */
  maybeAsk(peer: Peer): void {
    const peerId = peer.provenNodeId?.toString('hex');
    if (this.stopped || peerId === undefined || this.pending.size >= MAX_PENDING_DIAL_BACKS) return;
    if ([...this.pending.values()].some((p) => p.peerId === peerId)) return;
    if (!this.options.shouldAsk(peerId, peer.ip) || this.options.canAsk?.() === false) return;
    const port = this.options.checkPort();
    if (port === 0) return;
    const nonce = randomBytes(8).readBigUInt64LE(0);
    const entry: Pending = { peer, peerId, peerIp: peer.ip, port, timer: setTimeout(() => this.finish(nonce, 'no-answer'), DIAL_BACK_ANSWER_TIMEOUT_MS), claimed: false };
    entry.timer.unref();
    this.pending.set(nonce, entry);
    this.options.noteAsked(peerId, peer.ip);
    this.options.logger.debug({ peer: peer.label, port }, 'asking a peer to dial us back');
    peer.send({ kind: 'dial-back', nonce, port });
  }

  /** The peer's answer. Only the peer we asked may answer for that nonce. */
  onResult(peer: Peer, msg: DialBackResultMessage): void {
    const entry = this.pending.get(msg.nonce);
    if (entry === undefined || entry.peerId !== peer.provenNodeId?.toString('hex')) return;
    switch (msg.status) {
      case 'connected':
        // The probe may still be on its way (another connection): give it a moment, once. A claim
        // repeated within each grace would otherwise hold the question, and a pending place, for good.
        if (entry.claimed) return;
        entry.claimed = true;
        clearTimeout(entry.timer);
        entry.timer = setTimeout(() => this.finish(msg.nonce, 'failed'), DIAL_BACK_PROBE_GRACE_MS);
        entry.timer.unref();
        return;
      case 'connect-failed': return this.finish(msg.nonce, 'failed');
      case 'refused':
      case 'bad-port': return this.finish(msg.nonce, 'refused');
    }
  }

  /** A probe arrived on an inbound connection; true when it carried one of our nonces. */
  onProbe(nonce: bigint): boolean {
    if (!this.pending.has(nonce)) return false;
    this.finish(nonce, 'reached');
    return true;
  }

  /**
   * The session closed. A question still waiting for its answer there is dropped, not counted:
   * two nodes that dial each other at once keep one of the two connections, and a question sent
   * on the other must not hold that node's check back until the answer timeout.
   */
  onPeerClosed(peer: Peer): void {
    for (const [nonce, entry] of this.pending) {
      if (entry.peer !== peer) continue;
      clearTimeout(entry.timer);
      this.pending.delete(nonce);
      this.options.onDropped?.(entry.peerId, entry.peerIp);
    }
  }

  stop(): void {
    this.stopped = true;
    for (const entry of this.pending.values()) clearTimeout(entry.timer);
    this.pending.clear();
  }

  private finish(nonce: bigint, outcome: CheckOutcome): void {
    const entry = this.pending.get(nonce);
    if (entry === undefined) return;
    clearTimeout(entry.timer);
    this.pending.delete(nonce);
    this.options.logger.debug({ peerId: entry.peerId.slice(0, 16), port: entry.port, outcome }, 'dial-back check done');
    this.options.onResult({ peerId: entry.peerId, peerIp: entry.peerIp, port: entry.port, outcome, inbound: entry.peer.direction === 'inbound' });
  }
}
