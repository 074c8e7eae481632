/**
 * What RPC methods may touch, as narrow structural interfaces: the real Chain, Mempool, Wallet
 * and Miner satisfy them, and unit tests can pass small fakes of them.
 */
import type { ChainParams } from '../chain/params.js';
import type { ChainTip, CoinEntry, ProcessBlockResult } from '../chain/types.js';
import type { UtxoSetInfo } from '../chain/utxo-digest.js';
import type { VerifyChainResult } from '../chain/verify-chain.js';
import type { ExplorerSources } from '../explorer/index.js';
import type { NodeConfig } from '../node/config.js';
import type { NodeNatState } from '../node/nat-state.js';
import type { BanEntry } from '../p2p/bans.js';
import type { DiscouragedEntry } from '../p2p/discouraged.js';
import type { ManualPeerInfo, PeerInfo } from '../p2p/peer-info.js';
import type { SyncStatus } from '../p2p/sync-status.js';
import type { PunchResult, TraversalState } from '../p2p/traversal/index.js';
import type { Block, BlockHeader } from '../primitives/block.js';
import type { Transaction } from '../primitives/tx.js';
import type { Logger } from '../util/logger.js';
import type { OrderedCoins } from '../wallet/payment.js';

export interface RpcChain {
  readonly params: ChainParams;
  readonly tip: ChainTip | undefined;
  readonly genesisHash: Buffer | undefined;
  getBalance(pubKeyHash: Buffer): bigint;
  /** Confirmed unspent outputs paying to the hash (the chain's address index; immature rewards too). */
  getCoinsByPubKeyHash(pubKeyHash: Buffer): CoinEntry[];
  getHeaderAtHeight(height: number): BlockHeader | undefined;
  processBlock(block: Block): Promise<ProcessBlockResult>;
  /** Resolves once no block commit is waiting for its events (chain coins and mempool agree). */
  settled(): Promise<void>;
  /** Count, total and digest of the UTXO set (gettxoutsetinfo); one at a time; `signal` stops it. */
  utxoSetInfo(signal?: AbortSignal): Promise<UtxoSetInfo>;
  /** Replays the stored chain and compares the UTXO sets (verifychain); `depth` 0 = every block in full; one at a time; `signal` stops it. */
  verifyChain(depth: number, onProgress?: (height: number, tipHeight: number) => void, signal?: AbortSignal): Promise<VerifyChainResult>;
}

export interface RpcMempoolEntry {
  readonly tx: Transaction;
  readonly fee: bigint;
  readonly size: number;
  readonly addedAtMs: number;
}

export interface RpcMempool {
  readonly size: number;
  /** Sum of the pooled txs' sizes, and the memory estimate txpool.maxBytes bounds. */
  readonly bytes: number;
  readonly usage: number;
  readonly policy: { readonly maxBytes: number };
  minFeeRate(): number;
  entries(): RpcMempoolEntry[];
  spendableCoins(pubKeyHash: Buffer): CoinEntry[];
  has(txid: Buffer): boolean;
  /** Mature confirmed, immature (block rewards) and spendable-now amounts of an address. */
  balance(pubKeyHash: Buffer): { confirmed: bigint; immature: bigint; unconfirmed: bigint };
  addTransaction(tx: Transaction): RpcMempoolEntry;
}

export interface RpcWallet {
  createKey(): Promise<string>;
  addresses(): string[];
  /** Adds a key once it is on disk; `added` false when the wallet already held it (a new label is still set). */
  importKey(privateKey: Buffer, label?: string): Promise<{ address: string; added: boolean }>;
  privateKeyFor(pubKeyHash: Buffer): Buffer | undefined;
  labelFor(pubKeyHash: Buffer): string | undefined;
}

export interface RpcMiner {
  mineBlock(): Promise<Block>;
}

