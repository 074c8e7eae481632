/** The node operator's checks of the chain state: gettxoutsetinfo and verifychain (Bitcoin Core's names). */
import { VERIFY_DEFAULT_DEPTH_BLOCKS } from '../../chain/constants.js';
import type { UtxoSetStats } from '../../chain/utxo-digest.js';
import type { VerifyChainResult } from '../../chain/verify-chain.js';
import type { MethodTable, RpcContext } from '../context.js';
import { param, parseParams } from '../params.js';
import { VERIFY_LOG_INTERVAL_MS } from '../constants.js';

interface StatsView {
  txouts: number;
  transactions: number;
  totalAmount: bigint;
  hash: Buffer;
}

/** verifychain's answer (also what `cli verifychain --offline` prints), before toJsonSafe. */
export interface VerifyChainView {
  ok: boolean;
  height: number | null;
  tip: Buffer | null;
  depth: number;
  checkedBlocks: number;
  replayedBlocks: number;
  expected: StatsView | null;
  actual: StatsView | null;
  failure: { reason: string; height: number | null; hash: Buffer | null } | null;
  elapsedMs: number;
}

const statsView = (stats: UtxoSetStats | undefined): StatsView | null =>
  stats === undefined ? null : { txouts: stats.txouts, transactions: stats.transactions, totalAmount: stats.totalAmount, hash: stats.hash };

export function verifyMethods(ctx: RpcContext): MethodTable {
  return {
    gettxoutsetinfo: async (params, call) => {
      parseParams(params, {});
      const info = await ctx.chain.utxoSetInfo(call?.signal);
      return {
        height: info.height < 0 ? null : info.height,
        bestBlock: info.bestBlock ?? null,
        txouts: info.txouts,
        transactions: info.transactions,
        totalAmount: info.totalAmount,
        hash: info.hash,
      };
    },

    verifychain: async (params, call) => {
      const { depth } = parseParams(params, { depth: param.optional(param.blocks(), VERIFY_DEFAULT_DEPTH_BLOCKS) });
      ctx.logger.info({ depth }, 'verifychain started');
      let lastLogMs = Date.now();
      const result = await ctx.chain.verifyChain(depth, (height, tipHeight) => {
        if (Date.now() - lastLogMs < VERIFY_LOG_INTERVAL_MS) return;
        lastLogMs = Date.now();
        ctx.logger.info({ height, tipHeight }, 'verifychain progress');
      }, call?.signal);
      const summary = { ok: result.ok, height: result.height, checkedBlocks: result.checkedBlocks, replayedBlocks: result.replayedBlocks, elapsedMs: result.elapsedMs };
      if (result.ok) ctx.logger.info(summary, 'verifychain passed');
      else ctx.logger.error({ ...summary, reason: result.failure?.reason }, 'verifychain found a problem');
      return verifyChainView(result, depth);
    },
  };
}

/** verifychain's answer (also what `cli verifychain --offline` prints). */
export function verifyChainView(result: VerifyChainResult, depth: number): VerifyChainView {
  return {
    ok: result.ok,
    height: result.height < 0 ? null : result.height,
    tip: result.tip ?? null,
    depth,
    checkedBlocks: result.checkedBlocks,
    replayedBlocks: result.replayedBlocks,
    expected: statsView(result.expected),
    actual: statsView(result.actual),
    failure: result.failure === undefined ? null : { reason: result.failure.reason, height: result.failure.height ?? null, hash: result.failure.hash ?? null },
    elapsedMs: result.elapsedMs,
  };
}
