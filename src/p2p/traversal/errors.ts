import { KadchainError } from '../../util/errors.js';

/**
 * Why a traversal step gave up. A punch that fails is routine (the caller tries another relay
 * or port, or stays relayed), so these are reported, never fatal.
 * - 'punch-cancelled': the punch was aborted (the node stops, the attempt was superseded).
 * - 'punch-window-closed': one connect did not complete before the agreed window ended.
 * - 'punch-connect-failed': no connection from the chosen port within the window (the cause is the last error).
 * - 'no-free-port': the kernel gave us no local port to punch from.
 */
export type TraversalErrorCode = 'punch-cancelled' | 'punch-window-closed' | 'punch-connect-failed' | 'no-free-port';

export class TraversalError extends KadchainError<TraversalErrorCode> {}
