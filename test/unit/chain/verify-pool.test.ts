import test from 'ava';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ValidationError } from '../../../src/chain/errors.js';
import { SignatureBatch, VerifyPool, VerifyPoolError } from '../../../src/chain/verify-pool/index.js';
import { Block, BlockHeader } from '../../../src/primitives/block.js';
import { merkleRoot } from '../../../src/primitives/merkle.js';
import type { Transaction } from '../../../src/primitives/tx.js';
import { buildBlockFixture } from '../../bench/block-fixture.js';
import { mine } from '../../helpers/fixtures.js';
import { openChain, tempDir } from './setup.js';

const TXS = 12; // 24 inputs per block: above the inline threshold, so the workers do the work

/** Same block with `tx`'s input `input` carrying the signature of a different input (well-formed, wrong). */
function withBadSignature(block: Block, txPos: number, input: number): { block: Block; tx: Transaction } {
  const txs = [...block.transactions];
  const victim = txs[txPos]!;
  const foreign = txs[txPos === 1 ? 2 : 1]!.inputs[0]!.signature;
  txs[txPos] = victim.withSignature(input, foreign);
  const header = new BlockHeader({ ...block.header.fields(), merkleRoot: merkleRoot(txs.map((t) => t.txid)), nonce: 0 });
  return { block: new Block(mine(header), txs), tx: txs[txPos]! };
}

function fixtureBlocks(): Block[] {
  const fixture = buildBlockFixture(2, TXS);
  return [Block.decode(fixture.genesis), ...fixture.blocks.map((b) => Block.decode(b))];
}

test('a block with many inputs and one bad signature in the middle is rejected, naming that input', async (t) => {
  const [genesis, block1] = fixtureBlocks();
  const chain = await openChain(t);
  await chain.processBlock(genesis!);
  const { block, tx } = withBadSignature(block1!, 7, 1);
  const err = await t.throwsAsync(chain.processBlock(block), { instanceOf: ValidationError });
  t.is(err?.code, 'bad-txns-signature');
  t.is(err?.message, `transaction ${tx.txidHex} input 1 has an invalid signature`);
  t.is(chain.tip?.height, 0);
});

test('all signatures good: the blocks connect on the worker pool', async (t) => {
  const blocks = fixtureBlocks();
  const chain = await openChain(t);
  // Handed over without awaiting each (as a sync does): checks run ahead, commits are grouped.
  const results = await Promise.all(blocks.map((b) => chain.processBlock(b)));
  t.deepEqual(
    results.map((r) => r.status),
    blocks.map(() => 'connected'),
  );
  t.is(chain.tip?.height, blocks.length - 1);
});

test('the first failing input in block order wins, whichever worker finds it', async (t) => {
  const [, block1] = fixtureBlocks();
  const late = withBadSignature(block1!, 11, 0).block;
  const both = withBadSignature(late, 3, 1);
  const pool = new VerifyPool({ threads: 3 });
  t.teardown(() => pool.close());
  const batch = SignatureBatch.fromBlock(both.block);
  const failed = await pool.verify(batch);
  t.is(failed, 2 * 2 + 1, 'tx 3 (the 3rd spender) input 1');
  t.deepEqual(batch.locate(failed).inputIndex, 1);
  t.is(batch.locate(failed).tx.txidHex, both.tx.txidHex);
  t.is(await pool.verify(SignatureBatch.fromBlock(block1!)), -1);
});

test('worker count is respected: never more than `threads`, none for 0/1 or small batches', async (t) => {
  const [, block1] = fixtureBlocks();
  const batch = SignatureBatch.fromBlock(block1!);
  const three = new VerifyPool({ threads: 3 });
  t.teardown(() => three.close());
  t.is(three.liveWorkers, 0, 'workers start lazily');
  await Promise.all([three.verify(batch), three.verify(batch), three.verify(batch)]);
  t.is(three.liveWorkers, 3);
  const inline = new VerifyPool({ threads: 1 });
  t.is(await inline.verify(batch), -1);
  t.is(inline.threads, 0);
  t.is(inline.liveWorkers, 0);
  const small = new VerifyPool({ threads: 2, inlineMaxItems: batch.count + 1 });
  t.is(await small.verify(batch), -1);
  t.is(small.liveWorkers, 0, 'a batch under the inline threshold verifies on the calling thread');
});

