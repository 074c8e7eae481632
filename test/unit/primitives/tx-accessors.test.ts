/**
 * A decoded transaction answers its accessors from its bytes (tx.ts) and builds `inputs` /
 * `outputs` only when asked: both ways must read the same fields, for any shape the decoder
 * accepts (keys and signatures of any length up to the bound, a coinbase, many inputs).
 */
import test from 'ava';
import fc from 'fast-check';
import { HASH_BYTES, PUBKEY_HASH_BYTES, ZERO_HASH } from '../../../src/primitives/hash.js';
import { COINBASE_PREVOUT_INDEX, MAX_INPUT_FIELD_BYTES, Transaction, type TxInput, type TxOutput } from '../../../src/primitives/tx.js';

const bytes = (min: number, max: number): fc.Arbitrary<Buffer> => fc.uint8Array({ minLength: min, maxLength: max }).map((a) => Buffer.from(a));

const input: fc.Arbitrary<TxInput> = fc.record({
  prevout: fc.record({ txid: bytes(HASH_BYTES, HASH_BYTES), index: fc.nat({ max: 0xffff_ffff }) }),
  publicKey: bytes(0, MAX_INPUT_FIELD_BYTES),
  signature: bytes(0, MAX_INPUT_FIELD_BYTES),
});
const output: fc.Arbitrary<TxOutput> = fc.record({ amount: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), pubKeyHash: bytes(PUBKEY_HASH_BYTES, PUBKEY_HASH_BYTES) });
const transaction = fc
  .tuple(fc.nat({ max: 0xffff_ffff }), fc.array(input, { minLength: 1, maxLength: 12 }), fc.array(output, { minLength: 1, maxLength: 12 }))
  .map(([version, inputs, outputs]) => new Transaction(version, inputs, outputs));

/** Every accessor's answer for `tx`, as plain values. */
function readAll(tx: Transaction): unknown {
  const inputs = Array.from({ length: tx.inputCount }, (_, i) => ({
    txid: tx.inputPrevoutTxid(i).toString('hex'),
    index: tx.inputPrevoutIndex(i),
    prevout: tx.inputPrevout(i).txid.toString('hex') + ':' + tx.inputPrevout(i).index,
    publicKey: tx.inputPublicKey(i).toString('hex'),
    signature: tx.inputSignature(i).toString('hex'),
  }));
  const outputs = Array.from({ length: tx.outputCount }, (_, i) => ({ amount: tx.outputAmount(i), owner: tx.outputPubKeyHash(i).toString('hex') }));
  return { inputs, outputs, isCoinbase: tx.isCoinbase, coinbaseHeight: tx.coinbaseHeight, total: tx.totalOutput() };
}

/** The same, read through the built `inputs` / `outputs` objects. */
function readFields(tx: Transaction): unknown {
  const inputs = tx.inputs.map((i) => ({
    txid: i.prevout.txid.toString('hex'),
    index: i.prevout.index,
    prevout: i.prevout.txid.toString('hex') + ':' + i.prevout.index,
    publicKey: i.publicKey.toString('hex'),
    signature: i.signature.toString('hex'),
  }));
  const outputs = tx.outputs.map((o) => ({ amount: o.amount, owner: o.pubKeyHash.toString('hex') }));
  return { inputs, outputs, isCoinbase: tx.isCoinbase, coinbaseHeight: tx.coinbaseHeight, total: tx.totalOutput() };
}

test('a decoded transaction reads the same fields and signing digests through its accessors as through inputs/outputs, and as the transaction it was encoded from', (t) => {
  fc.assert(
    fc.property(transaction, (original) => {
      const decoded = Transaction.decode(original.encode());
      // The signing digests first: a decoded transaction copies its preimage from its bytes, the original writes it from its objects.
      for (let i = 0; i < original.inputCount; i++) t.deepEqual(decoded.sighash(i), original.sighash(i));
      const viaAccessors = readAll(decoded); // before anything built the objects
      t.deepEqual(viaAccessors, readAll(original));
      t.deepEqual(readFields(decoded), viaAccessors);
      t.deepEqual(readAll(decoded), viaAccessors); // and again once they are built
      t.deepEqual(decoded.encode(), original.encode());
    }),
    { numRuns: 300 },
  );
});

