import test, { type ExecutionContext } from 'ava';
import { existsSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ValidationError } from '../../../src/chain/errors.js';
import { SignatureBatch, VerifyPool, VerifyPoolError } from '../../../src/chain/verify-pool/index.js';
import { VERIFY_MAX_CHUNK_COST } from '../../../src/chain/verify-pool/constants.js';
import { Block, BlockHeader } from '../../../src/primitives/block.js';
import { merkleRoot } from '../../../src/primitives/merkle.js';
import type { Transaction } from '../../../src/primitives/tx.js';
import { buildBlockFixture } from '../../bench/block-fixture.js';
import { buildBlock, makeKey, mine, outpoint, pay, spend } from '../../helpers/fixtures.js';
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

/** Writes a worker script: the pool's protocol (protocol.ts) with `body` as its code; `ready` says so first. */
async function testWorker(t: ExecutionContext, name: string, body: string, ready = true): Promise<string> {
  const script = join(await tempDir(t, 'kadchain-pool-'), `${name}.mjs`);
  const hello = ready ? "parentPort.postMessage({ kind: 'ready' });\n" : '';
  await writeFile(script, `import { parentPort } from 'node:worker_threads';\n${hello}${body}\n`);
  return script;
}

/** A pool (closed at teardown) whose workers run `body` (testWorker), and a 24-signature batch for it. */
async function poolWith(t: ExecutionContext, name: string, body: string, options: { ready?: boolean; threads?: number } = {}): Promise<{ pool: VerifyPool; batch: SignatureBatch }> {
  const script = await testWorker(t, name, body, options.ready);
  const [, block1] = fixtureBlocks();
  const pool = new VerifyPool({ threads: options.threads ?? 2, workerUrl: pathToFileURL(script) });
  t.teardown(() => pool.close());
  return { pool, batch: SignatureBatch.fromBlock(block1!) };
}

/** poolWith, its one worker started and ready: it gets the first chunk (a worker still starting is handed nothing). */
async function warmPoolWith(t: ExecutionContext, name: string, body: string): Promise<{ pool: VerifyPool; batch: SignatureBatch }> {
  const made = await poolWith(t, name, body);
  await made.pool.warm();
  return made;
}

/** A worker script that takes every job and never answers: what it holds is what the pool handed over. */
function silentWorker(t: ExecutionContext): Promise<string> {
  return testWorker(t, 'silent-worker', "parentPort.on('message', () => undefined);");
}

/** One transaction spending `inputs` outputs (the same outpoint repeated: only signatures and sizes matter here). */
function bigSpender(inputs: number): Transaction {
  const key = makeKey();
  const funding = buildBlock({ miner: key }).transactions[0]!;
  return spend(key, Array.from({ length: inputs }, (_, i) => ({ ...outpoint(funding), index: i })), [pay(makeKey(), 1n)]);
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
  t.is(await pool.verify(SignatureBatch.fromBlock(late)), 20, "tx 11 input 0, in the third chunk: the caller's share found it");
});

test('a job the caller cannot read rejects with verify-job-malformed (a bug is reported, not judged)', async (t) => {
  const script = await silentWorker(t);
  const [, block1] = fixtureBlocks();
  const batch = SignatureBatch.fromBlock(block1!);
  // One segment whose transaction runs past the end of the job.
  const broken = new ArrayBuffer(16);
  new DataView(broken).setUint32(0, 1, true);
  new DataView(broken).setUint32(12, 1_000, true);
  batch.job = () => broken.slice(0);
  const pool = new VerifyPool({ threads: 2, workerUrl: pathToFileURL(script) });
  t.teardown(() => pool.close());
  const err = await t.throwsAsync(pool.verify(batch), { instanceOf: VerifyPoolError });
  t.is(err?.code, 'verify-job-malformed');
  t.regex(err?.message ?? '', /runs past the job/);
});

