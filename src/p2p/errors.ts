import { KadchainError } from '../util/errors.js';

/** Errors of the peer layer's own API (not peer misbehaviour, which is priced by misbehaviour.ts). */
export type P2PErrorCode = 'invalid-peer-address' | 'listen-failed' | 'not-started' | 'invalid-ban-key' | 'ban-list-full' | 'ban-file-corrupt' | 'ban-file-unwritable' | 'manual-peer-list-full' | 'unknown-manual-peer';

export class P2PError extends KadchainError<P2PErrorCode> {}

/** Handshake refusals: the connection is closed after a `reject`, without a penalty (docs/protocol.md). */
export type RefusalCode = 'incompatible-version' | 'different-genesis' | 'self-connection' | 'duplicate-connection' | 'banned';

/** Refusals that will not change by retrying soon: a manual peer refused so is redialled only rarely. */
export const PERMANENT_REFUSALS: ReadonlySet<string> = new Set<RefusalCode>(['incompatible-version', 'different-genesis', 'self-connection']);
