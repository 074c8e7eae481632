/**
 * How many punches one relay may lead us into (traversal.ts: from its candidate lists) or
 * start with us as responder. A relay is trusted to relay, not to tell the truth about addresses,
 * so these bound what a lying one can make us dial; and the responder's budget is kept per far-end
 * network at each relay, so strangers connected to a relay cannot use up an honest far end's.
 */
import { type AddressClassifier, classifyAddress, netGroup } from '../netgroup.js';
import type { Peer } from '../peer.js';
import { PUNCHES_PER_RELAY_BURST, PUNCHES_PER_RELAY_PER_SEC, PUNCHES_PER_RELAY_TOTAL_BURST, PUNCHES_PER_RELAY_TOTAL_PER_SEC, RATE_LIMIT_KEYS } from './constants.js';
import { KeyedLimits } from './keyed-limits.js';

export interface PunchBudgetsOptions {
  /** Netgroups of the far ends; default classifyAddress. */
  readonly classify?: AddressClassifier | undefined;
  readonly now?: (() => number) | undefined;
}

export class PunchBudgets {
  /** Punches each relay may lead us into from its candidate lists, by relay IP (node ids are free, addresses are not). */
  private readonly lead: KeyedLimits;
  /** Punches each relay may start with us, per far-end network, and for all far ends together. */
  private readonly perFarGroup: KeyedLimits;
  private readonly total: KeyedLimits;

  constructor(private readonly options: PunchBudgetsOptions = {}) {
    const { now } = options;
    this.lead = new KeyedLimits({ ratePerSec: PUNCHES_PER_RELAY_PER_SEC, burst: PUNCHES_PER_RELAY_BURST, maxKeys: RATE_LIMIT_KEYS, now });
    this.perFarGroup = new KeyedLimits({ ratePerSec: PUNCHES_PER_RELAY_PER_SEC, burst: PUNCHES_PER_RELAY_BURST, maxKeys: RATE_LIMIT_KEYS, now });
    this.total = new KeyedLimits({ ratePerSec: PUNCHES_PER_RELAY_TOTAL_PER_SEC, burst: PUNCHES_PER_RELAY_TOTAL_BURST, maxKeys: RATE_LIMIT_KEYS, now });
  }

  /** One punch `relay`'s candidate list leads us into; false when it led us into too many lately. */
  takeLead(relay: Peer): boolean {
    return relay.provenNodeId !== undefined && this.lead.take(relay.ip);
  }

  /**
   * One punch `relay` starts with us for a far end it saw at `farIp`: that far end's network's own
   * budget at this relay (one budget per relay let any stranger there refuse an honest punch), and
   * the relay's total, which bounds a relay that names a new network per connect.
   */
  takeResponder(relay: Peer, farIp: string): boolean {
    if (relay.provenNodeId === undefined) return false;
    const group = netGroup(farIp, this.options.classify ?? classifyAddress);
    return this.perFarGroup.take(`${relay.ip} ${group}`) && this.total.take(relay.ip);
  }
}