test('thread count is respected: threads - 1 workers and the caller, none for 0/1 or small batches', async (t) => {
  const [, block1] = fixtureBlocks();
  const batch = SignatureBatch.fromBlock(block1!);
  const three = new VerifyPool({ threads: 3 });
  t.teardown(() => three.close());
  t.is(three.liveWorkers, 0, 'workers start lazily');
  t.deepEqual(await Promise.all([three.verify(batch), three.verify(batch), three.verify(batch)]), [-1, -1, -1]);
  t.is(three.liveWorkers, 2, 'two workers: the calling thread is the third verifier');
  t.is(three.maxWorkers, 2);
  t.true(three.stats().callerItems > 0, 'the caller verified its share');
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
  const { pool, batch } = await warmPoolWith(t, 'crash-worker', "parentPort.on('message', () => { throw new Error('worker boom'); });");
  const err = await t.throwsAsync(pool.verify(batch), { instanceOf: VerifyPoolError });
  t.is(err?.code, 'verify-worker-failed');
  t.regex(err?.message ?? '', /worker boom/);
  t.is(pool.liveWorkers, 0, 'the failed worker is gone');
  t.is(pool.stats().workerFailures, 1);
  await pool.warm(); // restarts wait after a failure; warm() starts one regardless
  t.is(pool.liveWorkers, 1, 'a replacement runs');
  const again = await t.throwsAsync(pool.verify(batch), { instanceOf: VerifyPoolError });
  t.is(again?.code, 'verify-worker-failed', 'and got the next job');
});

test('a worker holds at most maxItemsPerWorker cost units (one chunk always); the caller verifies the rest', async (t) => {
  // Takes every job and never answers: what it holds is what the pool handed over.
  const script = await silentWorker(t);
  const [, block1] = fixtureBlocks();
  const batch = SignatureBatch.fromBlock(block1!); // 24 signatures of small transactions: 24 cost units
  const maxItemsPerWorker = 30;
  const pool = new VerifyPool({ threads: 2, workerUrl: pathToFileURL(script), maxItemsPerWorker });
  await pool.warm();
  const pending = Array.from({ length: 5 }, () => pool.verify(batch).catch((err: unknown) => err));
  const stats = pool.stats();
  t.log(`held per worker: ${stats.itemsPerWorker.join(', ')}; queued: ${stats.queuedItems}`);
  t.deepEqual(stats.itemsPerWorker, [24], 'two batches split 12 + 12 with the caller; a whole 24-signature batch would pass 30');
  t.is(stats.queuedItems, 2 * 12 + 3 * 24, "the caller's two shares and three whole batches wait");
  // The caller takes what no worker has room for, a chunk per turn of its event loop.
  t.deepEqual(await Promise.all(pending.slice(2)), [-1, -1, -1], 'the whole batches were verified by the caller');
  t.deepEqual(pool.stats().itemsPerWorker, [24], 'the silent worker still holds only its first two chunks');
  t.is(pool.stats().queuedItems, 0);
  t.is(pool.stats().callerItems, 2 * 12 + 3 * 24);
  const big = new VerifyPool({ threads: 2, workerUrl: pathToFileURL(script), maxItemsPerWorker: 5 });
  await big.warm();
  const alone = big.verify(batch).catch((err: unknown) => err);
  t.deepEqual(big.stats().itemsPerWorker, [12], 'a chunk larger than the bound still goes to an idle worker');
  await Promise.all([pool.close(), big.close()]);
  for (const outcome of [...(await Promise.all(pending.slice(0, 2))), await alone]) t.is((outcome as VerifyPoolError).code, 'verify-pool-closed');
});

test('the pool reports its workers busy and idle time', async (t) => {
  const [, block1] = fixtureBlocks();
  const batch = SignatureBatch.fromBlock(block1!);
  const pool = new VerifyPool({ threads: 2 });
  t.teardown(() => pool.close());
  t.deepEqual(pool.stats(), { busyMs: 0, idleMs: 0, queuedItems: 0, itemsPerWorker: [], itemsVerified: 0, callerMs: 0, callerItems: 0, workersStarted: 0, workerFailures: 0 });
  await pool.warm();
  for (let i = 0; i < 3; i++) t.is(await pool.verify(batch), -1);
  const stats = pool.stats();
  t.log(`busy ${stats.busyMs.toFixed(2)} ms, idle ${stats.idleMs.toFixed(2)} ms, caller ${stats.callerMs.toFixed(2)} ms`);
  t.true(stats.busyMs > 0);
  t.true(stats.idleMs > 0, 'each verify waits for the one before: the worker idles in between');
  t.deepEqual(stats.itemsPerWorker, [0]);
  t.is(stats.callerItems, (3 * batch.count) / 2, 'each lone batch was split half and half with the caller');
  t.true(stats.callerMs > 0);
  t.is(stats.itemsVerified, 3 * batch.count);
});

