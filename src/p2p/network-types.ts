/**
 * What P2PNetwork (network.ts) is given and what it tells: its options, its events, and the
 * counters of stats() (getinfo, the status page).
 */
import type { Chain } from '../chain/chain.js';
import type { Mempool } from '../mempool/mempool.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { BanEntry } from './bans.js';
import type { P2PConfig } from './config.js';
import type { NodeKey } from './discovery/node-key.js';
import type { DiscouragedEntry } from './discouraged.js';
import type { AddressClassifier } from './netgroup.js';
import type { PeerInfo } from './peer-info.js';
import type { SyncStatus } from './sync-status.js';
import type { TcpTransport } from './tcp-transport.js';
import type { ReachabilityState } from './traversal/index.js';
import type { PeerSource } from './types.js';

export interface P2PNetworkOptions {
  config: P2PConfig;
  chain: Chain;
  mempool: Mempool;
  nodeKey: NodeKey;
  peerSource?: PeerSource;
  logger: Logger;
  /** Core's -assumevalid (sync-session.ts); null/absent: every signature is checked. */
  assumeValid?: Buffer | null;
  /** What an IP is for peer policy (default netgroup.ts classifyAddress); tests inject one. */
  classifyAddress?: AddressClassifier;
  /** The peer set's time and timers (PeerSetOptions.clock: the simulator's virtual clock); default SYSTEM_CLOCK. */
  clock?: Clock;
  /** The peer set's connections (PeerSetOptions.transport: the simulator's streams); default node:net. */
  transport?: TcpTransport;
}

export interface P2PNetworkEvents {
  'peer:ready': [info: PeerInfo];
  'peer:closed': [address: string, reason: string];
  'peer:banned': [entry: BanEntry];
  'peer:discouraged': [entry: DiscouragedEntry];
  /** NAT traversal's verdict on whether others can dial us changed. */
  reachability: [state: ReachabilityState];
  /** Sync state: when a sync starts, at most once a second while it runs, once when it ends (syncing false). */
  'sync:progress': [status: SyncStatus];
}

export interface P2PStats {
  readonly peers: number;
  readonly readyPeers: number;
  readonly inbound: number;
  readonly outbound: number;
  readonly bans: number;
  readonly discouraged: number;
  readonly orphans: number;
  /** Transactions held until their parents arrive. */
  readonly orphanTxs: number;
  readonly syncing: boolean;
  readonly syncPeer: string | undefined;
  /** Most block bodies ever requested at once during sync. */
  readonly peakBlocksInFlight: number;
  /** Milliseconds the chain sat idle during syncs because the next block was not downloaded yet. */
  readonly syncWaitedForBlocksMs: number;
  /** The block-stall timeout now: blockStallTimeoutMs, doubled per staller dropped, back down as blocks connect. */
  readonly blockStallTimeoutMs: number;
  /** Messages received from ready peers, by kind. */
  readonly received: Readonly<Record<string, number>>;
  /** Unasked blocks dropped because their sender had MAX_UNSOLICITED_BLOCKS_QUEUED_PER_PEER waiting already. */
  readonly unsolicitedBlocksDropped: number;
}
