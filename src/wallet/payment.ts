import type { CoinEntry } from '../chain/types.js';
import { isImmatureCoinbase } from '../chain/validate-tx.js';
import { addressToPubKeyHash } from '../primitives/address.js';
import { Transaction, type TxInput, type TxOutput } from '../primitives/tx.js';
import { OUTPUT_BYTES, PAYMENT_TX_VERSION, SIGNED_INPUT_BYTES, TX_FIXED_BYTES } from './constants.js';
import { WalletError } from './errors.js';
import type { Wallet } from './wallet.js';

/**
 * Coins in selection order, read from the front: a plain array, or the coin index's run
 * (coin-index.ts), whose spent front is skipped instead of shifted out of a 30,000-entry array.
 */
export interface OrderedCoins extends Iterable<CoinEntry> {
  readonly length: number;
  at(index: number): CoinEntry | undefined;
}

export interface PaymentOptions {
  wallet: Wallet;
  /** Address paying; the wallet must hold its key. */
  from: string;
  to: string;
  amount: bigint;
  fee: bigint;
  /** Coins `from` may spend: the caller passes mempool.spendableCoins(fromPkh), or WalletCoinIndex.ordered(fromPkh) with `ordered`. */
  coins: OrderedCoins;
  /**
   * The coins are already in compareCoins order (WalletCoinIndex): the usual selection then reads
   * them from the front until the amount is covered instead of sorting them all. Only a payment
   * that needs more inputs than a standard tx may have looks at every coin.
   */
  ordered?: boolean;
  /** `from` and `to` already decoded by the caller (the send RPC decodes them first to answer a typo as such): not decoded again. */
  pubKeyHashes?: { from: Buffer; to: Buffer };
  /** The pool's standardness limits (txpool.maxTxInputs / maxTxBytes): the wallet never builds a tx past them. */
  limits?: PaymentLimits;
  /** Block rewards not spendable at `spendHeight` are never picked (coins from the pool are already filtered). */
  maturity?: { spendHeight: number; coinbaseMaturity: number };
}

export interface PaymentLimits {
  maxTxInputs: number;
  maxTxBytes: number;
}

/** Upper bound of the encoded size of a payment with `inputs` inputs and up to two outputs. */
export function paymentSize(inputs: number): number {
  return TX_FIXED_BYTES + inputs * SIGNED_INPUT_BYTES + 2 * OUTPUT_BYTES;
}

/** Most inputs a payment (two outputs) may have under `limits`. */
export function maxPaymentInputs(limits: PaymentLimits): number {
  return Math.min(limits.maxTxInputs, Math.floor((limits.maxTxBytes - paymentSize(0)) / SIGNED_INPUT_BYTES));
}

/**
 * Oldest first (confirmed coins before unconfirmed change, so chains of unconfirmed txs stay
 * short), then largest first (fewer inputs), then by outpoint so the choice is deterministic.
 */
export function compareCoins(a: CoinEntry, b: CoinEntry): number {
  if (a.coin.height !== b.coin.height) return a.coin.height - b.coin.height;
  if (a.coin.amount !== b.coin.amount) return a.coin.amount > b.coin.amount ? -1 : 1;
  // outPointKey's order (txid bytes, then the index big-endian) without building the keys: the
  // coin index compares on every insert and removal, mostly coins of equal height and amount.
  // Random txids nearly always differ in their first 4 bytes, read in JS (~40 ns a compare warm,
  // against ~70 through Buffer.compare's native call); byte order is the same.
  const x = a.outpoint.txid;
  const y = b.outpoint.txid;
  const prefix = x.readUInt32BE(0) - y.readUInt32BE(0);
  if (prefix !== 0) return prefix;
  return Buffer.compare(x, y) || a.outpoint.index - b.outpoint.index;
}

/** Largest first: the fewest inputs for an amount (for payments that would otherwise need too many). */
function compareLargestFirst(a: CoinEntry, b: CoinEntry): number {
  if (a.coin.amount !== b.coin.amount) return a.coin.amount > b.coin.amount ? -1 : 1;
  return compareCoins(a, b);
}