test('a closed pool rejects with verify-pool-closed (no inline fallback) and has no workers left', async (t) => {
  const [, block1] = fixtureBlocks();
  const batch = SignatureBatch.fromBlock(block1!);
  const pool = new VerifyPool({ threads: 2 });
  await pool.verify(batch);
  await pool.close();
  t.is(pool.liveWorkers, 0);
  const err = await t.throwsAsync(pool.verify(batch), { instanceOf: VerifyPoolError });
  t.is(err?.code, 'verify-pool-closed');
});

test('a crashing worker rejects the job with verify-worker-failed and is replaced', async (t) => {
  const dir = await tempDir(t, 'kadchain-pool-');
  const script = join(dir, 'crash-worker.mjs');
  await writeFile(script, "import { parentPort } from 'node:worker_threads';\nparentPort.on('message', () => { throw new Error('worker boom'); });\n");
  const [, block1] = fixtureBlocks();
  const batch = SignatureBatch.fromBlock(block1!);
  const pool = new VerifyPool({ threads: 2, workerUrl: pathToFileURL(script) });
  t.teardown(() => pool.close());
  const err = await t.throwsAsync(pool.verify(batch), { instanceOf: VerifyPoolError });
  t.is(err?.code, 'verify-worker-failed');
  t.regex(err?.message ?? '', /worker boom/);
  const again = await t.throwsAsync(pool.verify(batch), { instanceOf: VerifyPoolError });
  t.is(again?.code, 'verify-worker-failed', 'replacement workers were started for the next job');
});

test('a worker holds at most maxItemsPerWorker signatures (one chunk always); the rest waits in the pool', async (t) => {
  const dir = await tempDir(t, 'kadchain-pool-');
  const script = join(dir, 'silent-worker.mjs');
  // Takes every job and never answers: what it holds is what the pool handed over.
  await writeFile(script, "import { parentPort } from 'node:worker_threads';\nparentPort.on('message', () => undefined);\n");
  const [, block1] = fixtureBlocks();
  const batch = SignatureBatch.fromBlock(block1!); // 24 signatures: two chunks of 12 on two workers
  const maxItemsPerWorker = 30;
  const pool = new VerifyPool({ threads: 2, workerUrl: pathToFileURL(script), maxItemsPerWorker });
  const pending = Array.from({ length: 5 }, () => pool.verify(batch).catch((err: unknown) => err));
  const stats = pool.stats();
  t.log(`held per worker: ${stats.itemsPerWorker.join(', ')}; queued: ${stats.queuedItems}`);
  t.deepEqual(stats.itemsPerWorker, [24, 24], 'two 12-signature chunks each; a third would pass 30');
  t.is(stats.queuedItems, 5 * 24 - 48);
  const big = new VerifyPool({ threads: 2, workerUrl: pathToFileURL(script), maxItemsPerWorker: 5 });
  const alone = big.verify(batch).catch((err: unknown) => err);
  t.deepEqual(big.stats().itemsPerWorker, [12, 12], 'a chunk larger than the bound still goes to an idle worker');
  await Promise.all([pool.close(), big.close()]);
  for (const outcome of [...(await Promise.all(pending)), await alone]) t.is((outcome as VerifyPoolError).code, 'verify-pool-closed');
});

test('the pool reports its workers busy and idle time', async (t) => {
  const [, block1] = fixtureBlocks();
  const batch = SignatureBatch.fromBlock(block1!);
  const pool = new VerifyPool({ threads: 2 });
  t.teardown(() => pool.close());
  t.deepEqual(pool.stats(), { busyMs: 0, idleMs: 0, queuedItems: 0, itemsPerWorker: [], itemsVerified: 0 });
  for (let i = 0; i < 3; i++) t.is(await pool.verify(batch), -1);
  const stats = pool.stats();
  t.log(`busy ${stats.busyMs.toFixed(2)} ms, idle ${stats.idleMs.toFixed(2)} ms`);
  t.true(stats.busyMs > 0);
  t.true(stats.idleMs > 0, 'each verify waits for the one before: the workers idle in between');
  t.deepEqual(stats.itemsPerWorker, [0, 0]);
});

