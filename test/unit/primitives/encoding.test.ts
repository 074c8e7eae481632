import test from 'ava';
import { Block, BlockHeader, HEADER_BYTES } from '../../../src/primitives/block.js';
import { BufferReader, BufferWriter } from '../../../src/primitives/encoding.js';
import { Transaction } from '../../../src/primitives/tx.js';
import { DecodeError } from '../../../src/util/errors.js';
import { buildBlock, makeKey, outpoint, pay, spend } from '../../helpers/fixtures.js';

const varintHex = (n: number): string => new BufferWriter(1).varint(n).finish().toString('hex');

test('varint byte forms (CompactSize)', (t) => {
  t.is(varintHex(0), '00');
  t.is(varintHex(0xfc), 'fc');
  t.is(varintHex(0xfd), 'fdfd00');
  t.is(varintHex(0xffff), 'fdffff');
  t.is(varintHex(0x10000), 'fe00000100');
  t.is(varintHex(0xffff_ffff), 'feffffffff');
  t.is(varintHex(0x1_0000_0000), 'ff0000000001000000');
  for (const n of [0, 1, 0xfc, 0xfd, 0xffff, 0x10000, 0xffff_ffff, 0x1_0000_0000, Number.MAX_SAFE_INTEGER]) {
    t.is(new BufferReader(Buffer.from(varintHex(n), 'hex')).varint(), n);
  }
});

test('non-canonical varints are rejected', (t) => {
  for (const bytes of ['fd0100', 'fdfc00', 'feffff0000', 'ffffffffff00000000']) {
    t.throws(() => new BufferReader(Buffer.from(bytes, 'hex')).varint(), { instanceOf: DecodeError }, bytes);
  }
});

test('integers are little-endian and range-checked', (t) => {
  t.is(new BufferWriter().u32(0x01020304).u64(5n).finish().toString('hex'), '04030201' + '0500000000000000');
  t.throws(() => new BufferWriter().u32(-1), { instanceOf: RangeError });
  t.throws(() => new BufferWriter().u64(1n << 64n), { instanceOf: RangeError });
});

function sampleBlock(): Block {
  const alice = makeKey();
  const bob = makeKey();
  const genesis = buildBlock({ miner: alice });
  const tx = spend(alice, [outpoint(genesis.transactions[0]!)], [pay(bob, 10n), pay(alice, 990n)]);
  return buildBlock({ parent: genesis, miner: bob, txs: [tx], extraData: Buffer.from('hi') });
}

test('transaction, header and block round-trip through their encodings', (t) => {
  const block = sampleBlock();
  const tx = block.transactions[1]!;
  const decodedTx = Transaction.decode(tx.encode());
  t.deepEqual(decodedTx.encode(), tx.encode());
  t.deepEqual(decodedTx.txid, tx.txid);
  t.deepEqual(decodedTx.inputs[0]!.signature, tx.inputs[0]!.signature);
  t.is(decodedTx.outputs[1]!.amount, 990n);
  const cb = Transaction.decode(block.transactions[0]!.encode());
  t.true(cb.isCoinbase);
  t.is(cb.coinbaseHeight, 1);

  const headerBytes = block.header.encode();
  t.is(headerBytes.length, HEADER_BYTES);
  const header = BlockHeader.decode(headerBytes);
  t.deepEqual(header.fields(), block.header.fields());
  t.deepEqual(header.hash, block.hash);

  const decoded = Block.decode(block.encode());
  t.deepEqual(decoded.hash, block.hash);
  t.deepEqual(decoded.encode(), block.encode());
  t.deepEqual(decoded.computeMerkleRoot(), block.header.merkleRoot);
  t.is(decoded.computeMerkleRoot(), decoded.computeMerkleRoot(), 'computed once per Block (the relay check and validation share it)');
  t.deepEqual(decoded.transactions.map((x) => x.txidHex), block.transactions.map((x) => x.txidHex));
});

test('truncated data, trailing garbage and absurd counts throw DecodeError', (t) => {
  const block = sampleBlock();
  const bytes = block.encode();
  const txBytes = block.transactions[1]!.encode();
  for (const cut of [1, 10, HEADER_BYTES, HEADER_BYTES + 1, bytes.length - 1]) {
    t.throws(() => Block.decode(bytes.subarray(0, cut)), { instanceOf: DecodeError }, `block cut at ${cut}`);
  }
  t.throws(() => Transaction.decode(txBytes.subarray(0, txBytes.length - 3)), { instanceOf: DecodeError });
  t.throws(() => BlockHeader.decode(block.header.encode().subarray(0, HEADER_BYTES - 1)), { instanceOf: DecodeError });

  t.throws(() => Block.decode(Buffer.concat([bytes, Buffer.from([0])])), { instanceOf: DecodeError });
  t.throws(() => Transaction.decode(Buffer.concat([txBytes, Buffer.from([1, 2])])), { instanceOf: DecodeError });
  t.throws(() => BlockHeader.decode(Buffer.concat([block.header.encode(), Buffer.from([0])])), { instanceOf: DecodeError });

  // A transaction claiming 2^32-1 inputs in a few bytes, and a block claiming a million transactions.
  const hugeInputs = Buffer.concat([Buffer.from('01000000', 'hex'), Buffer.from('feffffffff', 'hex'), Buffer.alloc(40)]);
  t.throws(() => Transaction.decode(hugeInputs), { instanceOf: DecodeError, message: /count/ });
  const hugeBlock = Buffer.concat([block.header.encode(), Buffer.from('fe40420f00', 'hex'), Buffer.alloc(100)]);
  t.throws(() => Block.decode(hugeBlock), { instanceOf: DecodeError, message: /count/ });
  // Zero transactions: a block needs its coinbase.
  t.throws(() => Block.decode(Buffer.concat([block.header.encode(), Buffer.from([0])])), { instanceOf: DecodeError });
});

test('u64 writes and reads the same bytes as Node on both sides of 2^53 (the double fast path and the BigInt one)', (t) => {
  const values = [0n, 1n, 0xffff_ffffn, 0x1_0000_0000n, (1n << 53n) - 1n, 1n << 53n, (1n << 53n) + 1n, 2_100_000_000_000_000n, (1n << 64n) - 1n];
  for (const value of values) {
    const reference = Buffer.alloc(8);
    reference.writeBigUInt64LE(value);
    t.is(new BufferWriter(8).u64(value).finish().toString('hex'), reference.toString('hex'), `write ${value}`);
    t.is(new BufferReader(reference).u64(), value, `read ${value}`);
  }
});
