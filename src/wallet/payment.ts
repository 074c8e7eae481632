import type { CoinEntry } from '../chain/types.js';
import { addressToPubKeyHash } from '../primitives/address.js';
import { Transaction, type TxInput, type TxOutput, outPointKey } from '../primitives/tx.js';
import { PAYMENT_TX_VERSION } from './constants.js';
import { WalletError } from './errors.js';
import type { Wallet } from './wallet.js';

export interface PaymentOptions {
  wallet: Wallet;
  /** Address paying; the wallet must hold its key. */
  from: string;
  to: string;
  amount: bigint;
  fee: bigint;
  /** Coins `from` may spend: the caller passes mempool.spendableCoins(fromPkh). */
  coins: readonly CoinEntry[];
}

/**
 * Oldest first (confirmed coins before unconfirmed change, so chains of unconfirmed txs stay
 * short), then largest first (fewer inputs), then by outpoint so the choice is deterministic.
 */
function compareCoins(a: CoinEntry, b: CoinEntry): number {
  if (a.coin.height !== b.coin.height) return a.coin.height - b.coin.height;
  if (a.coin.amount !== b.coin.amount) return a.coin.amount > b.coin.amount ? -1 : 1;
  return Buffer.compare(outPointKey(a.outpoint), outPointKey(b.outpoint));
}

/** Picks coins until `needed` is covered; `total < needed` means the coins do not suffice. */
export function selectCoins(coins: readonly CoinEntry[], needed: bigint): { selected: CoinEntry[]; total: bigint } {
  const selected: CoinEntry[] = [];
  let total = 0n;
  for (const entry of [...coins].sort(compareCoins)) {
    if (total >= needed) break;
    selected.push(entry);
    total += entry.coin.amount;
  }
  return { selected, total };
}

/** Builds and signs a payment: selected inputs, `amount` to `to`, change (if any) back to `from`. */
export function createPayment(options: PaymentOptions): Transaction {
  const { wallet, from, to, amount, fee } = options;
  const toPkh = addressToPubKeyHash(to);
  const fromPkh = addressToPubKeyHash(from);
  const publicKey = wallet.publicKeyFor(fromPkh);
  if (!publicKey) throw new WalletError('unknown-sender', `this wallet has no key for ${from}, so it cannot send from it; use one of its own addresses`);
  if (typeof amount !== 'bigint' || amount <= 0n) throw new WalletError('invalid-amount', `the amount must be a positive whole number of coins, got ${String(amount)}`);
  if (typeof fee !== 'bigint' || fee < 0n) throw new WalletError('invalid-fee', `the fee must be zero or a positive whole number of coins, got ${String(fee)}`);

  const needed = amount + fee;
  // Only coins that really belong to the sender: a stray entry would make an unsignable input.
  const own = options.coins.filter((c) => c.coin.pubKeyHash.equals(fromPkh));
  const { selected, total } = selectCoins(own, needed);
  if (total < needed) {
    throw new WalletError('insufficient-funds', `${from} has ${total}, needs ${needed} (amount ${amount} + fee ${fee})`);
  }

  const inputs: TxInput[] = selected.map((c) => ({ prevout: c.outpoint, publicKey, signature: Buffer.alloc(0) }));
  const outputs: TxOutput[] = [{ amount, pubKeyHash: toPkh }];
  const change = total - needed;
  if (change > 0n) outputs.push({ amount: change, pubKeyHash: fromPkh });
  return wallet.signTransaction(new Transaction(PAYMENT_TX_VERSION, inputs, outputs));
}
