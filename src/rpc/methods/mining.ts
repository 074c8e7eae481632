import { addressToPubKeyHash, pubKeyHashToAddress } from '../../primitives/address.js';
import type { Block } from '../../primitives/block.js';
import { MINE_MAX_BLOCKS, RpcCode } from '../constants.js';
import type { MethodTable, RpcContext } from '../context.js';
import { RpcError, RpcParamError } from '../errors.js';
import { param, parseParams } from '../params.js';

export interface MinedBlockView {
  hash: Buffer;
  height: number;
  transactions: number;
  rewardAddress: string | null;
}

function minedBlockView(block: Block): MinedBlockView {
  const coinbaseOutput = block.transactions[0]?.outputs[0];
  return {
    hash: block.hash,
    height: block.height,
    transactions: block.transactions.length,
    rewardAddress: coinbaseOutput === undefined ? null : pubKeyHashToAddress(coinbaseOutput.pubKeyHash),
  };
}

/** 1 … MINE_MAX_BLOCKS (a numeric string too, as the CLI sends it). */
function blockCount(value: unknown, name: string): number {
  const n = param.blocks()(value, name);
  if (n < 1 || n > MINE_MAX_BLOCKS) throw new RpcParamError(`parameter "${name}" must be between 1 and ${MINE_MAX_BLOCKS} blocks, got ${n}`);
  return n;
}
import { noGenesisError } from '../no-genesis.js';

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

    /**
     * Mines `count` blocks one after another. The answer lists them all in `blocks` and repeats
     * the last one's fields at the top level, so a client of the one-block `mine` reads it as before.
     */
    mine: async (params, call) => {
      const { count } = parseParams(params, { count: param.optional(blockCount, 1) });
      // The miner would say "no genesis" too, but only the RPC layer knows this node's flags and peers.
      if (ctx.chain.tip === undefined) throw noGenesisError(ctx);
      const blocks: MinedBlockView[] = [];
      for (let i = 0; i < count; i++) {
        // A client that hung up (a CLI timeout, Ctrl-C) gets no answer: mine no more blocks for nobody.
        if (call?.signal.aborted) throw new RpcError(RpcCode.Misc, 'client-gone', `the client closed its connection after ${blocks.length} of ${count} blocks; mining stopped`);
        blocks.push(minedBlockView(await ctx.miner.mineBlock()));
      }
      return { ...blocks[blocks.length - 1]!, blocks };
    },
  };
}
