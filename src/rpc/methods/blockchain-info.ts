/**
 * Bitcoin Core's getblockchaininfo, in this project's camelCase: where our chain is, how far the
 * best proven headers are, and the running sync. getinfo carries the same fields.
 */
import type { SyncStatus } from '../../p2p/sync-status.js';
import type { RpcChain } from '../context.js';

/** Chain work is the one value that can exceed 2^53: a hex string (Core's chainwork, 64 digits). */
const WORK_HEX_DIGITS = 64;

export interface BlockchainInfo {
  /** Our tip's height (Core's "blocks"); null before a genesis. */
  blocks: number | null;
  /** Best height we hold proof-of-work for (our tip or a checked header of the running sync). */
  headers: number | null;
  bestBlockHash: string | null;
  chainWork: string | null;
  /** blocks / the sync's target height, 0..1 (Core's verificationprogress, counted in blocks). */
  verificationProgress: number;
  initialBlockDownload: boolean;
  syncing: boolean;
  /** Height the running sync aims at (the sync peer's claim when above the proven headers). */
  targetHeight: number | null;
  /** The sync peer and its rate while syncing, null otherwise. */
  syncPeer: string | null;
  blocksPerSec: number | null;
  syncStartedAt: string | null;
}

export function blockchainInfo(chain: Pick<RpcChain, 'tip'>, sync: SyncStatus): BlockchainInfo {
  const tip = chain.tip;
  return {
    blocks: sync.height,
    headers: sync.headers,
    bestBlockHash: tip ? tip.hash.toString('hex') : null,
    chainWork: tip ? tip.chainWork.toString(16).padStart(WORK_HEX_DIGITS, '0') : null,
    verificationProgress: sync.progress,
    initialBlockDownload: sync.initialBlockDownload,
    syncing: sync.syncing,
    targetHeight: sync.targetHeight,
    syncPeer: sync.peer,
    blocksPerSec: sync.blocksPerSec,
    syncStartedAt: sync.startedAt,
  };
}
