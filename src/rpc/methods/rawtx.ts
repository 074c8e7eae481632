/**
 * sendrawtransaction: a transaction signed elsewhere (another wallet, an offline machine, a
 * load generator) goes through the same admission as a `send`. Errors in Bitcoin Core's codes:
 * -22 the hex is not a transaction, -25 the tx is invalid (missing or spent inputs, bad
 * signature), -26 the pool's policy refuses it.
 */
import { Transaction } from '../../primitives/tx.js';
import { DecodeError, errorMessage } from '../../util/errors.js';
import { RpcCode } from '../constants.js';
import type { MethodTable, RpcContext } from '../context.js';
import { RpcError, RpcParamError } from '../errors.js';
import { parseParams } from '../params.js';

const HEX = /^(?:[0-9a-fA-F]{2})+$/;

/** An even-length hex string (the request body limit bounds its length). */
function hexParam(value: unknown, name: string): string {
  if (value === undefined || value === null) throw new RpcParamError(`missing parameter "${name}"`);
  if (typeof value !== 'string') throw new RpcParamError(`parameter "${name}" must be the transaction as a hex string, got ${JSON.stringify(value)}`);
  return value.trim();
}

/** The transaction the hex encodes, or RpcError -22 saying why it is not one. */
export function decodeRawTransaction(hex: string): Transaction {
  if (!HEX.test(hex)) throw new RpcError(RpcCode.DeserializationError, 'decode-failed', 'TX decode failed: the transaction must be an even number of hex digits (0-9, a-f), as a wallet prints a signed transaction');
  try {
    return Transaction.decode(Buffer.from(hex, 'hex'));
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
    throw new RpcError(RpcCode.DeserializationError, 'decode-failed', `TX decode failed: ${errorMessage(err)}; check that the whole transaction was copied`);
  }
}

export function rawTransactionMethods(ctx: Pick<RpcContext, 'chain' | 'mempool' | 'logger'>): MethodTable {
  return {
    sendrawtransaction: async (params) => {
      const { hexstring } = parseParams(params, { hexstring: hexParam });
      const tx = decodeRawTransaction(hexstring);
      // As `send`: not between a block's commit and its events (the pool and the chain may disagree there).
      await ctx.chain.settled();
      // Bitcoin Core answers a resubmission of a pooled tx with its txid (the client's retry succeeded).
      if (ctx.mempool.has(tx.txid)) return { txid: tx.txidHex };
      const entry = ctx.mempool.addTransaction(tx);
      ctx.logger.debug({ txid: tx.txidHex, fee: entry.fee.toString() }, 'raw transaction accepted');
      return { txid: tx.txidHex };
    },
  };
}
