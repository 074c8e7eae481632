import { KadchainError } from '../util/errors.js';

/** Errors of the peer layer's own API (not peer misbehaviour, which is handled, logged and banned). */
export type P2PErrorCode = 'invalid-peer-address' | 'listen-failed' | 'not-started';

export class P2PError extends KadchainError<P2PErrorCode> {}

/** Handshake refusals: the connection is closed after a `reject`, without a ban (docs/protocol.md). */
export type RefusalCode = 'incompatible-version' | 'different-genesis' | 'self-connection' | 'duplicate-connection' | 'banned';

/**
 * Codes of misbehaviour that disconnect and ban: every WireError code, the handshake/sequence
 * violations, bad headers in sync, and consensus ValidationError codes of blocks and txs.
 */
export type MisbehaviourCode = string;
