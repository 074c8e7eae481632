/**
 * The status page's WebSource built from a running node: chain, mempool, peer layer, NAT state
 * and the explorer's views. Only public chain and network data: the wallet is not reachable
 * from here (no wallet addresses, no mining address).
 */
import type { ChainTip } from '../chain/types.js';
import type { NodeNatState } from '../node/nat-state.js';
import type { PeerInfo } from '../p2p/peer-info.js';
import type { SyncStatus } from '../p2p/sync-status.js';
import type { TraversalState } from '../p2p/traversal/index.js';
import type { Block } from '../primitives/block.js';
import { natView } from '../rpc/methods/nat.js';
import { peerRow } from '../rpc/methods/network.js';
import { AddressViewCache } from './address-cache.js';
import { WS_ADDRESS_CACHE_ENTRIES } from './constants.js';
import type { BlockRef, BlockSummaryView, ExplorerView, WebEvent, WebSource } from './source.js';

/** Node ids are 32 bytes; 8 of them tell peers apart in a table (as `cli peers` shows them). */
const MS_PER_SEC = 1_000;
const WORK_HEX_DIGITS = 64;

/** The explorer's views, as the page asks for them (src/explorer). */
export interface WebExplorerViews {
  blockSummary(block: Block): BlockSummaryView;
  blocks(start: number, count: number): BlockSummaryView[];
  uncachedSummaries(start: number, count: number): number;
  blockBytes(ref: BlockRef | { readonly txid: string }): number;
  /** With its transactions in full (the page lists them with their amounts). */
  block(ref: BlockRef): ExplorerView;
  tx(txid: string): ExplorerView | Promise<ExplorerView>;
  address(address: string): ExplorerView | Promise<ExplorerView>;
}

interface WebMempoolEntry {
  readonly tx: { readonly txidHex: string };
  readonly fee: bigint;
  readonly size: number;
  readonly addedAtMs: number;
}

/** Event subscription as our emitters (typed EventEmitter) offer it, for the events the page streams. */
export interface WebChain {
  readonly tip: ChainTip | undefined;
  readonly genesisHash: Buffer | undefined;
  on(event: 'block:connected' | 'block:disconnected', listener: (block: Block) => void): unknown;
  off(event: 'block:connected' | 'block:disconnected', listener: (block: Block) => void): unknown;
}

export interface WebMempool {
  readonly size: number;
  readonly bytes: number;
  /** The last `limit` to enter the pool, newest first, without sorting the pool. */
  newest(limit: number): readonly WebMempoolEntry[];
  on(event: 'tx:added', listener: (entry: WebMempoolEntry) => void): unknown;
  on(event: 'tx:removed', listener: () => void): unknown;
  off(event: 'tx:added', listener: (entry: WebMempoolEntry) => void): unknown;
  off(event: 'tx:removed', listener: () => void): unknown;
}

export interface WebP2P {
  peers(): PeerInfo[];
  /** Whether and how far a block download runs. */
  syncStatus(): SyncStatus;
  on(event: 'peer:ready', listener: (info: PeerInfo) => void): unknown;
  on(event: 'peer:closed', listener: (address: string, reason: string) => void): unknown;
  on(event: 'sync:progress', listener: (status: SyncStatus) => void): unknown;
  off(event: 'peer:ready', listener: (info: PeerInfo) => void): unknown;
  off(event: 'peer:closed', listener: (address: string, reason: string) => void): unknown;
  off(event: 'sync:progress', listener: (status: SyncStatus) => void): unknown;
}

export interface NodeWebSourceOptions {
  readonly nodeId: Buffer;
  readonly chain: WebChain;
  readonly mempool: WebMempool;
  readonly p2p: WebP2P;
  readonly nat: () => NodeNatState;
  readonly traversal: () => TraversalState;
  readonly views: WebExplorerViews;
}

