import { KadchainError } from '../util/errors.js';

export type WebErrorCode = 'bad-request' | 'unknown-op' | 'bad-param' | 'not-found' | 'rate-limited' | 'not-ready' | 'internal' | 'assets-missing';

/** A status page or /ws request refused, with a sentence the user (or the script's author) can act on. */
export class WebError extends KadchainError<WebErrorCode> {}
