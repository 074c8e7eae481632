/** checkTransactionSanity's duplicate-input rule, on both of its paths: pairwise (few inputs) and a set (many). */
import test from 'ava';
import { ValidationError } from '../../../src/chain/errors.js';
import { checkTransactionSanity } from '../../../src/chain/validate-tx.js';
import { type OutPoint, Transaction } from '../../../src/primitives/tx.js';
import { makeKey, pay } from '../../helpers/fixtures.js';

const key = makeKey();
const txidOf = (n: number): Buffer => Buffer.alloc(32, n + 1);
const txWith = (prevouts: readonly OutPoint[]): Transaction =>
  new Transaction(1, prevouts.map((prevout) => ({ prevout, publicKey: key.publicKey, signature: Buffer.alloc(64) })), [pay(key, 1n)]);

/** `count` distinct outpoints: pairs share a txid (index 0 and 1), so only txid and index together make an outpoint. */
const distinct = (count: number): OutPoint[] => Array.from({ length: count }, (_, i) => ({ txid: txidOf(Math.floor(i / 2)), index: i % 2 }));

for (const count of [2, 3, 8, 9, 40]) {
  test(`${count} inputs: distinct outpoints pass; any repeated one is bad-txns-inputs-duplicate at its second input`, (t) => {
    const prevouts = distinct(count);
    t.notThrows(() => checkTransactionSanity(txWith(prevouts)));
    for (const [first, second] of [[0, count - 1], [count - 2, count - 1], [0, 1]] as const) {
      const repeated = prevouts.slice();
      repeated[second] = { txid: Buffer.from(prevouts[first]!.txid), index: prevouts[first]!.index }; // equal bytes, another Buffer
      const err = t.throws(() => checkTransactionSanity(txWith(repeated)), { instanceOf: ValidationError });
      t.is(err?.code, 'bad-txns-inputs-duplicate');
      t.regex(err?.message ?? '', new RegExp(`\\(input ${second}\\)$`));
    }
  });
}
