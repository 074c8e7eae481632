import test from 'ava';
import { SignatureBatch, VerifyPool, firstInvalidInJob } from '../../../src/chain/verify-pool/index.js';
import { Block } from '../../../src/primitives/block.js';
import type { Transaction } from '../../../src/primitives/tx.js';
import { buildBlockFixture } from '../../bench/block-fixture.js';

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

test('a malformed (short) signature counts as the failing input, in workers and inline', async (t) => {
  const txs = spenders();
  const good = SignatureBatch.fromTransactions(txs);
  const bad = SignatureBatch.fromTransactions(withSignature(txs, 9, 0, Buffer.alloc(10, 1))); // item 18
  const pool = new VerifyPool({ threads: 2 });
  t.teardown(() => pool.close());
  t.is(await pool.verify(good), -1);
  t.is(await pool.verify(bad), 18);
  t.is(bad.firstInvalid(), 18);
  t.is(bad.locate(18).inputIndex, 0);
  t.is(bad.locate(18).tx.txidHex, bad.locate(19).tx.txidHex);
  t.true(pool.liveWorkers > 0, 'the workers did the check');
});
