import { KadchainError } from '../../util/errors.js';

/** A received datagram that must be dropped (counted, logged at debug). */
export type PacketErrorCode = 'oversize' | 'bad-hash' | 'bad-signature' | 'expired' | 'malformed';

export class PacketError extends KadchainError {
  declare readonly code: PacketErrorCode;

  constructor(code: PacketErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** The node key file cannot be used; the message names the file and says what to do. */
export type NodeKeyErrorCode = 'invalid-node-key' | 'node-key-unreadable';

export class NodeKeyError extends KadchainError {
  declare readonly code: NodeKeyErrorCode;

  constructor(code: NodeKeyErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** The discovery service cannot do what it was asked (lifecycle misuse or a socket that will not bind). */
export type DiscoveryErrorCode = 'bind-failed' | 'already-started' | 'not-started';

export class DiscoveryError extends KadchainError {
  declare readonly code: DiscoveryErrorCode;

  constructor(code: DiscoveryErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
