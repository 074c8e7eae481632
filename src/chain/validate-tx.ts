import { ZERO_HASH, hash160Equals } from '../primitives/hash.js';
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES, isValidPublicKey, verify } from '../primitives/secp256k1.js';
import { MAX_COINBASE_DATA_BYTES, type Transaction } from '../primitives/tx.js';
import { ValidationCode as Code, ValidationError } from './errors.js';
import type { Coin, CoinView } from './types.js';

/** No amount or sum of amounts may exceed this: keeps every total inside u64 and far from overflow. */
export const MAX_MONEY = 21_000_000n * 100_000_000n;

/** Context-free rules: shape, amounts, duplicate inputs. Cheap; run before anything touches storage. */
export function checkTransactionSanity(tx: Transaction): void {
  // Through the accessors, not tx.inputs / tx.outputs: a decoded block's transactions then never build their field objects (tx.ts).
  const inputCount = tx.inputCount;
  const outputCount = tx.outputCount;
  if (inputCount === 0) throw new ValidationError(Code.NoInputs, `transaction ${tx.txidHex} has no inputs`);
  if (outputCount === 0) throw new ValidationError(Code.NoOutputs, `transaction ${tx.txidHex} has no outputs`);
  let total = 0n;
  for (let i = 0; i < outputCount; i++) {
    const amount = tx.outputAmount(i);
    if (amount <= 0n) throw new ValidationError(Code.ZeroOrNegativeOutput, `transaction ${tx.txidHex} output ${i} pays ${amount}; amounts must be positive`);
    if (amount > MAX_MONEY) throw new ValidationError(Code.OutputsOverflow, `transaction ${tx.txidHex} output ${i} exceeds the money supply`);
    total += amount;
    if (total > MAX_MONEY) throw new ValidationError(Code.OutputsOverflow, `transaction ${tx.txidHex} outputs add up to more than the money supply`);
  }
  if (tx.isCoinbase) {
    const data = tx.inputPublicKey(0);
    if (data.length < 4 || data.length > MAX_COINBASE_DATA_BYTES) {
      throw new ValidationError(Code.BadCoinbaseHeight, `coinbase ${tx.txidHex} data must be 4-${MAX_COINBASE_DATA_BYTES} bytes starting with the block height`);
    }
    return;
  }
  // Few inputs (most transactions): compare each with the ones before it, no set and no key strings.
  const seen = inputCount > PAIRWISE_DUPLICATE_CHECK_MAX_INPUTS ? new Set<string>() : undefined;
  for (let i = 0; i < inputCount; i++) {
    const txid = tx.inputPrevoutTxid(i);
    const index = tx.inputPrevoutIndex(i);
    if (txid.equals(ZERO_HASH)) throw new ValidationError(Code.UnexpectedCoinbase, `transaction ${tx.txidHex} input ${i} has a null prevout outside a coinbase`);
    let duplicate = false;
    if (seen) {
      // A set key only: latin1 maps the 32 txid bytes to 32 characters 1:1 (cheaper than hex), so the index can follow unseparated.
      const key = txid.toString('latin1') + index;
      duplicate = seen.has(key);
      seen.add(key);
    } else {
      for (let j = 0; j < i && !duplicate; j++) duplicate = tx.inputPrevoutIndex(j) === index && tx.inputPrevoutTxid(j).equals(txid);
    }
    if (duplicate) throw new ValidationError(Code.DuplicateInput, `transaction ${tx.txidHex} spends the same output twice (input ${i})`);
  }
}

/** Up to this many inputs the duplicate check compares pairs (at most 28 index compares, few txid compares); above it a set's linear cost wins. */
const PAIRWISE_DUPLICATE_CHECK_MAX_INPUTS = 8;

export interface InputCheckResult {
  readonly inputTotal: bigint;
  readonly fee: bigint;
  /** The coins spent, by input index (callers use them for undo data and mempool bookkeeping). */
  readonly spent: readonly Coin[];
}

/**
 * Contextual rules for a non-coinbase transaction against a view of unspent outputs: every input
 * exists, carries a well-formed key that hashes to the spent output's owner, and inputs cover outputs.
 * Signatures are checked separately (verifyTransactionSignatures) so callers can batch or parallelise them.
 */
export interface InputCheckOptions {
  /**
   * The caller already verified every input signature (so every key parsed as a curve point):
   * skip parsing the keys a second time. Only the length and owner checks remain. Blocks pass
   * this: their signatures are checked before connect, so a bad key fails there first anyway.
   */
  readonly signaturesVerified?: boolean;
}

