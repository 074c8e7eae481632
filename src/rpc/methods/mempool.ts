import { pubKeyHashToAddress } from '../../primitives/address.js';
import { outPointToString } from '../../primitives/tx.js';
import type { MethodTable, RpcContext } from '../context.js';
import { parseParams } from '../params.js';

export function mempoolMethods(ctx: RpcContext): MethodTable {
  return {
    mempool: (params) => {
      parseParams(params, {});
      const txs = ctx.mempool.entries().map(({ tx, fee, size, addedAtMs }) => ({
        txid: tx.txidHex,
        fee,
        size,
        addedAt: new Date(addedAtMs).toISOString(),
        inputs: tx.inputs.map((input) => outPointToString(input.prevout)),
        outputs: tx.outputs.map((output) => ({ address: pubKeyHashToAddress(output.pubKeyHash), amount: output.amount })),
      }));
      const { mempool } = ctx;
      // minFeeRate in coins per 1000 bytes; 0 while the pool has had room.
      return { size: mempool.size, bytes: mempool.bytes, usage: mempool.usage, maxBytes: mempool.policy.maxBytes, minFeeRate: mempool.minFeeRate(), txs };
    },
  };
}
