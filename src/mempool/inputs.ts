import { ValidationCode, ValidationError } from '../chain/errors.js';
import type { CoinView } from '../chain/types.js';
import { checkTransactionInputs } from '../chain/validate-tx.js';
import type { Transaction } from '../primitives/tx.js';
import { MempoolError } from './errors.js';

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
