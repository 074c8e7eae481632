import type { SyncStatus } from '../../src/p2p/sync-status.js';

/** A node that is not syncing (fakes of RpcNetwork start from it). */
export function idleSyncStatus(over: Partial<SyncStatus> = {}): SyncStatus {
  return { syncing: false, height: null, headers: null, targetHeight: null, progress: 0, initialBlockDownload: true, blocksPerSec: null, peer: null, startedAt: null, ...over };
}
