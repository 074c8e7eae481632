/** NAT traversal (docs/nat.md): observed address, reachability check, hole punching. */
export { Traversal, type TraversalEvents, type TraversalMessage, type TraversalOptions, type TraversalState, type UdpObservation } from './traversal.js';
export type { TraversalPeers } from './deps.js';
export type { ObservedAddressState, PortPreservation } from './observed.js';
export type { Reachability, ReachabilityState } from './reachability.js';
export type { PunchResult, PunchStats } from './puncher.js';
export { TraversalError, type TraversalErrorCode } from './errors.js';
