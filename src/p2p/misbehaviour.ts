/**
 * The one place that decides what a peer's fault costs it (Lodestar's reqresp/score.ts is the
 * model): a closed union of codes, each mapped to an action and whether a `reject` tells the
 * peer why. Consensus-invalid objects and protocol violations discourage the sender (the peer
 * set may downgrade that to a plain disconnect for exempt addresses, see peers.ts); a policy
 * rejection or something that may be our own fault costs nothing.
 */
import { ValidationCode } from '../chain/errors.js';
import type { MempoolErrorCode } from '../mempool/errors.js';
import type { FloodCode } from './resource-codes.js';
import { MAX_REJECT_REASON_BYTES, type WireErrorCode } from './wire/index.js';

/**
 * 'discourage': disconnect and discourage the address. Resource drops (timeouts, a peer that does
 * not read) are no fault and never come here: Peer.disconnect closes those sessions.
 */
export type PenaltyAction = 'none' | 'discourage';

export interface Penalty {
  readonly action: PenaltyAction;
  /** Send a `reject` naming the code first (only useful while the stream still parses). */
  readonly sendReject: boolean;
}

/**
 * Session-level violations the peer detects itself, sync finds in a headers batch, or compact
 * block relay finds in an answer: a block-txn we never asked for, one with another number of
 * transactions than we asked, a get-block-txn index past the block's transactions.
 */
export type ProtocolViolationCode = 'unexpected-message' | 'bad-handshake-ack' | 'bad-headers' | 'unsolicited-block-txn' | 'bad-block-txn' | 'bad-block-txn-index';

/**
 * Resource drops (a timeout, a peer that does not read: resource-codes.ts DisconnectCode) are not
 * faults and never come here: Peer.disconnect closes the session without any penalty.
 */
export type MisbehaviourCode = WireErrorCode | ProtocolViolationCode | FloodCode | ValidationCode;

const DISCOURAGE_SILENTLY: Penalty = { action: 'discourage', sendReject: false };
const DISCOURAGE: Penalty = { action: 'discourage', sendReject: true };
const TELL_ONLY: Penalty = { action: 'none', sendReject: true };
const NOTHING: Penalty = { action: 'none', sendReject: false };

/** Exhaustive: a new code anywhere in the union fails to compile until it is placed here. */
const PENALTIES: Readonly<Record<MisbehaviourCode, Penalty>> = {
  // The byte stream itself is broken: nothing we send would be understood.
  'bad-magic': DISCOURAGE_SILENTLY,
  oversize: DISCOURAGE_SILENTLY,
  'bad-checksum': DISCOURAGE_SILENTLY,
  'unknown-type': DISCOURAGE_SILENTLY,
  'malformed-payload': DISCOURAGE_SILENTLY,
  'unexpected-message': DISCOURAGE_SILENTLY,
  'bad-handshake-ack': DISCOURAGE_SILENTLY,
  'bad-headers': DISCOURAGE_SILENTLY,
  'unsolicited-block-txn': DISCOURAGE_SILENTLY,
  'bad-block-txn': DISCOURAGE_SILENTLY,
  'bad-block-txn-index': DISCOURAGE_SILENTLY,
  // More work asked of us than any honest peer asks (rate limits in constants.ts).
  'inv-flood': DISCOURAGE_SILENTLY,
  'unknown-data-flood': DISCOURAGE_SILENTLY,
  'unconnecting-headers': DISCOURAGE_SILENTLY,
  'fruitless-sync': DISCOURAGE_SILENTLY,
  // Consensus-invalid blocks and transactions: only a rule breaker sends them.
  [ValidationCode.BadPow]: DISCOURAGE,
  [ValidationCode.BadBits]: DISCOURAGE,
  [ValidationCode.BadPrevHash]: DISCOURAGE,
  [ValidationCode.BadHeight]: DISCOURAGE,
  [ValidationCode.BadMerkleRoot]: DISCOURAGE,
  [ValidationCode.BadTimestamp]: DISCOURAGE,
  [ValidationCode.NoCoinbase]: DISCOURAGE,
  [ValidationCode.MultipleCoinbase]: DISCOURAGE,
  [ValidationCode.BadCoinbaseHeight]: DISCOURAGE,
  [ValidationCode.CoinbaseTooLarge]: DISCOURAGE,
  [ValidationCode.DuplicateTx]: DISCOURAGE,
  [ValidationCode.BlockTooLarge]: DISCOURAGE,
  [ValidationCode.NoInputs]: DISCOURAGE,
  [ValidationCode.NoOutputs]: DISCOURAGE,
  [ValidationCode.ZeroOrNegativeOutput]: DISCOURAGE,
  [ValidationCode.OutputsOverflow]: DISCOURAGE,
  [ValidationCode.DuplicateInput]: DISCOURAGE,
  [ValidationCode.MissingInputs]: DISCOURAGE,
  [ValidationCode.InputsBelowOutputs]: DISCOURAGE,
  [ValidationCode.BadSignature]: DISCOURAGE,
  [ValidationCode.PubKeyMismatch]: DISCOURAGE,
  [ValidationCode.BadPublicKey]: DISCOURAGE,
  [ValidationCode.UnexpectedCoinbase]: DISCOURAGE,
  // In a block only: the mempool refuses the same spend as a policy error (a reorg race), unpunished.
  [ValidationCode.PrematureCoinbaseSpend]: DISCOURAGE,
  [ValidationCode.InvalidAncestor]: DISCOURAGE,
  [ValidationCode.KnownInvalid]: DISCOURAGE,
  // A future timestamp may be our clock's fault; another genesis is a peer of another network
  // that slipped in while our chain was empty (it is refused, not punished).
  [ValidationCode.TimeTooNew]: TELL_ONLY,
  [ValidationCode.BadGenesis]: TELL_ONLY,
  // Races, not faults: the parent is on its way, or we already have it.
  [ValidationCode.UnknownParent]: NOTHING,
  [ValidationCode.Duplicate]: NOTHING,
  // An unasked block of a branch no heavier than ours is not stored (chain.ts ProcessBlockOptions.unrequested):
  // a stale rival tip is a race, and costs the sender only the bandwidth it spent.
  [ValidationCode.TooLittleWork]: NOTHING,
};