/** Resolves once `ready()` holds (polled; generous: a worker's start-up can take seconds on a loaded machine). */
async function until(ready: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Lets the pool's booked caller turns (setImmediate) run. */
const callerTurns = (n: number): Promise<void> => (n === 0 ? Promise.resolve() : new Promise<void>((resolve) => setImmediate(resolve)).then(() => callerTurns(n - 1)));

test('a batch is split over idle workers and the caller, and goes whole to one worker when every worker already holds as much', async (t) => {
  const script = await silentWorker(t);
  const [, block1] = fixtureBlocks();
  const batch = SignatureBatch.fromBlock(block1!); // 24 signatures
  const pool = new VerifyPool({ threads: 3, workerUrl: pathToFileURL(script), maxItemsPerWorker: 1_000 });
  await pool.warm();
  t.is(pool.readyWorkers, 2);
  const pending: Array<Promise<unknown>> = [];
  for (let i = 0; i < 2; i++) {
    pending.push(pool.verify(batch).catch((err: unknown) => err));
    await callerTurns(2);
  }
  t.deepEqual(pool.stats().itemsPerWorker, [16, 16], 'two batches split 8 + 8 + 8 (a worker held less than 24)');
  t.is(pool.stats().callerItems, 16, 'the caller verified its 8 of each');
  const smaller = SignatureBatch.fromTransactions(block1!.transactions.slice(1, 9));
  t.is(smaller.count, 16);
  pending.push(pool.verify(smaller).catch((err: unknown) => err));
  t.deepEqual(pool.stats().itemsPerWorker, [32, 16], 'a batch no costlier than what each worker holds went whole to one worker, not 6 + 5 + 5');
  await callerTurns(2);
  t.is(pool.stats().callerItems, 16, 'and the caller had no share of it');
  await pool.close();
  for (const outcome of await Promise.all(pending)) t.is((outcome as VerifyPoolError).code, 'verify-pool-closed');
});

test('a huge batch is cut into chunks of at most VERIFY_MAX_CHUNK_COST; the caller keeps the last one and a busy worker takes no more than the caller has left', async (t) => {
  const script = await silentWorker(t);
  const blocks = buildBlockFixture(30, 20).blocks.map((b) => Block.decode(b));
  const txs = blocks.flatMap((b) => b.transactions.filter((tx) => !tx.isCoinbase)); // 600 transactions, 1,200 signatures
  const batch = SignatureBatch.fromTransactions(txs);
  t.is(batch.cost, 1_200, 'small transactions: a cost unit per signature');
  const pool = new VerifyPool({ threads: 2, workerUrl: pathToFileURL(script), maxItemsPerWorker: 100_000 });
  await pool.warm();
  const pending = pool.verify(batch).catch((err: unknown) => err);
  t.true(VERIFY_MAX_CHUNK_COST < 300);
  // Taking the fourth too (960 against 240) would leave the worker verifying alone while the caller sits idle.
  t.deepEqual(pool.stats().itemsPerWorker, [3 * 240], 'five chunks of 240 (1,200 over 256 each): the idle worker takes the first three (720 ≤ the 720 left, then 480 left)');
  await callerTurns(3);
  t.is(pool.stats().callerItems, 2 * 240, 'the caller verified its own (the last) and the fourth');
  await pool.close();
  t.is(((await pending) as VerifyPoolError).code, 'verify-pool-closed');
});

test('once a batch has a failing item, its chunks after it are dropped unchecked', async (t) => {
  const script = await silentWorker(t);
  const blocks = buildBlockFixture(30, 20).blocks.map((b) => Block.decode(b));
  const txs = blocks.flatMap((b) => b.transactions.filter((tx) => !tx.isCoinbase));
  txs[150] = txs[150]!.withSignature(0, txs[151]!.inputs[0]!.signature); // item 300, in the second chunk
  const batch = SignatureBatch.fromTransactions(txs);
  // The silent worker takes the first chunk and no more (bound 5): chunks 1-3 wait for the caller, chunk 4 is its own.
  const pool = new VerifyPool({ threads: 2, workerUrl: pathToFileURL(script), maxItemsPerWorker: 5 });
  await pool.warm();
  const pending = pool.verify(batch).catch((err: unknown) => err);
  t.deepEqual(pool.stats().itemsPerWorker, [240]);
  await callerTurns(5);
  t.is(pool.stats().callerItems, 2 * 240, 'its own chunk (960-1,199) and chunk 1 (240-479, which fails at 300); chunks 2 and 3 start after 300');
  t.is(pool.stats().queuedItems, 0);
  await pool.close();
  t.is(((await pending) as VerifyPoolError).code, 'verify-pool-closed', 'chunk 0 is still with the worker: an earlier item might fail');
});

test('a batch of huge transactions is cut by cost: a chunk pays for hashing each transaction it touches once', (t) => {
  const [, block1] = fixtureBlocks();
  const small = SignatureBatch.fromBlock(block1!);
  t.deepEqual(
    small.ranges(2, VERIFY_MAX_CHUNK_COST).map((r) => [r.start, r.end, r.cost]),
    [
      [0, 12, 12],
      [12, 24, 12],
    ],
  );
  const wide = bigSpender(260); // 260 inputs: ~35 KB, 2 units of hashing
  const batch = SignatureBatch.fromTransactions([wide]);
  t.true(wide.size > 2 * 16_384 && wide.size < 3 * 16_384, `size ${wide.size}`);
  t.is(batch.cost, 260 + 2);
  t.deepEqual(
    batch.ranges(2, VERIFY_MAX_CHUNK_COST).map((r) => [r.start, r.end, r.cost]),
    [
      [0, 129, 131],
      [129, 260, 133],
    ],
    'two halves, each paying the hashing of the transaction (the 2-item tail a third range would hold went back into the second)',
  );
  // Few inputs, many outputs: 4 signatures and 2 units of hashing. Cut input by input it would be
  // hashed 4 times; a chunk holds more of its inputs than its hashing costs before a cut.
  const key = makeKey();
  const funding = buildBlock({ miner: key }).transactions[0]!;
  const fanOut = spend(key, [0, 1, 2, 3].map((index) => ({ ...outpoint(funding), index })), Array.from({ length: 1_300 }, () => pay(makeKey(), 1n)));
  t.true(fanOut.size > 2 * 16_384 && fanOut.size < 3 * 16_384, `size ${fanOut.size}`);
  const few = SignatureBatch.fromTransactions([fanOut]);
  t.is(few.cost, 4 + 2);
  t.deepEqual(
    few.ranges(2, VERIFY_MAX_CHUNK_COST).map((r) => [r.start, r.end, r.cost]),
    [
      [0, 3, 5],
      [3, 4, 3],
    ],
  );
});

test('a worker still starting is handed nothing; once ready it takes what waits', async (t) => {
  const marker = join(await tempDir(t, 'kadchain-pool-'), 'up');
  // Says it is ready, then says so in a file (in that order: the message is on its way when the file exists), then holds every job.
  const script = await testWorker(t, 'marking-worker', `import { writeFileSync } from 'node:fs';\nparentPort.postMessage({ kind: 'ready' });\nwriteFileSync(${JSON.stringify(marker)}, 'up');\nparentPort.on('message', () => undefined);`, false);
  const [, block1] = fixtureBlocks();
  const batch = SignatureBatch.fromBlock(block1!); // 24 signatures
  const pool = new VerifyPool({ threads: 2, workerUrl: pathToFileURL(script), maxItemsPerWorker: 1_000 });
  const pending = pool.verify(batch).catch((err: unknown) => err); // 12 queued, 12 the caller's
  t.is(pool.liveWorkers, 1, 'a worker starts for the queued chunk');
  t.deepEqual(pool.stats().itemsPerWorker, [0], 'and is handed nothing while it starts');
  t.is(pool.stats().queuedItems, 24);
  // Block this thread until the worker is ready: its message then comes in the next poll phase,
  // before the caller's first turn (which takes its own share).
  const deadline = Date.now() + 30_000;
  while (!existsSync(marker) && Date.now() < deadline) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
  t.true(existsSync(marker), 'the worker started');
  await until(() => pool.readyWorkers === 1, 'the worker is ready');
  await callerTurns(3);
  t.deepEqual(pool.stats().itemsPerWorker, [12], 'the ready worker took the queued chunk');
  t.is(pool.stats().callerItems, 12, 'the caller verified its own share only');
  await pool.close();
  t.is(((await pending) as VerifyPoolError).code, 'verify-pool-closed');
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
  const phase = join(await tempDir(t, 'kadchain-pool-'), 'phase');
  // Answers "all valid" while the phase file says so, then holds every chunk without answering
  // (a file, not the worker's own state: a worker started later must behave the same).
  const script = await testWorker(
    t,
    'phased-worker',
    `import { readFileSync } from 'node:fs';\nparentPort.on('message', (job) => { if (readFileSync(${JSON.stringify(phase)}, 'utf8') === 'answer') parentPort.postMessage({ kind: 'done', id: job.id, firstInvalid: -1, busyMs: 0, idleMs: 0 }); });`,
  );
  writeFileSync(phase, 'answer');
  const [, block1] = fixtureBlocks();
  const batch = SignatureBatch.fromBlock(block1!);
  const idleMs = 50;
  const pool = new VerifyPool({ threads: 2, workerUrl: pathToFileURL(script), idleMs });
  await pool.warm();
  t.is(await pool.verify(batch), -1); // the worker answered: its idle timer is running
  // Synchronously: no timer may run between that answer and the next batch (the idle timer is short).
  writeFileSync(phase, 'hold');
  const held = pool.verify(batch).catch((err: unknown) => err); // now each live worker holds a chunk
  const holding = pool.liveWorkers;
  t.true(holding >= 1);
  await new Promise((resolve) => setTimeout(resolve, 10 * idleMs));
  t.is(pool.liveWorkers, holding, 'busy workers outlive their idle timers');
  t.deepEqual(pool.stats().itemsPerWorker.reduce((a, b) => a + b, 0), batch.count / 2, 'the worker holds its half; the caller verified the other');
  await pool.close();
  t.is(((await held) as VerifyPoolError).code, 'verify-pool-closed');
});

test('a worker whose code does not load takes no chunk, and restarts back off: the caller verifies alone meanwhile', async (t) => {
  // Node says 'online' before a worker's code runs: the pool waits for the worker's own 'ready'.
  const { pool, batch } = await poolWith(t, 'broken-worker', "throw new Error('cannot load the binding');", { ready: false });
  let verified = 0;
  const verifyFor = async (ms: number, until: () => boolean = () => false): Promise<void> => {
    const startedMs = Date.now();
    while (Date.now() - startedMs < ms && !until()) {
      t.is(await pool.verify(batch), -1, 'every batch judged, on the caller');
      verified++;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  await verifyFor(30_000, () => pool.stats().workerFailures > 0); // a worker's start can take seconds on a loaded machine
  t.is(pool.stats().workerFailures, 1, 'the worker was tried');
  const startsBefore = pool.stats().workersStarted;
  await verifyFor(1_000);
  const stats = pool.stats();
  t.log(`${verified} batches; in the last second workers started ${stats.workersStarted - startsBefore} times`);
  // 100, 200, 400, 800 ms between tries: at most 4 in that second, against ~20 replaced at once.
  t.true(stats.workersStarted - startsBefore <= 4, `started ${stats.workersStarted - startsBefore} times`);
  t.is(stats.callerItems, verified * batch.count);
  const err = await t.throwsAsync(pool.warm(), { instanceOf: VerifyPoolError });
  t.is(err?.code, 'verify-worker-failed');
  t.regex(err?.message ?? '', /cannot load the binding/);
});

test('a worker that cannot be created at all (new Worker throws) leaves the caller verifying, and warm() says why', async (t) => {
  const [, block1] = fixtureBlocks();
  const { block } = withBadSignature(block1!, 3, 1);
  const pool = new VerifyPool({ threads: 2, workerUrl: new URL('http://127.0.0.1/not-a-worker.js') });
  t.teardown(() => pool.close());
  t.is(await pool.verify(SignatureBatch.fromBlock(block1!)), -1);
  t.is(await pool.verify(SignatureBatch.fromBlock(block)), 2 * 2 + 1, 'tx 3 input 1: item 5, found by the caller');
  t.is(pool.liveWorkers, 0);
  t.true(pool.stats().workerFailures >= 1);
  const err = await t.throwsAsync(pool.warm(), { instanceOf: VerifyPoolError });
  t.is(err?.code, 'verify-worker-failed');
});

test('a job the worker cannot read fails that batch alone (verify-job-malformed); the worker stays', async (t) => {
  const { pool, batch } = await warmPoolWith(t, 'refusing-worker', "parentPort.on('message', (job) => parentPort.postMessage({ kind: 'failed', id: job.id, message: 'a transaction runs past the job' }));");
  const err = await t.throwsAsync(pool.verify(batch), { instanceOf: VerifyPoolError });
  t.is(err?.code, 'verify-job-malformed');
  t.regex(err?.message ?? '', /runs past the job/);
  t.is(pool.liveWorkers, 1, 'not replaced');
  t.is(pool.stats().workerFailures, 0);
});

test('a worker answering a chunk it does not hold is dropped as failed', async (t) => {
  const { pool, batch } = await warmPoolWith(t, 'confused-worker', "parentPort.on('message', (job) => parentPort.postMessage({ kind: 'done', id: job.id + 1000, firstInvalid: -1, busyMs: 0, idleMs: 0 }));");
  const err = await t.throwsAsync(pool.verify(batch), { instanceOf: VerifyPoolError });
  t.is(err?.code, 'verify-worker-failed');
  t.regex(err?.message ?? '', /does not hold/);
  t.is(pool.liveWorkers, 0);
  t.is(pool.stats().workerFailures, 1);
});

test('a worker that never says ready is handed nothing: the caller verifies the whole batch', async (t) => {
  const { pool, batch } = await poolWith(t, 'mute-worker', "parentPort.on('message', () => undefined);", { ready: false });
  t.is(await pool.verify(batch), -1);
  t.is(pool.liveWorkers, 1, 'it was started');
  t.deepEqual(pool.stats().itemsPerWorker, [0]);
  t.is(pool.stats().callerItems, batch.count);
});

test('a failing new worker is not forgiven because an older one answers: restarts keep backing off', async (t) => {
  const dir = await tempDir(t, 'kadchain-pool-');
  const claim = join(dir, 'claimed');
  // The first worker to start claims the file and answers "all valid"; every later one fails to load.
  const { pool, batch } = await poolWith(
    t,
    'first-only-worker',
    `import { openSync } from 'node:fs';\ntry { openSync(${JSON.stringify(claim)}, 'wx'); } catch { throw new Error('only one may run'); }\nparentPort.postMessage({ kind: 'ready' });\nparentPort.on('message', (job) => parentPort.postMessage({ kind: 'done', id: job.id, firstInvalid: -1, busyMs: 0, idleMs: 0 }));`,
    { ready: false, threads: 3 },
  );
  const deadline = Date.now() + 30_000;
  while (pool.stats().workerFailures === 0 && Date.now() < deadline) {
    await pool.verify(batch);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  t.is(pool.stats().workerFailures, 1);
  const startsBefore = pool.stats().workersStarted;
  const startedMs = Date.now();
  while (Date.now() - startedMs < 2_000) {
    t.is(await pool.verify(batch), -1);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const starts = pool.stats().workersStarted - startsBefore;
  t.log(`the healthy worker answered throughout; ${starts} starts of a failing one in 2 s`);
  // 100, 200, 400, 800, 1,600 ms: at most 5 starts in 2 s; forgiven at each answer, one every ~100 ms.
  t.true(starts <= 5, `started ${starts} times`);
  // Ready, not live: a restart of the failing one may be starting at this instant (it counts as live until it fails).
  t.is(pool.readyWorkers, 1, 'the healthy worker still runs');
});

test('job buffers are posted as copies, never transferred (a detached ArrayBuffer deoptimizes every typed-array reader)', async (t) => {
  const transferLists: unknown[] = [];
  const original = Worker.prototype.postMessage;
  Worker.prototype.postMessage = function (this: Worker, value: unknown, transferList?: unknown) {
    transferLists.push(transferList);
    return original.call(this, value, transferList as undefined);
  };
  t.teardown(() => {
    Worker.prototype.postMessage = original;
  });
  const [, block1] = fixtureBlocks();
  const batch = SignatureBatch.fromBlock(block1!);
  const pool = new VerifyPool({ threads: 2 });
  t.teardown(() => pool.close());
  await pool.warm();
  t.is(await pool.verify(batch), -1);
  t.true(transferLists.length >= 1, 'a job was posted');
  t.deepEqual(transferLists, transferLists.map(() => undefined));
});

test('closing the pool while warm() waits rejects warm() with verify-pool-closed', async (t) => {
  const script = await testWorker(t, 'mute-worker', "parentPort.on('message', () => undefined);", false);
  const pool = new VerifyPool({ threads: 2, workerUrl: pathToFileURL(script) });
  const warming = pool.warm();
  await pool.close();
  const err = await t.throwsAsync(warming, { instanceOf: VerifyPoolError });
  t.is(err?.code, 'verify-pool-closed');
});
