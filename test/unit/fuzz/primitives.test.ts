import test from 'ava';
import fc from 'fast-check';
import { Block, BlockHeader, HEADER_BYTES } from '../../../src/primitives/block.js';
import { BufferReader } from '../../../src/primitives/encoding.js';
import { hash256 } from '../../../src/primitives/hash.js';
import { Transaction } from '../../../src/primitives/tx.js';
import { DecodeError } from '../../../src/util/errors.js';
import { blockArb, headerArb, txArb } from './arbitraries.js';
import { assertSame, bytesArb, decodeOrTyped, mutated, runs, varintBytes } from './fuzz-helpers.js';

/** Each decoder with the arbitrary of the objects it decodes. */
const codecs = [
  { name: 'transaction', arb: txArb.map((tx) => tx.encode()), decode: (b: Buffer) => Transaction.decode(b), encode: (x: Transaction) => x.encode() },
  { name: 'block header', arb: headerArb.map((h) => h.encode()), decode: (b: Buffer) => BlockHeader.decode(b), encode: (x: BlockHeader) => x.encode() },
  { name: 'block', arb: blockArb.map((b) => b.encode()), decode: (b: Buffer) => Block.decode(b), encode: (x: Block) => x.encode() },
] as const;

test('transaction: decode(encode(tx)) equals tx, same txid and bytes', (t) => {
  fc.assert(
    fc.property(txArb, (tx) => {
      const back = Transaction.decode(tx.encode());
      assertSame(back, tx);
      t.true(back.txid.equals(tx.txid));
    }),
    runs(),
  );
  t.pass();
});

test('block header: decode(encode(h)) equals h and has the same hash', (t) => {
  fc.assert(
    fc.property(headerArb, (header) => {
      const back = BlockHeader.decode(header.encode());
      assertSame(back, header);
      t.true(back.hash.equals(header.hash));
    }),
    runs(),
  );
  t.pass();
});

test('block header: readHashed (how the wire reads headers) hashes the bytes it read, at any offset, to the hash of the header it decodes', (t) => {
  fc.assert(
    fc.property(fc.array(headerArb, { minLength: 1, maxLength: 4 }), bytesArb(0, 40), (headers, prefix) => {
      // Headers back to back after some other bytes, as in a headers message: each hash covers its own 80 bytes only.
      const r = new BufferReader(Buffer.concat([prefix, ...headers.map((h) => h.encode())]));
      r.bytes(prefix.length, 'prefix');
      for (const header of headers) {
        const back = BlockHeader.readHashed(r);
        assertSame(back, header);
        t.true(back.hash.equals(header.hash));
        t.true(back.hash.equals(hash256(back.encode())), 'the hash from the bytes read = the hash of the re-encoded header');
      }
      r.end('headers');
    }),
    runs(),
  );
  t.pass();
});

test('block: decode(encode(b)) equals b, same hash and merkle root', (t) => {
  fc.assert(
    fc.property(blockArb, (block) => {
      const back = Block.decode(block.encode());
      assertSame(back, block);
      t.true(back.computeMerkleRoot().equals(block.header.merkleRoot));
    }),
    runs(),
  );
  t.pass();
});

for (const codec of codecs) {
  const decode = codec.decode as (b: Buffer) => { encode(): Buffer };
  test(`${codec.name}: random bytes decode canonically or throw DecodeError`, (t) => {
    fc.assert(
      fc.property(bytesArb(0, 400), (bytes) => {
        const obj = decodeOrTyped(() => decode(bytes), DecodeError);
        // the encoding is canonical: whatever decodes re-encodes to exactly the input (no slack, no allocation beyond it)
        if (obj) t.true(obj.encode().equals(bytes));
      }),
      runs(),
    );
    t.pass();
  });

  test(`${codec.name}: mutated, truncated and extended encodings decode canonically or throw DecodeError`, (t) => {
    fc.assert(
      fc.property(mutated(codec.arb), (bytes) => {
        const obj = decodeOrTyped(() => decode(bytes), DecodeError);
        if (obj) t.true(obj.encode().equals(bytes));
      }),
      runs(),
    );
    t.pass();
  });
}

/** Counts no input of this size could hold, each followed by a few bytes: refused before any per-item work. */
const hugeCount = fc.tuple(fc.integer({ min: 1_000, max: Number.MAX_SAFE_INTEGER }), bytesArb(0, 8));

test('transaction: an input or output count larger than the remaining bytes is refused at once', (t) => {
  fc.assert(
    fc.property(hugeCount, fc.boolean(), ([count, tail], inOutputs) => {
      // version | count(inputs)… or version | 0 inputs | count(outputs)…
      const bytes = Buffer.concat([Buffer.alloc(4), inOutputs ? Buffer.from([0]) : Buffer.alloc(0), varintBytes(count), tail]);
      const start = performance.now();
      t.throws(() => Transaction.decode(bytes), { instanceOf: DecodeError, message: /count/ });
      t.true(performance.now() - start < 100);
    }),
    runs(),
  );
});

test('block: a transaction count larger than the remaining bytes is refused at once', (t) => {
  fc.assert(
    fc.property(hugeCount, ([count, tail]) => {
      const bytes = Buffer.concat([Buffer.alloc(HEADER_BYTES), varintBytes(count), tail]);
      const start = performance.now();
      t.throws(() => Block.decode(bytes), { instanceOf: DecodeError, message: /count/ });
      t.true(performance.now() - start < 100);
    }),
    runs(),
  );
});

test('the 5-byte count 1e9 on a tiny transaction is refused without allocating', (t) => {
  const before = process.memoryUsage().heapUsed;
  const bytes = Buffer.concat([Buffer.alloc(4), varintBytes(1e9)]);
  t.throws(() => Transaction.decode(bytes), { instanceOf: DecodeError });
  // an Array(1e9) would cost gigabytes (or throw RangeError); allow for GC noise only
  t.true(process.memoryUsage().heapUsed - before < 16 * 1024 * 1024);
});
