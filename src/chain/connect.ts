/**
 * Applying a block to the UTXO set and taking it off again. Both run inside the caller's LMDB
 * transaction (ChainStore.transaction): a throw aborts every change, so they need no rollback.
 */
import type { Block } from '../primitives/block.js';
import type { OutPoint } from '../primitives/tx.js';
import { ValidationCode as Code, StorageError, ValidationError } from './errors.js';
import type { ChainParams } from './params.js';
import type { ChainStore } from './store/store.js';
import type { Coin, CoinView } from './types.js';
import { checkInputOwner, feeOf, isImmatureCoinbase, missingInputError, prematureSpendError } from './validate-tx.js';

/**
 * What connectBlock writes to: the ChainStore inside a transaction, or an in-memory UTXO set
 * (memory-utxo.ts) when verifychain replays the chain with the very same rules.
 */
export interface ConnectTarget extends CoinView {
  putCoin(outpoint: OutPoint, coin: Coin): void;
  /** Spends the coin at `outpoint` and returns it; undefined (nothing changed) when there is none. One lookup for the check and the spend. */
  removeCoin(outpoint: OutPoint): Coin | undefined;
  putUndo(hash: Buffer, spent: readonly Coin[]): void;
  putHeight(height: number, hash: Buffer): void;
  putTipHash(hash: Buffer): void;
}

/**
 * Validates `block` against the UTXO set (inputs exist and are unspent, owners match, inputs cover
 * outputs, spent block rewards are mature, coinbase ≤ reward + fees), spends its inputs, adds its
 * outputs, writes its undo data, height entry and the tip. Transactions may spend outputs of earlier ones in the same block.
 * Signatures are not checked here (verifyBlockSignatures). Returns the coins spent, in order (the undo record's coins).
 * A throw may leave some of the block's changes made: run it inside a transaction (ChainStore) or discard the target.
 */
export function connectBlock(store: ConnectTarget, block: Block, params: ChainParams): Coin[] {
  const spent: Coin[] = [];
  let fees = 0n;
  // Indexed loops: this runs per input during a sync, and entries() allocates a pair per step.
  const txs = block.transactions;
  for (let position = 0; position < txs.length; position++) {
    const tx = txs[position]!;
    if (position > 0) {
      // checkTransactionInputs' rules in its order (missing, key, owner per input; then the
      // total; then maturity), but each input is spent as it is checked: one UTXO lookup per
      // input, not one to check and one to spend, and no per-transaction result. A throw leaves
      // spends behind, which the caller's transaction aborts with everything else.
      // The accessors, not tx.inputs: a decoded transaction then builds no input objects (tx.ts).
      const inputCount = tx.inputCount;
      const first = spent.length;
      let inputTotal = 0n;
      for (let i = 0; i < inputCount; i++) {
        const coin = store.removeCoin(tx.inputPrevout(i));
        if (!coin) throw missingInputError(tx, i);
        // Every stored or new block passed verifyBlockSignatures before it gets here: its keys parsed.
        checkInputOwner(tx, i, coin, false);
        inputTotal += coin.amount;
        spent.push(coin);
      }
      fees += feeOf(tx, inputTotal);
      for (let i = first; i < spent.length; i++) {
        const coin = spent[i]!;
        if (isImmatureCoinbase(coin, block.height, params.coinbaseMaturity)) throw prematureSpendError(tx, i - first, coin, block.height, params.coinbaseMaturity);
      }
    }
    const txid = tx.txid;
    for (let index = 0; index < tx.outputCount; index++) {
      // No BIP30 lookup (an identical txid overwriting an unspent output) — it cannot fire here:
      // checkBlockSanity makes every coinbase commit to its own height (so coinbase txids of the
      // active chain differ) and rejects duplicate txids within a block; a non-coinbase tx equal
      // to an earlier one would spend the very same outputs, already spent (BIP34's argument).
      // So a txid never repeats on the active chain, barring a hash256 collision.
      store.putCoin({ txid, index }, { amount: tx.outputAmount(index), pubKeyHash: tx.outputPubKeyHash(index), height: block.height, isCoinbase: position === 0 });
    }
  }
  const coinbaseTotal = block.transactions[0]!.totalOutput();
  const allowed = params.blockRewardAmount + fees;
  if (coinbaseTotal > allowed) {
    throw new ValidationError(Code.CoinbaseTooLarge, `block ${block.hashHex} coinbase pays ${coinbaseTotal}, more than the reward plus fees of ${allowed}`);
  }
  store.putUndo(block.hash, spent);
  store.putHeight(block.height, block.hash);
  store.putTipHash(block.hash);
  return spent;
}

/** True for a block whose transactions spend no coin: only a coinbase. */
export function spendsNothing(block: Block): boolean {
  const txs = block.transactions;
  for (let i = 1; i < txs.length; i++) if (txs[i]!.inputCount > 0) return false;
  return true;
}

/** Reverses connectBlock for the active tip using its undo data; the tip becomes its parent. */
export function disconnectBlock(store: ChainStore, block: Block): void {
  const id = block.hashHex;
  const corrupt = (what: string): StorageError =>
    new StorageError('storage-corrupt', `the chain database at ${store.path} is inconsistent: ${what} while disconnecting block ${id}`);
  // A block that spent nothing has no undo record (ChainStore.putUndo).
  const undo = store.getUndo(block.hash) ?? (spendsNothing(block) ? [] : undefined);
  if (!undo) throw corrupt('undo data is missing');
  let next = undo.length;
  for (let position = block.transactions.length - 1; position >= 0; position--) {
    const tx = block.transactions[position]!;
    const txid = tx.txid;
    for (let index = 0; index < tx.outputCount; index++) {
      if (!store.removeCoin({ txid, index })) throw corrupt(`output ${tx.txidHex}:${index} is not in the UTXO set`);
    }
    if (position === 0) continue;
    for (let i = tx.inputCount - 1; i >= 0; i--) {
      const coin = undo[--next];
      if (!coin) throw corrupt('undo data holds fewer coins than the block spent');
      store.putCoin(tx.inputPrevout(i), coin);
    }
  }
  if (next !== 0) throw corrupt('undo data holds more coins than the block spent');
  store.removeUndo(block.hash);
  store.removeHeight(block.height);
  store.putTipHash(block.header.prevHash);
}
