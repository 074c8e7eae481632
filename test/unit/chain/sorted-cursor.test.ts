/**
 * SortedCursor (verifychain's replayed UTXO set in key order): sorted in runs with a pause after
 * each, so a large set never blocks the event loop in one sort, and merged to exactly the order of
 * one full sort; a pause that throws (a stop) ends the sort.
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { MemoryUtxo } from '../../../src/chain/memory-utxo.js';
import { SortedCursor } from '../../../src/chain/sorted-cursor.js';
import { UTXO_SORT_RUN_KEYS } from '../../../src/chain/constants.js';

const RUN_KEYS = 100;

function randomKeys(n: number): string[] {
  // outPointKey-like: 36 random bytes as latin1, a few sharing a txid prefix.
  return Array.from({ length: n }, (_, i) => Buffer.concat([i % 3 === 0 ? Buffer.alloc(32, 7) : randomBytes(32), randomBytes(4)]).toString('latin1'));
}

test('keys come out in byte order, across run boundaries, with one pause per full run', async (t) => {
  for (const n of [0, 1, RUN_KEYS - 1, RUN_KEYS, 10 * RUN_KEYS + 37]) {
    const keys = [...new Set(randomKeys(n))];
    let pauses = 0;
    const cursor = await SortedCursor.sort(keys, async () => void pauses++, RUN_KEYS);
    const out: string[] = [];
    for (let key = cursor.take(); key !== undefined; key = cursor.take()) out.push(key);
    const expected = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1')));
    t.deepEqual(out, expected, `${n} keys`);
    t.is(pauses, Math.floor(keys.length / RUN_KEYS), `${n} keys: a pause after each full run`);
    t.is(cursor.peek(), undefined);
  }
});

test('a pause that throws stops the sort (verifychain stopped by shutdown or a client gone)', async (t) => {
  let pauses = 0;
  await t.throwsAsync(
    SortedCursor.sort(randomKeys(5 * RUN_KEYS), async () => {
      if (++pauses === 2) throw new Error('stop');
    }, RUN_KEYS),
    { message: 'stop' },
  );
  t.is(pauses, 2, 'no work after the stop');
});

test('MemoryUtxo.sortedKeys yields to the event loop between runs of a large set', async (t) => {
  const utxo = new MemoryUtxo();
  const coins = 3 * UTXO_SORT_RUN_KEYS + 5;
  for (let i = 0; i < coins; i++) {
    const txid = Buffer.alloc(32);
    txid.writeUInt32BE((i * 2654435761) % 2 ** 32, 0);
    utxo.putCoin({ txid, index: i % 4 }, { amount: 1n, pubKeyHash: Buffer.alloc(20), height: 0, isCoinbase: false });
  }
  let ticks = 0;
  const { setImmediate: yieldToLoop } = await import('node:timers/promises');
  const cursor = await utxo.sortedKeys(async () => {
    await yieldToLoop();
    ticks++;
  });
  let taken = 0;
  let outOfOrder = 0;
  let last = '';
  for (let key = cursor.take(); key !== undefined; key = cursor.take()) {
    if (taken > 0 && key <= last) outOfOrder++;
    last = key;
    taken++;
  }
  t.is(taken, utxo.size);
  t.is(outOfOrder, 0);
  t.is(ticks, Math.floor(utxo.size / UTXO_SORT_RUN_KEYS), 'the event loop ran between runs');
  t.log(`${utxo.size} coins sorted in ${ticks + 1} runs, ${ticks} yields`);
});