/**
 * Refusals of a peer's tx (policy, no penalty) that a connected block can turn into acceptance:
 * the tx is asked of its sender again after the next block (tx-retry.ts).
 */
export const RETRY_AFTER_BLOCK_CODES: ReadonlySet<MempoolErrorCode> = new Set<MempoolErrorCode>([
  'too-many-ancestors',
  'too-many-descendants',
  'mempool-full',
  'mempool-min-fee-not-met',
  'bad-txns-premature-spend-of-coinbase',
]);

export function penaltyFor(code: MisbehaviourCode): Penalty {
  return PENALTIES[code];
}

/**
 * What still costs the sender of a block that reached us as a compact block (BIP152: "nodes
 * SHOULD NOT ban a peer for announcing a new block with a CMPCTBLOCK message that is invalid,
 * but has a valid header"). In high-bandwidth mode a peer relays a block after checking only
 * its bits, PoW, parent (our tip) and merkle root (compact-relay.ts), before validating the rest:
 * anything else wrong with it — body, timestamp, a block already known invalid — may be the
 * miner's fault, not the relayer's, so only what every relayer checks is punished.
 */
const PUNISHED_EVEN_IN_COMPACT_BLOCKS: ReadonlySet<MisbehaviourCode> = new Set<MisbehaviourCode>([ValidationCode.BadPow, ValidationCode.BadBits]);

/** The penalty for `code` about a block that came as a compact block: body faults are only told (a `reject`). */
export function penaltyForCompactBlock(code: MisbehaviourCode): Penalty {
  const penalty = PENALTIES[code];
  return penalty.action === 'none' || PUNISHED_EVEN_IN_COMPACT_BLOCKS.has(code) ? penalty : TELL_ONLY;
}

export function isMisbehaviourCode(code: string): code is MisbehaviourCode {
  return Object.hasOwn(PENALTIES, code);
}

/** A reject reason cut to MAX_REJECT_REASON_BYTES of UTF-8, whole characters only. */
export function truncateRejectReason(reason: string): string {
  if (Buffer.byteLength(reason, 'utf8') <= MAX_REJECT_REASON_BYTES) return reason;
  let bytes = 0;
  let out = '';
  for (const ch of reason) {
    bytes += Buffer.byteLength(ch, 'utf8');
    if (bytes > MAX_REJECT_REASON_BYTES) break;
    out += ch;
  }
  return out;
}
