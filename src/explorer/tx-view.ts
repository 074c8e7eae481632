/** The transaction view: from the mempool, or from its block through the transaction index. */
import type { Coin } from '../chain/types.js';
import { pubKeyHashToAddress } from '../primitives/address.js';
import type { Block } from '../primitives/block.js';
import type { Transaction } from '../primitives/tx.js';
import { ExplorerError } from './errors.js';
import { parseTxid } from './refs.js';
import type { ExplorerChain, ExplorerSources, TxView } from './types.js';

/** Where a confirmed tx sits: its block, the block's place in the chain, and the coins it spent. */
interface Confirmation {
  readonly block: Block;
  readonly active: boolean;
  readonly tipHeight: number;
  /** The coins this tx's inputs spent, in input order; undefined when not known. */
  readonly spent: readonly Coin[] | undefined;
}

/** True when `block` is on the active chain. */
export function isActive(chain: ExplorerChain, block: Block): boolean {
  return chain.getHashAtHeight(block.height)?.equals(block.hash) === true;
}

/** The coins each tx of a block spent (from its undo data), by position; undefined entries when unknown. */
export function spentByPosition(block: Block, undo: readonly Coin[] | undefined): Array<readonly Coin[] | undefined> {
  const out: Array<readonly Coin[] | undefined> = [undefined];
  let offset = 0;
  for (let i = 1; i < block.transactions.length; i++) {
    const n = block.transactions[i]!.inputs.length;
    out.push(undo && offset + n <= undo.length ? undo.slice(offset, offset + n) : undefined);
    offset += n;
  }
  return out;
}

export function txView(tx: Transaction, size: number, spent: ReadonlyArray<Coin | undefined> | undefined, where: { status: 'mempool' } | ({ status: 'confirmed' } & Omit<Confirmation, 'spent'>)): TxView {
  const coinbase = tx.isCoinbase;
  let inTotal: bigint | null = coinbase ? null : 0n;
  const inputs = tx.inputs.map((input, i) => {
    const coin = coinbase ? undefined : spent?.[i];
    if (coin && inTotal !== null) inTotal += coin.amount;
    else inTotal = null;
    return { prevTxid: input.prevout.txid.toString('hex'), prevIndex: input.prevout.index, address: coin ? pubKeyHashToAddress(coin.pubKeyHash) : null, amount: coin ? coin.amount : null };
  });
  const outputs = tx.outputs.map((out, index) => ({ index, address: pubKeyHashToAddress(out.pubKeyHash), amount: out.amount }));
  const fee = inTotal === null ? null : (inTotal as bigint) - tx.totalOutput();
  if (where.status === 'mempool') {
    return { txid: tx.txidHex, size, coinbase, status: 'mempool', blockHash: null, height: null, confirmations: 0, time: null, fee, inputs, outputs };
  }
  const { block, active, tipHeight } = where;
  return {
    txid: tx.txidHex,
    size,
    coinbase,
    status: 'confirmed',
    blockHash: block.hashHex,
    height: block.height,
    confirmations: active ? tipHeight - block.height + 1 : -1,
    time: block.header.timestamp,
    fee,
    inputs,
    outputs,
  };
}

/** gettransaction: the mempool first, then the transaction index. */
export function transactionView(src: ExplorerSources, txidRef: unknown): TxView {
  const txid = parseTxid(txidRef);
  const { chain, mempool, index } = src;
  const entry = mempool.entry(txid);
  if (entry) {
    const spent = entry.tx.inputs.map((input) => chain.getCoin(input.prevout) ?? poolCoin(src, input.prevout.txid, input.prevout.index));
    return txView(entry.tx, entry.size, spent, { status: 'mempool' });
  }
  const tip = chain.tip;
  const location = index.findTx(txid);
  const block = location ? chain.getBlock(location.blockHash) : undefined;
  const tx = block?.transactions[location!.position];
  if (block && tx?.txid.equals(txid) && tip && isActive(chain, block)) {
    const spent = spentByPosition(block, chain.getUndo(block.hash))[location!.position];
    return txView(tx, tx.size, spent, { status: 'confirmed', block, active: true, tipHeight: tip.height });
  }
  throwIfIndexBehind(src, 'transaction');
  throw new ExplorerError('not-found', `No such mempool or blockchain transaction ${txid.toString('hex')} (a txid from send is in the mempool until mined; check the txid)`);
}

/** -28 while the index has not reached the tip: an answer could be missing from it for now. */
export function throwIfIndexBehind(src: ExplorerSources, what: 'transaction' | 'address'): void {
  const tip = src.chain.tip;
  if (!tip) return;
  const best = src.index.best;
  if (best && best.hash.equals(tip.hash)) return;
  const at = best ? best.height : -1;
  throw new ExplorerError('index-syncing', `the ${what} index is still being built (height ${at} of ${tip.height}); try again in a moment`);
}

/** An output of a pooled tx as a coin (height -1: unconfirmed). */
export function poolCoin(src: ExplorerSources, txid: Buffer, index: number): Coin | undefined {
  const parent = src.mempool.entry(txid);
  const out = parent?.tx.outputs[index];
  return out ? { amount: out.amount, pubKeyHash: out.pubKeyHash, height: -1, isCoinbase: false } : undefined;
}
