import { KadchainError } from '../../util/errors.js';

/**
 * Every code here is a protocol violation by the sending peer: the peer layer disconnects and
 * bans on any WireError (design §3 "Misbehaviour"). Policy rejections never use this class.
 */
export type WireErrorCode = 'bad-magic' | 'oversize' | 'bad-checksum' | 'unknown-type' | 'malformed-payload';

export class WireError extends KadchainError<WireErrorCode> {}
