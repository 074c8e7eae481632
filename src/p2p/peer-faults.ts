/**
 * How the peer set answers a session that misbehaved or was refused: one log line per address and
 * code per interval at warn (repeats at debug), and discouragement of the address unless it is
 * exempt. The session closes itself; this only decides what it costs the address.
 */
import type { Logger } from '../util/logger.js';
import { SESSION_FAULT_WARN_INTERVAL_MS, SESSION_FAULT_WARN_KEYS } from './constants.js';
import type { DiscouragedEntry, DiscouragedSet } from './discouraged.js';
import { LogThrottle } from './log-throttle.js';
import type { MisbehaviourCode } from './misbehaviour.js';
import type { AddressClassifier } from './netgroup.js';
import type { Peer } from './peer.js';

export interface PeerFaultsOptions {
  discouraged: DiscouragedSet;
  classify: AddressClassifier;
  /** True for a session to one of the operator's manual peers. */
  isManual: (peer: Peer) => boolean;
  logger: Logger;
  nowMs: () => number;
  /** An address was discouraged (the peer set re-emits it). */
  onDiscouraged: (entry: DiscouragedEntry) => void;
}

export class PeerFaults {
  /** Misbehaviour and refusal lines: warn once per address and code per interval, repeats at debug. */
  private readonly faultLog: LogThrottle;

  constructor(private readonly options: PeerFaultsOptions) {
    this.faultLog = new LogThrottle(SESSION_FAULT_WARN_KEYS, SESSION_FAULT_WARN_INTERVAL_MS, options.nowMs);
  }

  /** The one log line of a misbehaving peer, with what it cost (the peer closes itself). */
  onMisbehaviour(peer: Peer, code: MisbehaviourCode, reason: string): void {
    const { logger } = this.options;
    const exemption = this.discouragementExemption(peer);
    if (exemption !== undefined) {
      logger[this.faultLevel(peer, code)]({ peer: peer.label, code, reason, notDiscouraged: exemption }, 'peer misbehaved; disconnected');
      return;
    }
    // The address only, as Core does: even a "proven" node id may be an honest node's, its ack
    // relayed by the stranger that misbehaves (acks sign the nonce they are sent).
    this.options.onDiscouraged(this.options.discouraged.discourage(peer.ip, `${code}: ${reason}`));
    logger[this.faultLevel(peer, code)]({ peer: peer.label, code, reason, discouraged: [peer.ip] }, 'peer misbehaved; disconnected and discouraged');
  }

  /** warn the first time an address commits `code` in an interval, debug for the repeats. */
  faultLevel(peer: Peer, code: string): 'warn' | 'debug' {
    return this.faultLog.shouldWarn(`${peer.ip} ${code}`) ? 'warn' : 'debug';
  }

  /**
   * Addresses we never discourage, only disconnect: loopback and private ones are shared by
   * every local node (one bad process must not lock out the others), and a manual peer is the
   * operator's explicit choice.
   */
  private discouragementExemption(peer: Peer): string | undefined {
    const cls = this.options.classify(peer.ip);
    if (cls !== 'public') return `${cls} address`;
    if (this.options.isManual(peer)) return 'manual peer';
    return undefined;
  }
}
