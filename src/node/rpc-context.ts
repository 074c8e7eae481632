/**
 * The RPC context of a started node: the chain, mempool, wallet, miner, index and network the RPC
 * methods (and the status page's explorer views) may touch, wired from the parts node.ts started.
 */
import type { Chain } from '../chain/chain.js';
import type { ChainIndexer } from '../explorer/index.js';
import type { Mempool } from '../mempool/index.js';
import { type Miner, createGenesisBlock } from '../miner/index.js';
import { pubKeyHashToAddress } from '../primitives/address.js';
import type { RpcContext, RpcNetwork } from '../rpc/context.js';
import type { Logger } from '../util/logger.js';
import { type Wallet, WalletCoinIndex, createPayment } from '../wallet/index.js';
import type { NodeConfig } from './config.js';
import type { NodeNetwork } from './network.js';

export interface NodeRpcParts {
  config: NodeConfig;
  /** The rpc component's logger. */
  logger: Logger;
  chain: Chain;
  mempool: Mempool;
  wallet: Wallet;
  miner: Miner;
  indexer: ChainIndexer;
  network: NodeNetwork;
  /** The router port mappings' state (disabled when UPnP is off). */
  nat: RpcNetwork['nat'];
  /** Where block rewards go: the configured mining address, else the wallet's first key. */
  rewardPubKeyHash: () => Buffer | undefined;
  /** The `stop` RPC: stops the node once its answer is out. */
  requestStop: () => void;
}

export function nodeRpcContext(parts: NodeRpcParts): RpcContext {
  const { config, chain, mempool, wallet, miner, indexer, network, rewardPubKeyHash } = parts;
  const coinIndex = new WalletCoinIndex({ pool: mempool, tip: () => chain.tip });
  return {
    config,
    logger: parts.logger,
    chain,
    mempool,
    wallet,
    miner,
    walletCoins: (pubKeyHash) => coinIndex.ordered(pubKeyHash),
    createPayment: (request) =>
      createPayment({
        wallet,
        ...request,
        limits: { maxTxInputs: config.txpool.maxTxInputs, maxTxBytes: mempool.maxStandardTxBytes },
        maturity: { spendHeight: (chain.tip?.height ?? -1) + 1, coinbaseMaturity: config.chain.coinbaseMaturity },
      }),
    createGenesisBlock: (pkh) => createGenesisBlock({ rewardPubKeyHash: pkh, params: config.chain, timestampSec: Math.floor(Date.now() / 1000) }),
    miningAddress: () => {
      const pkh = rewardPubKeyHash();
      return pkh === undefined ? undefined : pubKeyHashToAddress(pkh);
    },
    explorer: { chain, mempool, index: indexer, indexSettled: () => indexer.indexSettled(), indexSynced: () => indexer.synced },
    network: rpcNetwork(network, config.listenHost, parts.nat),
    requestStop: parts.requestStop,
  };
}

function rpcNetwork(network: NodeNetwork, listenHost: string, nat: RpcNetwork['nat']): RpcNetwork {
  const { p2p } = network;
  return {
    nodeId: network.nodeKey.nodeId,
    listenHost,
    tcpPort: network.tcpPort,
    udpPort: network.udpPort,
    peers: () => p2p.peers(),
    bans: () => p2p.bans(),
    discouraged: () => p2p.discouraged(),
    manualPeers: () => p2p.manualPeers(),
    ban: (key, reason, durationMs) => p2p.ban(key, reason, durationMs),
    unban: (key) => p2p.unban(key),
    clearBans: () => p2p.clearBans(),
    addPeer: (host, port) => p2p.addPeer(host, port),
    removePeer: (host, port) => p2p.removePeer(host, port),
    nat,
    traversal: () => p2p.traversalState(),
    punch: (nodeIdHex) => p2p.punch(nodeIdHex),
    syncStatus: () => p2p.syncStatus(),
  };
}