/** Picks coins until `needed` is covered; `total < needed` means the coins do not suffice. */
export function selectCoins(coins: readonly CoinEntry[], needed: bigint, order: (a: CoinEntry, b: CoinEntry) => number = compareCoins): { selected: CoinEntry[]; total: bigint } {
  return selectInOrder([...coins].sort(order), needed, () => true);
}

/** Takes coins `usable` accepts from the front of `sorted` until `needed` is covered (it reads no further). */
export function selectInOrder(sorted: OrderedCoins, needed: bigint, usable: (c: CoinEntry) => boolean): { selected: CoinEntry[]; total: bigint } {
  const selected: CoinEntry[] = [];
  let total = 0n;
  for (let i = 0; i < sorted.length && total < needed; i++) {
    const entry = sorted.at(i)!;
    if (!usable(entry)) continue;
    selected.push(entry);
    total += entry.coin.amount;
  }
  return { selected, total };
}

/** Builds and signs a payment: selected inputs, `amount` to `to`, change (if any) back to `from`. */
export function createPayment(options: PaymentOptions): Transaction {
  const { wallet, from, to, amount, fee } = options;
  const toPkh = options.pubKeyHashes?.to ?? addressToPubKeyHash(to);
  const fromPkh = options.pubKeyHashes?.from ?? addressToPubKeyHash(from);
  const publicKey = wallet.publicKeyFor(fromPkh);
  if (!publicKey) throw new WalletError('unknown-sender', `this wallet has no key for ${from}, so it cannot send from it; use one of its own addresses`);
  if (typeof amount !== 'bigint' || amount <= 0n) throw new WalletError('invalid-amount', `the amount must be a positive whole number of coins, got ${String(amount)}`);
  if (typeof fee !== 'bigint' || fee < 0n) throw new WalletError('invalid-fee', `the fee must be zero or a positive whole number of coins, got ${String(fee)}`);

  const needed = amount + fee;
  // Only coins that really belong to the sender: a stray entry would make an unsignable input.
  // Never an immature block reward: no node would accept the payment until it matures.
  const { maturity } = options;
  const usable = (c: CoinEntry): boolean => c.coin.pubKeyHash.equals(fromPkh) && !(maturity && isImmatureCoinbase(c.coin, maturity.spendHeight, maturity.coinbaseMaturity));
  let { selected, total } = options.ordered === true ? selectInOrder(options.coins, needed, usable) : selectCoins(Array.from(options.coins).filter(usable), needed);
  if (total < needed) {
    throw new WalletError('insufficient-funds', `${from} has ${total}, needs ${needed} (amount ${amount} + fee ${fee})`);
  }
  const limits = options.limits;
  if (limits && selected.length > maxPaymentInputs(limits)) {
    const own = Array.from(options.coins).filter(usable);
    // The usual order (oldest first) needs too many coins: the largest ones may do.
    ({ selected, total } = selectCoins(own, needed, compareLargestFirst));
    const maxInputs = maxPaymentInputs(limits);
    if (selected.length > maxInputs) {
      let reachable = 0n;
      for (const c of [...own].sort(compareLargestFirst).slice(0, maxInputs)) reachable += c.coin.amount;
      const canSend = reachable > fee ? reachable - fee : 0n;
      throw new WalletError(
        'tx-too-large',
        `paying ${amount} from ${from} needs ${selected.length} of its coins as inputs (${paymentSize(selected.length)} bytes), more than a standard transaction may have (${maxInputs} inputs, ${limits.maxTxBytes} bytes); send at most ${canSend} now, or consolidate first by sending ${canSend} from ${from} to itself`,
      );
    }
  }

  const inputs: TxInput[] = selected.map((c) => ({ prevout: c.outpoint, publicKey, signature: Buffer.alloc(0) }));
  const outputs: TxOutput[] = [{ amount, pubKeyHash: toPkh }];
  const change = total - needed;
  if (change > 0n) outputs.push({ amount: change, pubKeyHash: fromPkh });
  return wallet.signTransaction(new Transaction(PAYMENT_TX_VERSION, inputs, outputs));
}
