import test, { type ExecutionContext } from 'ava';
import path from 'node:path';
import type { Coin, CoinEntry } from '../../../src/chain/types.js';
import { checkTransactionInputs, checkTransactionSanity, verifyTransactionSignatures } from '../../../src/chain/validate-tx.js';
import { AddressError, addressToPubKeyHash } from '../../../src/primitives/address.js';
import { sha256 } from '../../../src/primitives/hash.js';
import { type OutPoint, outPointKey } from '../../../src/primitives/tx.js';
import { silentLogger } from '../../../src/util/logger.js';
import { Wallet, WalletError, createPayment } from '../../../src/wallet/index.js';
import { makeKey } from '../../helpers/fixtures.js';
import { tempDir } from '../../helpers/temp-dir.js';

async function walletWithKey(t: ExecutionContext): Promise<{ wallet: Wallet; address: string; pkh: Buffer }> {
  const dir = await tempDir(t, 'kadchain-pay-');
  const wallet = await Wallet.open({ path: path.join(dir, 'wallet.json'), logger: silentLogger() });
  const address = await wallet.createKey();
  return { wallet, address, pkh: addressToPubKeyHash(address) };
}

function coin(pkh: Buffer, amount: bigint, height: number, tag: string): CoinEntry {
  return { outpoint: { txid: sha256(Buffer.from(tag)), index: 0 }, coin: { amount, pubKeyHash: pkh, height, isCoinbase: false } };
}

function viewOf(coins: readonly CoinEntry[]): { getCoin(op: OutPoint): Coin | undefined } {
  const map = new Map(coins.map((c) => [outPointKey(c.outpoint).toString('hex'), c.coin]));
  return { getCoin: (op) => map.get(outPointKey(op).toString('hex')) };
}

test('pays the amount, returns change to the sender and signs a valid transaction', async (t) => {
  const { wallet, address, pkh } = await walletWithKey(t);
  const to = makeKey();
  const coins = [coin(pkh, 600n, 1, 'a'), coin(pkh, 700n, 2, 'b')];
  const tx = createPayment({ wallet, from: address, to: to.address, amount: 1000n, fee: 10n, coins });
  t.is(tx.inputs.length, 2);
  t.deepEqual(
    tx.outputs.map((o) => [o.amount, o.pubKeyHash.toString('hex')]),
    [
      [1000n, to.pubKeyHash.toString('hex')],
      [290n, pkh.toString('hex')],
    ],
  );
  checkTransactionSanity(tx);
  const { fee } = checkTransactionInputs(tx, viewOf(coins));
  t.is(fee, 10n);
  t.notThrows(() => verifyTransactionSignatures(tx));
});

test('an exact amount has no change output', async (t) => {
  const { wallet, address, pkh } = await walletWithKey(t);
  const to = makeKey();
  const tx = createPayment({ wallet, from: address, to: to.address, amount: 95n, fee: 5n, coins: [coin(pkh, 100n, 1, 'a')] });
  t.is(tx.outputs.length, 1);
  t.is(tx.outputs[0]!.amount, 95n);
});

test('coin selection is deterministic: oldest first, then largest, only as many as needed', async (t) => {
  const { wallet, address, pkh } = await walletWithKey(t);
  const to = makeKey();
  const old = coin(pkh, 50n, 1, 'old');
  const bigNew = coin(pkh, 5000n, 9, 'big-new');
  const mid = coin(pkh, 80n, 3, 'mid');
  const midLarger = coin(pkh, 90n, 3, 'mid-larger');
  const tx = createPayment({ wallet, from: address, to: to.address, amount: 100n, fee: 0n, coins: [bigNew, mid, old, midLarger] });
  t.deepEqual(
    tx.inputs.map((i) => i.prevout.txid.toString('hex')),
    [old, midLarger].map((c) => c.outpoint.txid.toString('hex')),
  );
  // Coins of other addresses are never used even if passed in.
  const foreign = coin(makeKey().pubKeyHash, 10_000n, 0, 'foreign');
  const tx2 = createPayment({ wallet, from: address, to: to.address, amount: 100n, fee: 0n, coins: [foreign, old, midLarger] });
  t.false(tx2.inputs.some((i) => i.prevout.txid.equals(foreign.outpoint.txid)));
});

test('insufficient funds says what the sender has and needs', async (t) => {
  const { wallet, address, pkh } = await walletWithKey(t);
  const err = t.throws(() => createPayment({ wallet, from: address, to: makeKey().address, amount: 100n, fee: 1n, coins: [coin(pkh, 60n, 1, 'a'), coin(pkh, 30n, 1, 'b')] }), { instanceOf: WalletError });
  t.is(err?.code, 'insufficient-funds');
  t.regex(err?.message ?? '', /has 90, needs 101/);
  const none = t.throws(() => createPayment({ wallet, from: address, to: makeKey().address, amount: 1n, fee: 0n, coins: [] }), { instanceOf: WalletError });
  t.regex(none?.message ?? '', /has 0, needs 1/);
});