test('a batch is split over idle workers, and goes whole to one worker when every worker already holds as much', async (t) => {
  const dir = await tempDir(t, 'kadchain-pool-');
  const script = join(dir, 'silent-worker.mjs');
  await writeFile(script, "import { parentPort } from 'node:worker_threads';\nparentPort.on('message', () => undefined);\n");
  const [, block1] = fixtureBlocks();
  const batch = SignatureBatch.fromBlock(block1!); // 24 signatures
  const pool = new VerifyPool({ threads: 2, workerUrl: pathToFileURL(script), maxItemsPerWorker: 1_000 });
  const pending = [pool.verify(batch), pool.verify(batch)].map((p) => p.catch((err: unknown) => err));
  t.deepEqual(pool.stats().itemsPerWorker, [24, 24], 'the first two batches were split 12 + 12 (a worker held less than 24)');
  pending.push(pool.verify(batch).catch((err: unknown) => err));
  t.deepEqual(pool.stats().itemsPerWorker, [48, 24], 'the third went whole to one worker, not 12 + 12');
  await pool.close();
  for (const outcome of await Promise.all(pending)) t.is((outcome as VerifyPoolError).code, 'verify-pool-closed');
});

test('workers stop after idleMs without a chunk (the node keeps no isolate per core after a sync) and start again for the next batch', async (t) => {
  const [, block1] = fixtureBlocks();
  const batch = SignatureBatch.fromBlock(block1!);
  const pool = new VerifyPool({ threads: 2, idleMs: 100 });
  t.teardown(() => pool.close());
  t.is(await pool.verify(batch), -1);
  t.true(pool.liveWorkers >= 1);
  // Generous: on a loaded machine a worker's start-up alone can take seconds.
  const deadline = Date.now() + 30_000;
  while (pool.liveWorkers > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  t.is(pool.liveWorkers, 0, 'every worker stopped once idle');
  t.is(await pool.verify(batch), -1, 'the next batch starts workers again');
  t.true(pool.liveWorkers >= 1);
});

test('a worker that holds a chunk is never stopped for idleness, even after its idle timer was set', async (t) => {
  const dir = await tempDir(t, 'kadchain-pool-');
  const script = join(dir, 'phased-worker.mjs');
  const phase = join(dir, 'phase');
  // Answers "all valid" while the phase file says so, then holds every chunk without answering
  // (a file, not the worker's own state: a worker started later must behave the same).
  await writeFile(script, `import { readFileSync } from 'node:fs';\nimport { parentPort } from 'node:worker_threads';\nparentPort.on('message', (job) => { if (readFileSync(${JSON.stringify(phase)}, 'utf8') === 'answer') parentPort.postMessage({ id: job.id, firstInvalid: -1, busyMs: 0, idleMs: 0 }); });\n`);
  await writeFile(phase, 'answer');
  const [, block1] = fixtureBlocks();
  const batch = SignatureBatch.fromBlock(block1!);
  const idleMs = 50;
  const pool = new VerifyPool({ threads: 2, workerUrl: pathToFileURL(script), idleMs });
  t.is(await pool.verify(batch), -1); // the workers answered: their idle timers are running
  await writeFile(phase, 'hold');
  const held = pool.verify(batch).catch((err: unknown) => err); // now each live worker holds a chunk
  const holding = pool.liveWorkers;
  t.true(holding >= 1);
  await new Promise((resolve) => setTimeout(resolve, 10 * idleMs));
  t.is(pool.liveWorkers, holding, 'busy workers outlive their idle timers');
  t.deepEqual(pool.stats().itemsPerWorker.reduce((a, b) => a + b, 0), batch.count);
  await pool.close();
  t.is(((await held) as VerifyPoolError).code, 'verify-pool-closed');
});
