import { addressToPubKeyHash, pubKeyHashToAddress } from '../../primitives/address.js';
import { RpcCode } from '../constants.js';
import type { MethodTable, RpcContext } from '../context.js';
import { RpcError } from '../errors.js';
import { noGenesisError } from '../no-genesis.js';
import { parseParams } from '../params.js';

export function miningMethods(ctx: RpcContext): MethodTable {
  // Two genesis_block calls racing would both see an empty chain; the second one waits and then fails cleanly.
  let genesisRunning: Promise<unknown> = Promise.resolve();

  const alreadyHasChain = (height: number): RpcError =>
    new RpcError(RpcCode.Misc, 'chain-exists', `this node already has a chain (height ${height}); genesis_block only works on an empty chain`);

  const createGenesis = async (): Promise<{ address: string; hash: Buffer }> => {
    const existing = ctx.chain.tip;
    if (existing !== undefined) throw alreadyHasChain(existing.height);
    // A new genesis can never hash to the pinned one (its reward goes to a new key), so refuse before making that key.
    const pin = ctx.chain.params.genesisHash;
    if (pin) throw new RpcError(RpcCode.Misc, 'genesis-pinned', `this node is pinned to genesis ${pin.toString('hex')}; it gets that block from its peers`);
    const address = await ctx.wallet.createKey();
    const block = await ctx.createGenesisBlock(addressToPubKeyHash(address));
    const now = ctx.chain.tip;
    if (now !== undefined) throw alreadyHasChain(now.height); // a peer's genesis may have arrived meanwhile
    await ctx.chain.processBlock(block);
    ctx.logger.info({ hash: block.header.hashHex, address }, 'genesis block created');
    return { address, hash: block.hash };
  };

  return {
    genesis_block: (params) => {
      parseParams(params, {});
      const run = genesisRunning.then(createGenesis);
      genesisRunning = run.catch(() => undefined);
      return run;
    },

    mine: async (params) => {
      parseParams(params, {});
      // The miner would say "no genesis" too, but only the RPC layer knows this node's flags and peers.
      if (ctx.chain.tip === undefined) throw noGenesisError(ctx);
      const block = await ctx.miner.mineBlock();
      const coinbaseOutput = block.transactions[0]?.outputs[0];
      return {
        hash: block.hash,
        height: block.height,
        transactions: block.transactions.length,
        rewardAddress: coinbaseOutput === undefined ? null : pubKeyHashToAddress(coinbaseOutput.pubKeyHash),
      };
    },
  };
}
