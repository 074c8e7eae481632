import test from 'ava';
import { MIDSTATE_MIN_PREFIX_BYTES } from '../../../src/primitives/hash.js';
import { SigningView } from '../../../src/primitives/signing-view.js';
import { Transaction } from '../../../src/primitives/tx.js';
import { DecodeError } from '../../../src/util/errors.js';
import { buildBlock, makeKey, outpoint, pay, spend } from '../../helpers/fixtures.js';

function fundedSpend(inputs: number, outputs: number): Transaction {
  const key = makeKey();
  const funding = buildBlock({ miner: key }).transactions[0]!;
  // The same outpoint repeated is fine here: SigningView reads bytes, consensus rules are not its job.
  const prevouts = Array.from({ length: inputs }, (_, i) => ({ ...outpoint(funding), index: i }));
  return spend(key, prevouts, Array.from({ length: outputs }, () => pay(makeKey(), 1n)));
}

test('sighash(i) equals Transaction.sighash(i) for every input, whatever the shape', (t) => {
  for (const [inputs, outputs] of [[1, 1], [2, 2], [3, 1], [7, 5]] as const) {
    const tx = fundedSpend(inputs, outputs);
    const view = SigningView.read(tx.encode());
    t.is(view.inputCount, inputs);
    for (let i = 0; i < inputs; i++) {
      t.deepEqual(view.sighash(i), tx.sighash(i), `${inputs}-in/${outputs}-out input ${i}`);
      t.deepEqual(view.publicKeys[i], tx.inputs[i]!.publicKey);
      t.deepEqual(view.signatures[i], tx.inputs[i]!.signature);
    }
  }
});

test('sighashInto(i, out) writes sighash(i) into out and returns it, one buffer reused across inputs and transactions', (t) => {
  const out = Buffer.alloc(32, 0xee);
  for (const [inputs, outputs] of [[1, 1], [3, 2]] as const) {
    const tx = fundedSpend(inputs, outputs);
    const view = SigningView.read(tx.encode());
    for (let i = 0; i < inputs; i++) {
      t.is(view.sighashInto(i, out), out);
      t.deepEqual(out, tx.sighash(i), `${inputs}-in input ${i}`);
    }
  }
  t.throws(() => SigningView.read(fundedSpend(1, 1).encode()).sighashInto(1, out), { instanceOf: RangeError });
});

test('more than 252 inputs (a 3-byte count varint) still give the same sighashes', (t) => {
  const tx = fundedSpend(260, 2);
  const view = SigningView.read(tx.encode());
  for (const i of [0, 1, 128, 259]) t.deepEqual(view.sighash(i), tx.sighash(i));
});

test('truncated or padded bytes are a DecodeError, an input out of range a RangeError', (t) => {
  const bytes = fundedSpend(2, 1).encode();
  t.throws(() => SigningView.read(bytes.subarray(0, bytes.length - 1)), { instanceOf: DecodeError });
  t.throws(() => SigningView.read(Buffer.concat([bytes, Buffer.alloc(1)])), { instanceOf: DecodeError, message: /trailing/ });
  t.throws(() => SigningView.read(bytes).sighash(2), { instanceOf: RangeError });
});

test('around MIDSTATE_MIN_PREFIX_BYTES (one hash per input below, the prefix hashed once above) the sighashes are the same, built or decoded', (t) => {
  const prefixBytes: number[] = [];
  for (const inputs of [12, 13, 14, 15, 16]) {
    const tx = fundedSpend(inputs, 2);
    prefixBytes.push(tx.size - 64 * inputs); // the unsigned encoding: every 64-byte signature emptied
    const decoded = Transaction.decode(tx.encode());
    const view = SigningView.read(tx.encode());
    for (const i of [0, inputs - 1, 1, inputs - 2, 0]) {
      t.deepEqual(tx.sighash(i), view.sighash(i), `${inputs} inputs, input ${i}`);
      t.deepEqual(decoded.sighash(i), view.sighash(i));
    }
  }
  t.true(prefixBytes.some((n) => n < MIDSTATE_MIN_PREFIX_BYTES) && prefixBytes.some((n) => n >= MIDSTATE_MIN_PREFIX_BYTES), prefixBytes.join(', '));
});
