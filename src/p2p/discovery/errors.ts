import { KadchainError } from '../../util/errors.js';

/** A received datagram that must be dropped (counted, logged at debug). */
export type PacketErrorCode = 'oversize' | 'bad-hash' | 'bad-signature' | 'expired' | 'malformed';

export class PacketError extends KadchainError<PacketErrorCode> {}

/** The node key file cannot be used; the message names the file and says what to do. */
export type NodeKeyErrorCode = 'invalid-node-key' | 'node-key-unreadable';

export class NodeKeyError extends KadchainError<NodeKeyErrorCode> {}

/** The discovery service cannot do what it was asked (lifecycle misuse or a socket that will not bind). */
export type DiscoveryErrorCode = 'bind-failed' | 'already-started' | 'not-started';

export class DiscoveryError extends KadchainError<DiscoveryErrorCode> {}
