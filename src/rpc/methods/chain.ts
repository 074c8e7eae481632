import { addressToPubKeyHash } from '../../primitives/address.js';
import { RpcCode } from '../constants.js';
import type { MethodTable, RpcContext } from '../context.js';
import { RpcError } from '../errors.js';
import { noGenesisError } from '../no-genesis.js';
import { param, parseParams } from '../params.js';
import { blockchainInfo } from './blockchain-info.js';
import { natView } from './nat.js';

const noParams = {};

export function chainMethods(ctx: RpcContext): MethodTable {
  const print = (params: unknown): Record<string, string | number> => {
    const { height } = parseParams(params, { height: param.height() });
    const tip = ctx.chain.tip;
    if (tip === undefined) throw noGenesisError(ctx);
    const header = ctx.chain.getHeaderAtHeight(height);
    if (header === undefined) {
      throw new RpcError(RpcCode.OutOfRange, 'height-out-of-range', `there is no block at height ${height}; the chain tip is at height ${tip.height}`);
    }
    return header.toJSON();
  };

  return {
    getinfo: (params) => {
      parseParams(params, noParams);
      const tip = ctx.chain.tip;
      const { network } = ctx;
      return {
        height: tip?.height ?? null,
        tip: tip?.hash ?? null,
        genesis: ctx.chain.genesisHash ?? null,
        mempoolSize: ctx.mempool.size,
        peers: network.peers().filter((p) => p.ready).length,
        nodeId: network.nodeId,
        listenHost: network.listenHost,
        tcpPort: network.tcpPort,
        udpPort: network.udpPort ?? null,
        walletAddresses: ctx.wallet.addresses().length,
        miningAddress: ctx.miningAddress() ?? null,
        powBits: `0x${ctx.chain.params.powBits.toString(16).padStart(8, '0')}`,
        blockReward: ctx.chain.params.blockRewardAmount,
        nat: natView(network.nat(), network.traversal()),
        ...blockchainInfo(ctx.chain, network.syncStatus()),
      };
    },

    getblockchaininfo: (params) => {
      parseParams(params, noParams);
      return blockchainInfo(ctx.chain, ctx.network.syncStatus());
    },

    print,
    getblockheader: print,

    balance: (params) => {
      const { address } = parseParams(params, { address: param.address() });
      const pubKeyHash = addressToPubKeyHash(address);
      const { confirmed, immature, unconfirmed } = ctx.mempool.balance(pubKeyHash);
      return { address, confirmed, immature, unconfirmed };
    },
  };
}