/** The node's place on the network and its peer set (P2PNetwork + discovery behind it). */
export interface RpcNetwork {
  readonly nodeId: Buffer;
  readonly listenHost: string;
  readonly tcpPort: number;
  /** Undefined when discovery is off. */
  readonly udpPort: number | undefined;
  /** Every connection, including ones still in their handshake (`ready` false). */
  peers(): PeerInfo[];
  bans(): BanEntry[];
  /** Addresses and proven node ids that misbehaved (not dialled, evicted first). */
  discouraged(): DiscouragedEntry[];
  /** Peers added with addpeer: state, last failure, next retry. */
  manualPeers(): ManualPeerInfo[];
  /** Bans an IP or node id (persisted) and disconnects it; throws P2PError on a bad key or a full list. */
  ban(key: string, reason: string | undefined, durationMs: number | undefined): BanEntry;
  /** False when the key was not banned. */
  unban(key: string): boolean;
  /** Lifts every ban; how many there were. */
  clearBans(): number;
  /** Dials host:port now and keeps redialling it (the tutorial seeds' "register"). */
  addPeer(host: string, port: number): void;
  /** Forgets a manual peer and closes our connection to it; true if one was open. Throws P2PError 'unknown-manual-peer'. */
  removePeer(host: string, port: number): boolean;
  /** Router port mapping (UPnP/NAT-PMP): what was mapped and advertised, or that it is off. */
  nat(): NodeNatState;
  /** Observed address, reachability and hole punching (works with UPnP off). */
  traversal(): TraversalState;
  /** A direct connection to `nodeIdHex` (64 lower-case hex digits, not ours) through a peer both are connected to. */
  punch(nodeIdHex: string): Promise<PunchResult>;
  /** Headers, blocks, progress, initial-download flag and the running sync (P2PNetwork.syncStatus). */
  syncStatus(): SyncStatus;
}

/** The explorer's sources (chain, mempool, transaction and address indexes). */
export interface RpcExplorer extends ExplorerSources {
  /**
   * Resolves once the index holds the chain tip, waiting a bounded time when it is only following
   * behind by a block or two (Core's BlockUntilSyncedToCurrentChain); at once while it catches up.
   */
  indexSettled(): Promise<void>;
  /** True once the index has reached the chain tip since the node started (Core's getindexinfo "synced"). */
  indexSynced(): boolean;
}

export interface PaymentRequest {
  from: string;
  to: string;
  amount: bigint;
  fee: bigint;
  coins: OrderedCoins;
  /** `coins` are in the wallet's selection order (walletCoins): selection reads only the front. */
  ordered?: boolean;
  /** `from` and `to` decoded already: createPayment does not decode them again. */
  pubKeyHashes?: { from: Buffer; to: Buffer };
}

export interface RpcContext {
  readonly config: NodeConfig;
  readonly logger: Logger;
  readonly chain: RpcChain;
  readonly mempool: RpcMempool;
  readonly wallet: RpcWallet;
  readonly miner: RpcMiner;
  /** The address's spendable coins in selection order, kept between blocks (wallet/coin-index.ts); read-only. */
  walletCoins(pubKeyHash: Buffer): OrderedCoins;
  /** wallet's createPayment bound to this node's wallet. */
  createPayment(request: PaymentRequest): Transaction;
  /** miner's createGenesisBlock with this node's params; mined, not yet processed. */
  createGenesisBlock(rewardPubKeyHash: Buffer): Promise<Block>;
  /** Address block rewards go to now, if any. */
  miningAddress(): string | undefined;
  readonly network: RpcNetwork;
  /** Block, transaction and address views (src/explorer/). */
  readonly explorer: RpcExplorer;
  /** Stops the node after the current response has been sent. */
  requestStop(): void;
}

/** Per request: `signal` aborts when the client's connection closes before the answer is sent. */
export interface RpcCall {
  readonly signal: AbortSignal;
}

/** A method takes raw JSON params and returns anything toJsonSafe can encode. */
export type RpcHandler = (params: unknown, call?: RpcCall) => unknown;
export type MethodTable = Readonly<Record<string, RpcHandler>>;
