/**
 * Constants of the TCP peer layer (peer sessions, peer set, relay, sync). Defaults for
 * P2PConfig live here too; intervals follow the tutorial's seconds, not Bitcoin's minutes,
 * because this is a small teaching network. Each concern's constants are in constants/; this
 * file is their one public entry.
 */
export * from './constants/session.js';
export * from './constants/outbound.js';
export * from './constants/admission.js';
export * from './constants/sync.js';
export * from './constants/orphans.js';
export * from './constants/relay.js';
export * from './constants/limits.js';
export * from './constants/log.js';
export * from './constants/compact.js';
