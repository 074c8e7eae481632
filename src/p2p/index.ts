export * from './config.js';
export * from './constants.js';
export * from './errors.js';
export * from './network.js';
export type { BanEntry } from './bans.js';
export type { PeerInfo } from './peer-info.js';
export type { SyncStatus, SyncSummary } from './sync-status.js';
export type { DiscoveredNode, PeerSource } from './types.js';
