/**
 * sendrawtransaction with a real node process and the real CLI: a payment built and signed with
 * the wallet code outside the node goes in raw; Bitcoin Core's error codes for what cannot.
 */
import test from 'ava';
import { join } from 'node:path';
import type { CoinEntry } from '../../src/chain/types.js';
import { addressToPubKeyHash } from '../../src/primitives/address.js';
import { Transaction } from '../../src/primitives/tx.js';
import { silentLogger } from '../../src/util/logger.js';
import { Wallet, createPayment, decodeWalletWif } from '../../src/wallet/index.js';
import { makeKey } from '../helpers/fixtures.js';
import { cli, createNodeSetup, rpc, rpcError, startNode } from './harness.js';

interface Unspent {
  txid: string;
  vout: number;
  amount: number;
  confirmations: number;
  coinbase: boolean;
}

test('a payment signed outside the node goes in raw through the CLI; bad hex is -22, an invalid tx -25, a conflicting one -26', async (t) => {
  const setup = await createNodeSetup(t, { txpoolSize: 100 });
  await startNode(t, setup);
  const { address } = (await rpc(setup, 'genesis_block')) as { address: string };
  const { privateKey } = (await rpc(setup, 'dumpprivkey', { address })) as { privateKey: string };

  // The same key in a wallet of our own, outside the node.
  const wallet = await Wallet.open({ path: join(setup.root, 'outside-wallet.json'), logger: silentLogger() });
  await wallet.importKey(decodeWalletWif(privateKey));
  const unspent = (await rpc(setup, 'listunspent', { address })) as Unspent[];
  const pkh = addressToPubKeyHash(address);
  const coins: CoinEntry[] = unspent.map((u) => ({ outpoint: { txid: Buffer.from(u.txid, 'hex'), index: u.vout }, coin: { amount: BigInt(u.amount), pubKeyHash: pkh, height: 0, isCoinbase: u.coinbase } }));
  const to = makeKey().address;
  const tx = createPayment({ wallet, from: address, to, amount: 100n, fee: 1n, coins });
  const hex = tx.encode().toString('hex');

  // A signature that does not match (before the real one is pooled, so nothing conflicts): invalid (-25), nothing pooled.
  const forged = Transaction.decode(Buffer.from(hex, 'hex')).withSignature(0, Buffer.alloc(64, 1));
  const badSig = await rpcError(rpc(setup, 'sendrawtransaction', { hexstring: forged.encode().toString('hex') }));
  t.is(badSig.code, -25, badSig.message);
  t.log(badSig.message);
  t.is(((await rpc(setup, 'mempool')) as { txs: unknown[] }).txs.length, 0);

  const sent = await cli(setup, ['sendrawtransaction', hex]);
  t.is(sent.code, 0, sent.stderr);
  t.is(sent.stdout, tx.txidHex);
  const pool = (await rpc(setup, 'mempool')) as { txs: Array<{ txid: string; fee: number }> };
  t.deepEqual(pool.txs.map((p) => [p.txid, p.fee]), [[tx.txidHex, 1]]);
  t.deepEqual(await rpc(setup, 'sendrawtransaction', { hexstring: hex }), { txid: tx.txidHex }, 'a resubmission answers the txid (as Bitcoin Core)');

  const notHex = await rpcError(rpc(setup, 'sendrawtransaction', { hexstring: 'zz' }));
  t.is(notHex.code, -22);
  t.log(notHex.message);
  const truncated = await rpcError(rpc(setup, 'sendrawtransaction', { hexstring: hex.slice(0, hex.length - 2) }));
  t.is(truncated.code, -22);
  t.regex(truncated.message, /^TX decode failed: /);
  t.log(truncated.message);

  // The same coin paid elsewhere: a conflict with the pooled payment (policy, -26).
  const conflict = createPayment({ wallet, from: address, to, amount: 200n, fee: 1n, coins });
  const conflicted = await rpcError(rpc(setup, 'sendrawtransaction', { hexstring: conflict.encode().toString('hex') }));
  t.is(conflicted.code, -26);
  t.log(conflicted.message);

  // A coin that does not exist: invalid (-25).
  const ghost: CoinEntry[] = [{ outpoint: { txid: Buffer.alloc(32, 9), index: 0 }, coin: { amount: 50n, pubKeyHash: pkh, height: 0, isCoinbase: false } }];
  const missing = await rpcError(rpc(setup, 'sendrawtransaction', { hexstring: createPayment({ wallet, from: address, to, amount: 10n, fee: 0n, coins: ghost }).encode().toString('hex') }));
  t.is(missing.code, -25);
  t.log(missing.message);


  const cliBad = await cli(setup, ['sendrawtransaction', 'abc']);
  t.not(cliBad.code, 0);
  t.regex(cliBad.stderr, /TX decode failed/);
  t.log(cliBad.stderr);
  const help = await rpc(setup, 'help', { command: 'sendrawtransaction' });
  t.like(help, { usage: 'sendrawtransaction hexstring' });
});