/** The RPC `peers` row without what only the operator needs (listen port, discouragement, work, age). */
export function peerView(p: PeerInfo): Record<string, unknown> {
  const { id, nodeId, address, direction, ready, manual, height, pingMs, connectedSince, punched } = peerRow(p, Date.now());
  return { id, nodeId, address, direction, ready, manual, height, pingMs, connectedSince, punched };
}

function txRow(e: WebMempoolEntry): Record<string, unknown> {
  return { txid: e.tx.txidHex, size: e.size, fee: e.fee, time: Math.floor(e.addedAtMs / MS_PER_SEC) };
}

export function nodeWebSource(o: NodeWebSourceOptions): WebSource {
  const { chain, mempool, p2p, views } = o;
  const addresses = new AddressViewCache(WS_ADDRESS_CACHE_ENTRIES);
  const tipHash = (): string | undefined => chain.tip?.hash.toString('hex');
  return {
    status: () => {
      const tip = chain.tip;
      const peers = p2p.peers().filter((p) => p.ready);
      return {
        node: { nodeId: o.nodeId.toString('hex') },
        chain:
          tip === undefined
            ? null
            : {
                height: tip.height,
                tip: tip.hash.toString('hex'),
                work: tip.chainWork.toString(16).padStart(WORK_HEX_DIGITS, '0'),
                time: tip.header.timestamp,
                genesis: chain.genesisHash?.toString('hex') ?? null,
              },
        mempool: { count: mempool.size, bytes: mempool.bytes },
        peers: { count: peers.length, inbound: peers.filter((p) => p.direction === 'inbound').length, outbound: peers.filter((p) => p.direction === 'outbound').length },
        sync: p2p.syncStatus(),
        nat: natView(o.nat(), o.traversal()),
      };
    },
    peers: () => p2p.peers().map(peerView),
    pool: (limit) => {
      return { count: mempool.size, bytes: mempool.bytes, txs: mempool.newest(limit).map(txRow) };
    },
    blocks: (start, count) => views.blocks(start, count),
    uncachedSummaries: (start, count) => views.uncachedSummaries(start, count),
    blockBytes: (ref) => views.blockBytes(ref),
    block: (ref) => views.block(ref),
    tx: (txid) => views.tx(txid),
    address: (address) => addresses.get(address, tipHash, () => views.address(address)),
    addressCached: (address) => addresses.has(address, tipHash()),
    subscribe: (listener) => {
      const emit = (event: WebEvent): void => listener(event);
      const connected = (block: Block): void => emit({ event: 'block-connected', data: () => views.blockSummary(block) });
      const disconnected = (block: Block): void => emit({ event: 'block-disconnected', data: () => views.blockSummary(block) });
      const txAdded = (entry: WebMempoolEntry): void => {
        addresses.poolChanged();
        emit({ event: 'tx-accepted', data: () => txRow(entry) });
      };
      const txRemoved = (): void => addresses.poolChanged();
      const peerUp = (info: PeerInfo): void => emit({ event: 'peer-up', data: () => peerView(info) });
      const peerDown = (address: string, reason: string): void => emit({ event: 'peer-down', data: () => ({ address, reason }) });
      const sync = (status: SyncStatus): void => emit({ event: 'sync-progress', data: () => status });
      chain.on('block:connected', connected);
      chain.on('block:disconnected', disconnected);
      mempool.on('tx:added', txAdded);
      mempool.on('tx:removed', txRemoved);
      addresses.follow(true);
      p2p.on('peer:ready', peerUp);
      p2p.on('peer:closed', peerDown);
      p2p.on('sync:progress', sync);
      return () => {
        chain.off('block:connected', connected);
        chain.off('block:disconnected', disconnected);
        mempool.off('tx:added', txAdded);
        mempool.off('tx:removed', txRemoved);
        addresses.follow(false);
        p2p.off('peer:ready', peerUp);
        p2p.off('peer:closed', peerDown);
        p2p.off('sync:progress', sync);
      };
    },
  };
}
