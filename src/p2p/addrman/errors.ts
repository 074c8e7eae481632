import { KadchainError } from '../../util/errors.js';

/** Problems with peers.json / anchors.json: logged at warn, the node then starts without them. */
export type AddrmanErrorCode = 'file-corrupt' | 'file-too-large' | 'file-unreadable' | 'file-unwritable';

export class AddrmanError extends KadchainError<AddrmanErrorCode> {}