test('only an address of this wallet may send', async (t) => {
  const { wallet, pkh } = await walletWithKey(t);
  const stranger = makeKey();
  const err = t.throws(() => createPayment({ wallet, from: stranger.address, to: makeKey().address, amount: 1n, fee: 0n, coins: [coin(pkh, 60n, 1, 'a')] }), { instanceOf: WalletError });
  t.is(err?.code, 'unknown-sender');
  t.true(err?.message.includes(stranger.address));
});

test('a recipient address with a bad checksum is an AddressError', async (t) => {
  const { wallet, address, pkh } = await walletWithKey(t);
  const good = makeKey().address;
  const last = good[good.length - 1]!;
  const typo = good.slice(0, -1) + (last === '2' ? '3' : '2');
  const err = t.throws(() => createPayment({ wallet, from: address, to: typo, amount: 1n, fee: 0n, coins: [coin(pkh, 60n, 1, 'a')] }), { instanceOf: AddressError });
  t.is(err?.code, 'invalid-address');
  t.regex(err?.message ?? '', /checksum/);
});

test('zero or negative amounts and negative fees are refused', async (t) => {
  const { wallet, address, pkh } = await walletWithKey(t);
  const coins = [coin(pkh, 60n, 1, 'a')];
  const to = makeKey().address;
  for (const amount of [0n, -5n]) {
    const err = t.throws(() => createPayment({ wallet, from: address, to, amount, fee: 0n, coins }), { instanceOf: WalletError });
    t.is(err?.code, 'invalid-amount');
  }
  const fee = t.throws(() => createPayment({ wallet, from: address, to, amount: 1n, fee: -1n, coins }), { instanceOf: WalletError });
  t.is(fee?.code, 'invalid-fee');
});

test('a payment that would need more inputs than a standard tx may have is refused with what to do', async (t) => {
  const { wallet, address, pkh } = await walletWithKey(t);
  const to = makeKey().address;
  const limits = { maxTxInputs: 5, maxTxBytes: 100_000 };
  // Ten 10-coin coins, all old, and one 30-coin coin that is newer.
  const coins = [...Array.from({ length: 10 }, (_, i) => coin(pkh, 10n, 1, `small-${i}`)), coin(pkh, 30n, 5, 'big')];
  // 70 in the usual order (oldest first) takes 7 small coins: too many, so the largest go first (30 + 4 × 10).
  const tx = createPayment({ wallet, from: address, to, amount: 70n, fee: 0n, coins, limits });
  t.is(tx.inputs.length, 5);
  t.true(tx.inputs.some((i) => i.prevout.txid.equals(coins[10]!.outpoint.txid)));
  // 90 + fee 1 needs 8 coins even largest first.
  const err = t.throws(() => createPayment({ wallet, from: address, to, amount: 90n, fee: 1n, coins, limits }), { instanceOf: WalletError });
  t.is(err?.code, 'tx-too-large');
  t.regex(err!.message, /needs 8 of its coins as inputs .* more than a standard transaction may have \(5 inputs/);
  t.regex(err!.message, /send at most 69 now, or consolidate first by sending 69 from .* to itself/);
  // Following the advice works.
  t.notThrows(() => createPayment({ wallet, from: address, to: address, amount: 69n, fee: 1n, coins, limits }));
});

test('the size limit bounds the inputs too', async (t) => {
  const { wallet, address, pkh } = await walletWithKey(t);
  const coins = Array.from({ length: 10 }, (_, i) => coin(pkh, 10n, 1, `c-${i}`));
  const err = t.throws(() => createPayment({ wallet, from: address, to: makeKey().address, amount: 50n, fee: 0n, coins, limits: { maxTxInputs: 700, maxTxBytes: 500 } }), {
    instanceOf: WalletError,
  });
  t.is(err?.code, 'tx-too-large');
  const tx = createPayment({ wallet, from: address, to: makeKey().address, amount: 30n, fee: 0n, coins, limits: { maxTxInputs: 700, maxTxBytes: 500 } });
  t.true(tx.size <= 500);
});

test('immature block rewards are never picked', async (t) => {
  const { wallet, address, pkh } = await walletWithKey(t);
  const reward = (height: number, tag: string): CoinEntry => ({ ...coin(pkh, 1000n, height, tag), coin: { ...coin(pkh, 1000n, height, tag).coin, isCoinbase: true } });
  const coins = [reward(8, 'young'), reward(2, 'old'), coin(pkh, 5n, 9, 'change')];
  const maturity = { spendHeight: 10, coinbaseMaturity: 5 };
  const tx = createPayment({ wallet, from: address, to: makeKey().address, amount: 1004n, fee: 0n, coins, maturity });
  t.false(tx.inputs.some((i) => i.prevout.txid.equals(coins[0]!.outpoint.txid)));
  const err = t.throws(() => createPayment({ wallet, from: address, to: makeKey().address, amount: 1006n, fee: 0n, coins, maturity }), { instanceOf: WalletError });
  t.is(err?.code, 'insufficient-funds');
});
