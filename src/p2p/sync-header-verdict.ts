import type { BlockHeader } from '../primitives/block.js';
import type { Logger } from '../util/logger.js';
import type { Peer } from './peer.js';
import type { HeaderTrail } from './sync-header-trail.js';
import type { UnconnectingHeaders } from './unconnecting-headers.js';

/** What a sync session does with a headers reply from its source (sync-session.ts onHeaders). */
export type HeaderVerdict =
  /** Take these (all of the reply, or those before a future-dated header: `tooNew`). */
  | { readonly kind: 'take'; readonly headers: readonly BlockHeader[]; readonly tooNew: boolean }
  /** End the session so. */
  | { readonly kind: 'end'; readonly reason: string; readonly unhelpful: boolean; readonly timeTooNew: boolean }
  /** Ignore the reply (an unconnecting one not yet counted against the source). */
  | { readonly kind: 'ignore' };

/**
 * Linkage, PoW and timestamps of a reply (HeaderTrail.check), and who pays: bad headers are
 * punished; unconnecting ones counted (an honest reply to our locator connects, so a peer claiming
 * ever new work is not synced from for nothing); future-dated ones are not invalid, just not
 * acceptable yet (Core's time-too-new, no penalty): the headers before them are taken, and
 * nothing more is asked of this source.
 */
export function judgeHeaders(headers: readonly BlockHeader[], trail: HeaderTrail, peer: Peer, unconnecting: UnconnectingHeaders, logger: Logger): HeaderVerdict {
  const check = trail.check(headers);
  if (check.ok) {
    unconnecting.reset(peer);
    return { kind: 'take', headers, tooNew: false };
  }
  if (check.code === 'time-too-new') {
    logger.debug({ peer: peer.label, usable: check.usable, reason: check.reason }, 'headers too far in the future');
    if (check.usable === 0) return { kind: 'end', reason: check.reason, unhelpful: true, timeTooNew: true };
    unconnecting.reset(peer);
    return { kind: 'take', headers: headers.slice(0, check.usable), tooNew: true };
  }
  if (check.code === 'bad-headers') peer.punish(check.code, check.reason);
  else if (!unconnecting.count(peer)) return { kind: 'ignore' };
  return { kind: 'end', reason: check.reason, unhelpful: true, timeTooNew: false };
}
