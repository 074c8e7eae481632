/**
 * What a stopped node's data dir holds, read in-process: the txids of its active chain and the
 * balances of its UTXO set rebuilt from those blocks (not from the node's own UTXO table, so the
 * two can be compared).
 */
import { join } from 'node:path';
import { Chain } from '../../../src/chain/chain.js';
import type { ChainParams } from '../../../src/chain/params.js';
import { CHAIN_DIR_NAME } from '../../../src/node/constants.js';
import { pubKeyHashToAddress } from '../../../src/primitives/address.js';
import { silentLogger } from '../../../src/util/logger.js';

export interface ChainView {
  height: number;
  tip: string;
  /** Every non-coinbase txid of the active chain. */
  txids: Set<string>;
  /** Per address: the sum of its unspent outputs (mature or not). */
  balances: Map<string, bigint>;
  /** Non-coinbase transactions per block, genesis excluded. */
  txsPerBlock: number[];
}

export async function readChain(dataDir: string, params: ChainParams): Promise<ChainView> {
  const chain = await Chain.open({ path: join(dataDir, CHAIN_DIR_NAME), params, logger: silentLogger(), verifyThreads: 0 });
  try {
    const tip = chain.tip;
    if (tip === undefined) throw new Error(`${dataDir} holds no chain`);
    const txids = new Set<string>();
    const utxos = new Map<string, { address: string; amount: bigint }>();
    const txsPerBlock: number[] = [];
    for (let height = 0; height <= tip.height; height++) {
      const block = chain.getBlock(chain.getHashAtHeight(height)!);
      if (block === undefined) throw new Error(`${dataDir}: no block data at height ${height}`);
      if (height > 0) txsPerBlock.push(block.transactions.length - 1);
      for (const tx of block.transactions) {
        if (!tx.isCoinbase) {
          txids.add(tx.txidHex);
          for (const input of tx.inputs) utxos.delete(`${input.prevout.txid.toString('hex')}:${input.prevout.index}`);
        }
        tx.outputs.forEach((out, index) => utxos.set(`${tx.txidHex}:${index}`, { address: pubKeyHashToAddress(out.pubKeyHash), amount: out.amount }));
      }
    }
    const balances = new Map<string, bigint>();
    for (const { address, amount } of utxos.values()) balances.set(address, (balances.get(address) ?? 0n) + amount);
    return { height: tip.height, tip: tip.hash.toString('hex'), txids, balances, txsPerBlock };
  } finally {
    await chain.close();
  }
}