test('a decoded coinbase is one only with the null prevout: a zero txid with another index, or index 0xffffffff with another txid, is not', (t) => {
  const out = { amount: 5n, pubKeyHash: Buffer.alloc(PUBKEY_HASH_BYTES, 7) };
  const coinbase = Transaction.coinbase(42, [out]);
  const decoded = Transaction.decode(coinbase.encode());
  t.true(decoded.isCoinbase);
  t.is(decoded.coinbaseHeight, 42);
  const data = Buffer.from([42, 0, 0, 0]);
  const zeroTxidOtherIndex = new Transaction(1, [{ prevout: { txid: ZERO_HASH, index: 0 }, publicKey: data, signature: Buffer.alloc(0) }], [out]);
  const otherTxidNullIndex = new Transaction(1, [{ prevout: { txid: Buffer.alloc(HASH_BYTES, 1), index: COINBASE_PREVOUT_INDEX }, publicKey: data, signature: Buffer.alloc(0) }], [out]);
  const twoInputs = new Transaction(1, [coinbase.inputs[0]!, coinbase.inputs[0]!], [out]);
  for (const tx of [zeroTxidOtherIndex, otherTxidNullIndex, twoInputs]) {
    t.false(Transaction.decode(tx.encode()).isCoinbase);
    t.false(tx.isCoinbase);
  }
});

test("a decoded transaction's accessor views are of its own bytes: overwriting the source buffer changes nothing", (t) => {
  const tx = new Transaction(1, [{ prevout: { txid: Buffer.alloc(HASH_BYTES, 3), index: 9 }, publicKey: Buffer.alloc(33, 2), signature: Buffer.alloc(64, 1) }], [
    { amount: 77n, pubKeyHash: Buffer.alloc(PUBKEY_HASH_BYTES, 4) },
  ]);
  const source = Buffer.from(tx.encode());
  const decoded = Transaction.decode(source);
  source.fill(0xee);
  t.deepEqual(decoded.inputPrevoutTxid(0), Buffer.alloc(HASH_BYTES, 3));
  t.is(decoded.inputPrevoutIndex(0), 9);
  t.deepEqual(decoded.inputPublicKey(0), Buffer.alloc(33, 2));
  t.deepEqual(decoded.inputSignature(0), Buffer.alloc(64, 1));
  t.is(decoded.outputAmount(0), 77n);
  t.deepEqual(decoded.outputPubKeyHash(0), Buffer.alloc(PUBKEY_HASH_BYTES, 4));
});

test('an accessor asked for an input or output past the count throws a RangeError, decoded or constructed, instead of reading other bytes', (t) => {
  const tx = new Transaction(1, [{ prevout: { txid: Buffer.alloc(HASH_BYTES, 3), index: 9 }, publicKey: Buffer.alloc(33, 2), signature: Buffer.alloc(64, 1) }], [
    { amount: 77n, pubKeyHash: Buffer.alloc(PUBKEY_HASH_BYTES, 4) },
    { amount: 78n, pubKeyHash: Buffer.alloc(PUBKEY_HASH_BYTES, 5) },
  ]);
  for (const subject of [tx, Transaction.decode(tx.encode())]) {
    for (const i of [1, -1, 0.5, 7]) {
      const reads: Array<(index: number) => unknown> = [
        (n) => subject.inputPrevoutTxid(n),
        (n) => subject.inputPrevoutIndex(n),
        (n) => subject.inputPrevout(n),
        (n) => subject.inputPublicKey(n),
        (n) => subject.inputSignature(n),
      ];
      for (const read of reads) t.throws(() => read(i), { instanceOf: RangeError });
    }
    for (const i of [2, -1, 0.5]) {
      t.throws(() => subject.outputAmount(i), { instanceOf: RangeError });
      t.throws(() => subject.outputPubKeyHash(i), { instanceOf: RangeError });
    }
    t.is(subject.outputAmount(1), 78n);
  }
});
