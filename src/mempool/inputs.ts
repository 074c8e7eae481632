import { ValidationCode, ValidationError } from '../chain/errors.js';
import type { Coin, CoinView } from '../chain/types.js';
import { checkTransactionInputs, isImmatureCoinbase, prematureCoinbaseInput, prematureSpendError } from '../chain/validate-tx.js';
import type { Transaction } from '../primitives/tx.js';
import { MempoolError } from './errors.js';
import { outKey } from './pool-index.js';
import type { PoolTx } from './pool-tx.js';

/** Throws 'txn-mempool-conflict' (naming the pooled spender) when an input of `tx` is spent by a pooled tx. */
export function checkNoPoolConflict(tx: Transaction, spentBy: ReadonlyMap<string, PoolTx>): void {
  for (const [i, input] of tx.inputs.entries()) {
    const spender = spentBy.get(outKey(input.prevout.txid, input.prevout.index));
    if (spender) {
      const other = spender.entry.tx.txid;
      throw new MempoolError(
        'txn-mempool-conflict',
        `transaction ${tx.txidHex} input ${i} spends ${input.prevout.txid.toString('hex')}:${input.prevout.index}, already spent by pooled transaction ${other.toString('hex')}`,
        other,
      );
    }
  }
}

/**
 * Throws 'bad-txns-premature-spend-of-coinbase' when `spent` holds a block reward a block at
 * `spendHeight` could not spend yet, with the height from which all of them can be spent.
 */
export function checkMatureInputs(tx: Transaction, spent: readonly Coin[], spendHeight: number, coinbaseMaturity: number): void {
  const premature = prematureCoinbaseInput(spent, spendHeight, coinbaseMaturity);
  if (premature >= 0) {
    const { message } = prematureSpendError(tx, premature, spent[premature]!, spendHeight, coinbaseMaturity);
    const spendableFromHeight = Math.max(...spent.filter((coin) => isImmatureCoinbase(coin, spendHeight, coinbaseMaturity)).map((coin) => coin.height + coinbaseMaturity));
    throw new MempoolError('bad-txns-premature-spend-of-coinbase', message, undefined, { spendableFromHeight });
  }
}

/**
 * checkTransactionInputs against the pool's view, except that a tx whose inputs are missing
 * because it is itself confirmed (an output of it is unspent in the chain) is refused as
 * 'txn-already-known', as Bitcoin Core does, instead of waiting as an orphan for parents it
 * already spent.
 */
export function checkInputsOrKnown(tx: Transaction, view: CoinView, chain: CoinView): ReturnType<typeof checkTransactionInputs> {
  try {
    return checkTransactionInputs(tx, view);
  } catch (err) {
    if (err instanceof ValidationError && err.code === ValidationCode.MissingInputs) {
      for (let index = 0; index < tx.outputs.length; index++) {
        if (chain.getCoin({ txid: tx.txid, index })) throw new MempoolError('txn-already-known', `transaction ${tx.txidHex} is already confirmed`);
      }
    }
    throw err;
  }
}
