import test from 'ava';
import { ValidationError } from '../../../src/chain/errors.js';
import { MempoolError, type MempoolEntry } from '../../../src/mempool/index.js';
import { Transaction } from '../../../src/primitives/tx.js';
import { makeKey, outpoint, pay, spend } from '../../helpers/fixtures.js';
import { coinbaseOf, setupPool } from './setup.js';

test('accepts a valid transaction with its fee and announces it', (t) => {
  const { pool, alice, bob, blocks } = setupPool();
  const added: MempoolEntry[] = [];
  pool.on('tx:added', (e) => added.push(e));
  const tx = spend(alice, [coinbaseOf(blocks[0]!)], [pay(bob, 600n), pay(alice, 390n)]);
  // As it would arrive from a peer: decoded from bytes.
  const entry = pool.addTransaction(Transaction.decode(tx.encode()));
  t.is(entry.fee, 10n);
  t.is(entry.size, tx.size);
  t.true(pool.has(tx.txid));
  t.true(pool.get(tx.txid)!.txid.equals(tx.txid));
  t.is(pool.size, 1);
  t.is(added.length, 1);
  t.true(added[0]!.tx.txid.equals(tx.txid));
  // Kept for long: the pooled copy owns its bytes and txid (no slab of Node's buffer pool pinned).
  t.is(entry.tx.encode().buffer.byteLength, tx.size + 32);
  t.is(entry.tx.txid.buffer, entry.tx.encode().buffer);
});

test('accepts a chain of unconfirmed transactions (spending pooled change)', (t) => {
  const { pool, alice, bob, blocks } = setupPool();
  const first = spend(alice, [coinbaseOf(blocks[0]!)], [pay(bob, 100n), pay(alice, 900n)]);
  const second = spend(alice, [outpoint(first, 1)], [pay(bob, 100n), pay(alice, 795n)]);
  const third = spend(bob, [outpoint(first, 0), outpoint(second, 0)], [pay(alice, 199n)]);
  pool.addTransaction(first);
  t.is(pool.addTransaction(second).fee, 5n);
  t.is(pool.addTransaction(third).fee, 1n);
  t.deepEqual(
    pool.entries().map((e) => e.tx.txidHex),
    [first, second, third].map((tx) => tx.txidHex),
  );
});

test('forEachTransaction visits every pooled tx once (a compact block\'s rebuild), whatever the order', (t) => {
  const { pool, alice, bob, blocks } = setupPool();
  const first = spend(alice, [coinbaseOf(blocks[0]!)], [pay(bob, 100n), pay(alice, 900n)]);
  const second = spend(alice, [outpoint(first, 1)], [pay(bob, 100n), pay(alice, 795n)]);
  const other = spend(alice, [coinbaseOf(blocks[1]!)], [pay(bob, 990n)]);
  for (const tx of [first, second, other]) pool.addTransaction(tx);
  const seen: string[] = [];
  pool.forEachTransaction((tx) => seen.push(tx.txidHex));
  t.deepEqual(seen.sort(), [first, second, other].map((tx) => tx.txidHex).sort());
});

test('a double spend of a pooled output is rejected naming the pooled transaction', (t) => {
  const { pool, alice, bob, blocks } = setupPool();
  const first = spend(alice, [coinbaseOf(blocks[0]!)], [pay(bob, 1000n)]);
  const rival = spend(alice, [coinbaseOf(blocks[1]!), coinbaseOf(blocks[0]!)], [pay(alice, 2000n)]);
  pool.addTransaction(first);
  const err = t.throws(() => pool.addTransaction(rival), { instanceOf: MempoolError });
  t.is(err?.code, 'txn-mempool-conflict');
  t.true(err?.message.includes(first.txidHex));
  t.true(err?.conflictingTxid?.equals(first.txid));
  t.is(pool.size, 1);
  t.false(pool.has(rival.txid));
  // The rival's other input is not left marked as spent: a tx using it alone is fine.
  t.notThrows(() => pool.addTransaction(spend(alice, [coinbaseOf(blocks[1]!)], [pay(bob, 1000n)])));
});

test('the same transaction twice is a policy rejection', (t) => {
  const { pool, alice, bob, blocks } = setupPool();
  const tx = spend(alice, [coinbaseOf(blocks[0]!)], [pay(bob, 1000n)]);
  pool.addTransaction(tx);
  const err = t.throws(() => pool.addTransaction(Transaction.decode(tx.encode())), { instanceOf: MempoolError });
  t.is(err?.code, 'txn-already-in-mempool');
});

test('unknown or spent inputs are rejected', (t) => {
  const { pool, alice, bob, blocks } = setupPool();
  const tx = spend(alice, [{ txid: blocks[0]!.transactions[0]!.txid, index: 7 }], [pay(bob, 1n)]);
  const err = t.throws(() => pool.addTransaction(tx), { instanceOf: ValidationError });
  t.is(err?.code, 'bad-txns-inputs-missingorspent');
  t.is(pool.size, 0);
});

test('a bad signature is rejected', (t) => {
  const { pool, alice, bob, blocks } = setupPool();
  const tx = spend(alice, [coinbaseOf(blocks[0]!)], [pay(bob, 1000n)]);
  const sig = Buffer.from(tx.inputs[0]!.signature);
  sig[10]! ^= 1;
  const err = t.throws(() => pool.addTransaction(tx.withSignature(0, sig)), { instanceOf: ValidationError });
  t.is(err?.code, 'bad-txns-signature');
  // Signed by alice but with outputs changed afterwards.
  const tampered = new Transaction(tx.version, tx.inputs, [pay(alice, 1000n)]);
  t.is(t.throws(() => pool.addTransaction(tampered), { instanceOf: ValidationError })?.code, 'bad-txns-signature');
  t.is(pool.size, 0);
});

test("spending someone else's output is a pubkey mismatch", (t) => {
  const { pool, bob, blocks } = setupPool();
  const thief = makeKey();
  const tx = spend(thief, [coinbaseOf(blocks[0]!)], [pay(bob, 1000n)]);
  const err = t.throws(() => pool.addTransaction(tx), { instanceOf: ValidationError });
  t.is(err?.code, 'bad-txns-pubkey-mismatch');
});

test('outputs above inputs and coinbases are rejected', (t) => {
  const { pool, alice, bob, blocks } = setupPool();
  const greedy = spend(alice, [coinbaseOf(blocks[0]!)], [pay(bob, 1001n)]);
  t.is(t.throws(() => pool.addTransaction(greedy), { instanceOf: ValidationError })?.code, 'bad-txns-in-belowout');
  const coinbase = Transaction.coinbase(9, [pay(bob, 50n)]);
  t.is(t.throws(() => pool.addTransaction(coinbase), { instanceOf: MempoolError })?.code, 'coinbase-not-allowed');
});

test('a full pool refuses new transactions', (t) => {
  const { pool, alice, bob, blocks } = setupPool(3, 2);
  pool.addTransaction(spend(alice, [coinbaseOf(blocks[0]!)], [pay(bob, 1000n)]));
  pool.addTransaction(spend(alice, [coinbaseOf(blocks[1]!)], [pay(bob, 1000n)]));
  const err = t.throws(() => pool.addTransaction(spend(alice, [coinbaseOf(blocks[2]!)], [pay(bob, 1000n)])), { instanceOf: MempoolError });
  t.is(err?.code, 'mempool-full');
  t.is(pool.size, 2);
});
