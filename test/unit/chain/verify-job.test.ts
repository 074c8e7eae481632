import test from 'ava';
import { SignatureBatch, VerifyPool, firstInvalidInJob, scanJob } from '../../../src/chain/verify-pool/index.js';
import { Block } from '../../../src/primitives/block.js';
import type { Transaction } from '../../../src/primitives/tx.js';
import { buildBlockFixture } from '../../bench/block-fixture.js';
import { buildBlock, makeKey, outpoint, pay, spend } from '../../helpers/fixtures.js';

const TXS = 12; // 24 inputs: above the inline threshold

function spenders(): Transaction[] {
  const fixture = buildBlockFixture(1, TXS);
  return Block.decode(fixture.blocks[0]!).transactions.filter((tx) => !tx.isCoinbase);
}

/** `txs` with input `input` of tx `pos` carrying `signature` instead. */
function withSignature(txs: readonly Transaction[], pos: number, input: number, signature: Buffer): Transaction[] {
  const out = [...txs];
  out[pos] = out[pos]!.withSignature(input, signature);
  return out;
}

test('a job over any item range (cutting through transactions) agrees with the inline check', (t) => {
  const txs = spenders();
  const bad = withSignature(txs, 5, 1, txs[2]!.inputs[0]!.signature); // item 11
  const batch = SignatureBatch.fromTransactions(bad);
  t.is(batch.count, TXS * 2);
  t.is(batch.firstInvalid(), 11);
  for (const [start, end] of [[0, 24], [3, 12], [11, 12], [12, 24], [1, 11], [7, 19]] as const) {
    const inline = batch.firstInvalid(start, end);
    const job = firstInvalidInJob(batch.job(start, end));
    t.is(job, inline >= 0 ? inline - start : -1, `items [${start}, ${end})`);
  }
});

test('scanJob (the workers\' one-pass reader) gives the answer of firstInvalidInJob and of the inline check, for any range and fault', (t) => {
  const txs = spenders();
  const cases: Array<[string, Transaction[]]> = [
    ['all valid', txs],
    ['a valid signature of another input (item 11)', withSignature(txs, 5, 1, txs[2]!.inputs[0]!.signature)],
    ['a short signature (item 18)', withSignature(txs, 9, 0, Buffer.alloc(10, 1))],
    ['a long signature (item 1)', withSignature(txs, 0, 1, Buffer.concat([txs[0]!.inputs[1]!.signature, Buffer.alloc(1)]))],
    ['an empty signature (item 23)', withSignature(txs, 11, 1, Buffer.alloc(0))],
  ];
  for (const [what, set] of cases) {
    const batch = SignatureBatch.fromTransactions(set);
    for (const [start, end] of [[0, 24], [3, 12], [11, 12], [12, 24], [1, 11], [7, 19], [23, 24]] as const) {
      const inline = batch.firstInvalid(start, end);
      const job = batch.job(start, end);
      t.is(scanJob(job.slice(0)), firstInvalidInJob(job), `${what}, items [${start}, ${end})`);
      t.is(scanJob(job), inline >= 0 ? inline - start : -1, `${what}, items [${start}, ${end})`);
    }
  }
});

test('scanJob reads a 260-input transaction (a 3-byte count) like the reference reader, a bad input at the end included', (t) => {
  const key = makeKey();
  const funding = buildBlock({ miner: key }).transactions[0]!;
  // The same outpoint repeated is fine here: only signatures are checked.
  const big = spend(key, Array.from({ length: 260 }, (_, i) => ({ ...outpoint(funding), index: i })), [pay(makeKey(), 1n)]);
  const good = SignatureBatch.fromTransactions([big]);
  t.is(scanJob(good.job(0, 260)), -1);
  t.is(scanJob(good.job(250, 260)), -1);
  const bad = SignatureBatch.fromTransactions([big.withSignature(259, big.inputs[0]!.signature)]);
  t.is(scanJob(bad.job(0, 260)), 259);
  t.is(scanJob(bad.job(200, 260)), firstInvalidInJob(bad.job(200, 260)));
});

test('scanJob throws on a job that is not what encodeJob writes (a bug, not a peer)', (t) => {
  const batch = SignatureBatch.fromTransactions(spenders());
  const job = new Uint8Array(batch.job(0, 4));
  t.throws(() => scanJob(job.slice(0, job.length - 1).buffer), { instanceOf: RangeError, message: /malformed verify job/ });
  const tooMany = job.slice();
  new DataView(tooMany.buffer).setUint32(8, 3, true); // the first segment asks for 3 inputs of a 2-input transaction
  t.throws(() => scanJob(tooMany.buffer), { instanceOf: RangeError, message: /input 2 of a transaction with 2/ });
});

test('a malformed (short) signature counts as the failing input, in workers and inline', async (t) => {
  const txs = spenders();
  const good = SignatureBatch.fromTransactions(txs);
  const bad = SignatureBatch.fromTransactions(withSignature(txs, 9, 0, Buffer.alloc(10, 1))); // item 18
  const pool = new VerifyPool({ threads: 2 });
  t.teardown(() => pool.close());
  await pool.warm(); // running: it takes the first half of each batch, the caller the second
  t.is(await pool.verify(good), -1);
  t.is(await pool.verify(bad), 18, "found in the caller's half");
  t.is(bad.firstInvalid(), 18);
  t.is(bad.locate(18).inputIndex, 0);
  t.is(bad.locate(18).tx.txidHex, bad.locate(19).tx.txidHex);
  t.is(pool.stats().callerItems, 2 * 12, 'the caller checked only its half of each batch');
  const early = SignatureBatch.fromTransactions(withSignature(txs, 2, 0, Buffer.alloc(10, 1))); // item 4
  t.is(await pool.verify(early), 4, "found in the worker's half");
  t.is(early.firstInvalid(), 4);
  // Its half starts after item 4: dropped unchecked if the worker's answer came before the caller's turn.
  t.true([2 * 12, 3 * 12].includes(pool.stats().callerItems));
});