export function checkTransactionInputs(tx: Transaction, view: CoinView, options: InputCheckOptions = {}): InputCheckResult {
  const parseKeys = options.signaturesVerified !== true;
  let inputTotal = 0n;
  const spent: Coin[] = [];
  // Indexed: per input on every block connect; entries() allocates a pair per step.
  for (let i = 0; i < tx.inputs.length; i++) {
    const coin = view.getCoin(tx.inputs[i]!.prevout);
    if (!coin) throw missingInputError(tx, i);
    checkInputOwner(tx, i, coin, parseKeys);
    inputTotal += coin.amount;
    spent.push(coin);
  }
  return { inputTotal, fee: feeOf(tx, inputTotal), spent };
}

/** The error for input `inputIndex` of `tx` naming a coin the view does not hold (shared with connectBlock). */
export function missingInputError(tx: Transaction, inputIndex: number): ValidationError {
  const prevout = tx.inputPrevout(inputIndex);
  return new ValidationError(
    Code.MissingInputs,
    `transaction ${tx.txidHex} input ${inputIndex} spends ${prevout.txid.toString('hex')}:${prevout.index}, which is unknown or already spent`,
  );
}

/**
 * Input `inputIndex` of `tx` carries a well-formed key (parsed as a curve point only when
 * `parseKey`) that hashes to the owner of `coin`, the coin it spends. Shared with connectBlock,
 * which checks each input as it spends it.
 */
export function checkInputOwner(tx: Transaction, inputIndex: number, coin: Coin, parseKey: boolean): void {
  const publicKey = tx.inputPublicKey(inputIndex);
  if (publicKey.length !== PUBLIC_KEY_BYTES || (parseKey && !isValidPublicKey(publicKey))) {
    throw new ValidationError(Code.BadPublicKey, `transaction ${tx.txidHex} input ${inputIndex} does not carry a valid compressed public key`);
  }
  if (!hash160Equals(publicKey, coin.pubKeyHash)) {
    throw new ValidationError(Code.PubKeyMismatch, `transaction ${tx.txidHex} input ${inputIndex} is signed by a key that does not own the output it spends`);
  }
}

/** `tx`'s fee given the total of the coins it spends; throws when its outputs pay more than that (shared with connectBlock). */
export function feeOf(tx: Transaction, inputTotal: bigint): bigint {
  const outputTotal = tx.totalOutput();
  if (inputTotal < outputTotal) {
    throw new ValidationError(Code.InputsBelowOutputs, `transaction ${tx.txidHex} spends ${outputTotal} but its inputs hold only ${inputTotal}`);
  }
  return inputTotal - outputTotal;
}

/**
 * A coinbase output (other than the genesis reward, which the tutorial spends at once) may be
 * spent only in a block at least `maturity` blocks above the one that created it: at
 * `spendHeight` it must have `maturity` confirmations counting that block.
 */
export function isImmatureCoinbase(coin: Coin, spendHeight: number, maturity: number): boolean {
  return coin.isCoinbase && coin.height > 0 && spendHeight - coin.height < maturity;
}

/** The first input of `tx` (given the coins it spends) that spends an immature coinbase, or -1. */
export function prematureCoinbaseInput(spent: readonly Coin[], spendHeight: number, maturity: number): number {
  for (let i = 0; i < spent.length; i++) if (isImmatureCoinbase(spent[i]!, spendHeight, maturity)) return i;
  return -1;
}

/** The error for input `inputIndex` of `tx` spending a block reward too early. */
export function prematureSpendError(tx: Transaction, inputIndex: number, coin: Coin, spendHeight: number, maturity: number): ValidationError {
  const prevout = tx.inputPrevout(inputIndex);
  return new ValidationError(
    Code.PrematureCoinbaseSpend,
    `transaction ${tx.txidHex} input ${inputIndex} spends the block reward ${prevout.txid.toString('hex')}:${prevout.index} of height ${coin.height} at height ${spendHeight}; block rewards need ${maturity} confirmations (spendable from height ${coin.height + maturity})`,
  );
}

/** Every input's signature over tx.sighash(i) by its public key (libsecp256k1 enforces low-S). */
export function verifyTransactionSignatures(tx: Transaction): void {
  for (const [i, input] of tx.inputs.entries()) {
    if (input.signature.length !== SIGNATURE_BYTES || !verify(input.signature, tx.sighash(i), input.publicKey)) {
      throw badSignatureError(tx, i);
    }
  }
}

/** The error for input `inputIndex` of `tx` failing its signature check (shared with block verification). */
export function badSignatureError(tx: Transaction, inputIndex: number): ValidationError {
  return new ValidationError(Code.BadSignature, `transaction ${tx.txidHex} input ${inputIndex} has an invalid signature`);
}
