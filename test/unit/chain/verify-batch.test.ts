import test from 'ava';
import fc from 'fast-check';
import { SignatureBatch } from '../../../src/chain/verify-pool/index.js';
import { VERIFY_MAX_CHUNK_COST, VERIFY_SIGHASH_BYTES_PER_COST_UNIT } from '../../../src/chain/verify-pool/constants.js';
import type { Transaction } from '../../../src/primitives/tx.js';
import { runs } from '../fuzz/fuzz-helpers.js';

/** ranges() reads only a transaction's input count and size: stand-ins, so a batch of 1 MB transactions costs nothing to build. */
function shapes(list: ReadonlyArray<{ inputs: number; size: number }>): Transaction[] {
  return list.map(({ inputs, size }) => ({ inputCount: inputs, size }) as unknown as Transaction);
}

const hashingOf = (size: number): number => Math.floor(size / VERIFY_SIGHASH_BYTES_PER_COST_UNIT);

test('ranges() covers every item once, in order; each range pays its signatures and each transaction it touches once; the bounds hold', (t) => {
  const tx = fc.oneof(
    fc.record({ inputs: fc.integer({ min: 1, max: 40 }), size: fc.integer({ min: 100, max: 4_000 }) }),
    fc.record({ inputs: fc.integer({ min: 1, max: 3_000 }), size: fc.integer({ min: 16_384, max: 1_100_000 }) }),
  );
  fc.assert(
    fc.property(fc.array(tx, { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 4 }), (list, minRanges) => {
      const txs = shapes(list);
      const batch = SignatureBatch.fromTransactions(txs);
      const ranges = batch.ranges(minRanges, VERIFY_MAX_CHUNK_COST);
      // Where each transaction's items are.
      const firstItem: number[] = [];
      let base = 0;
      for (const { inputs } of list) {
        firstItem.push(base);
        base += inputs;
      }
      let next = 0;
      for (const range of ranges) {
        if (range.start !== next || range.end <= range.start) return false;
        next = range.end;
        let cost = range.end - range.start;
        let maxHashing = 0;
        list.forEach(({ inputs, size }, n) => {
          const from = Math.max(range.start, firstItem[n]!);
          const to = Math.min(range.end, firstItem[n]! + inputs);
          if (from < to) {
            cost += hashingOf(size);
            maxHashing = Math.max(maxHashing, hashingOf(size));
          }
        });
        if (range.cost !== cost) return false;
        // Over the bound only where a transaction's hashing leaves no room for more of its inputs than that hashing.
        if (range.cost > VERIFY_MAX_CHUNK_COST && range.cost > 2 * maxHashing + 1) return false;
      }
      if (next !== batch.count) return false;
      // A transaction is hashed by at most one range more than its inputs allow in runs of more than its hashing.
      for (let n = 0; n < list.length; n++) {
        const { inputs, size } = list[n]!;
        const touching = ranges.filter((r) => r.start < firstItem[n]! + inputs && r.end > firstItem[n]!).length;
        if (touching > Math.ceil(inputs / (hashingOf(size) + 1)) + 1) return false;
      }
      // Small transactions only: a batch is split at least as asked (for its latency over the verifiers).
      if (list.every(({ size }) => hashingOf(size) === 0) && ranges.length < Math.min(minRanges, batch.count)) return false;
      return true;
    }),
    runs(),
  );
  t.pass();
});

test('a block-sized mix (a 1 MB transaction of 1,425 inputs among small ones) is cut into chunks within the bound', (t) => {
  const list = [
    { inputs: 8, size: 2_000 },
    { inputs: 188, size: 20_000 },
    { inputs: 20, size: 3_000 },
    { inputs: 20, size: 3_000 },
    { inputs: 1_425, size: 970_000 },
  ];
  const ranges = SignatureBatch.fromTransactions(shapes(list)).ranges(2, VERIFY_MAX_CHUNK_COST);
  t.log(ranges.map((r) => `[${r.start},${r.end}) ${r.cost}`).join(' '));
  t.true(ranges.every((r) => r.cost <= VERIFY_MAX_CHUNK_COST));
  t.true(ranges.length >= 7);
});
