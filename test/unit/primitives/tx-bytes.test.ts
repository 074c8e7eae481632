import test from 'ava';
import { Block } from '../../../src/primitives/block.js';
import { Transaction, outPointFromKey, outPointKey } from '../../../src/primitives/tx.js';
import { DecodeError } from '../../../src/util/errors.js';
import { buildBlock, makeKey, outpoint, pay, spend } from '../../helpers/fixtures.js';

test("a decoded transaction's encode() and txid equal its source bytes and their hash", (t) => {
  const key = makeKey();
  const funding = buildBlock({ miner: key }).transactions[0]!;
  const tx = spend(key, [outpoint(funding)], [pay(makeKey(), 10n), pay(key, 5n)]);
  const bytes = tx.encode();
  const source = Buffer.from(bytes);
  const decoded = Transaction.decode(source);
  t.deepEqual(decoded.encode(), bytes);
  t.deepEqual(decoded.txid, tx.txid);
  source.fill(0); // the decoded tx keeps its own copy, not a view of the caller's buffer
  t.deepEqual(decoded.encode(), bytes);
});

test('a detached transaction owns exactly its bytes and txid in one ArrayBuffer, and reads the same', (t) => {
  const key = makeKey();
  const funding = buildBlock({ miner: key }).transactions[0]!;
  const original = spend(key, [outpoint(funding)], [pay(makeKey(), 10n), pay(key, 5n)]);
  const decoded = Transaction.decode(original.encode());
  decoded.sighash(0); // caches the signing preimage, which a detached copy must not carry over
  // A decoded tx's bytes are a slice of Node's shared pool: the slab is far bigger than the tx.
  t.true(decoded.encode().buffer.byteLength > decoded.size + 32);
  const own = decoded.detached();
  t.is(own.encode().buffer.byteLength, own.size + 32);
  t.is(own.txid.buffer, own.encode().buffer);
  t.is(own.inputs[0]!.signature.buffer, own.encode().buffer);
  t.is(own.outputs[1]!.pubKeyHash.buffer, own.encode().buffer);
  t.deepEqual(own.encode(), original.encode());
  t.deepEqual(own.txid, original.txid);
  t.deepEqual(own.sighash(0), original.sighash(0));
  t.deepEqual(own.inputs, decoded.inputs);
  t.deepEqual(own.outputs, decoded.outputs);
});

test("a decoded block's encode() equals its source bytes, and its transactions encode as the originals", (t) => {
  const key = makeKey();
  const genesis = buildBlock({ miner: key });
  const next = buildBlock({ parent: genesis, miner: key, txs: [spend(key, [outpoint(genesis.transactions[0]!)], [pay(key, 900n)])] });
  const bytes = next.encode();
  const decoded = Block.decode(Buffer.from(bytes));
  t.deepEqual(decoded.encode(), bytes);
  for (const [i, tx] of decoded.transactions.entries()) t.deepEqual(tx.encode(), next.transactions[i]!.encode());
  t.deepEqual(decoded.computeMerkleRoot(), next.header.merkleRoot);
});

test('an outpoint key is 36 bytes of txid and big-endian index; a short txid or an index past 32 bits is refused, never a key with stray bytes', (t) => {
  const txid = Buffer.alloc(32, 7);
  const key = outPointKey({ txid, index: 0xffff_ffff });
  t.is(key.length, 36);
  t.deepEqual(outPointFromKey(key), { txid, index: 0xffff_ffff });
  t.throws(() => outPointKey({ txid: Buffer.alloc(31), index: 0 }), { instanceOf: DecodeError, message: "an outpoint's txid is 32 bytes, got 31" });
  for (const index of [2 ** 32, -1, 1.5]) t.throws(() => outPointKey({ txid, index }), { instanceOf: DecodeError }, String(index));
});
