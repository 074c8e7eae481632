import test from 'ava';
import { Worker } from 'node:worker_threads';
import { splitThreadCpu, threadCpuMs } from '../../bench/thread-cpu.js';

test('splitThreadCpu: main by pid, the busiest threads started since the first snapshot as verify workers, the rest as other', (t) => {
  const main = process.pid;
  const before = new Map([
    [main, 100],
    [main + 1, 50], // a V8 platform thread that already ran
  ]);
  const after = new Map([
    [main, 160],
    [main + 1, 75],
    [main + 7, 400], // started during the run: a verify worker
    [main + 8, 380], // another
    [main + 9, 5], // started too (a writer thread), but not among the 2 busiest
  ]);
  t.deepEqual(splitThreadCpu(before, after, 2), { mainMs: 60, verifyWorkersMs: 780, otherMs: 30 });
  t.deepEqual(splitThreadCpu(before, after, 0), { mainMs: 60, verifyWorkersMs: 0, otherMs: 810 });
});

test('threadCpuMs sees a busy worker thread that started after the first snapshot (Linux)', async (t) => {
  const before = threadCpuMs();
  if (!before) return t.pass('no /proc here');
  // It spins, says so, then waits alive (an exited thread leaves /proc) until terminated.
  const worker = new Worker(
    "const { parentPort } = require('node:worker_threads'); const end = Date.now() + 100; while (Date.now() < end); parentPort.postMessage('spun'); setInterval(() => {}, 1000);",
    { eval: true },
  );
  t.teardown(() => worker.terminate());
  await new Promise((resolve, reject) => worker.once('message', resolve).once('error', reject));
  const after = threadCpuMs()!;
  const split = splitThreadCpu(before, after, 1);
  t.log(split);
  t.true(split.verifyWorkersMs > 0, 'the spinning worker thread was counted');
});
