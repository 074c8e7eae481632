import test from 'ava';
import { HEADER_BYTES } from '../../../src/primitives/block.js';
import { PowSolver } from '../../../src/miner/pow-solver.js';
import { waitFor } from '../../integration/harness.js';

/** Any hash meets it: the first nonce is a solution. */
const EASIEST_TARGET = (1n << 256n) - 1n;
const IDLE_MS = 100;

test('the proof-of-work worker starts with a search, stops after idleMs without one, and starts again for the next', async (t) => {
  const solver = new PowSolver({ idleMs: IDLE_MS });
  t.teardown(() => solver.terminate());
  t.false(solver.running, 'no worker before the first search');
  const first = await solver.solve(Buffer.alloc(HEADER_BYTES), EASIEST_TARGET);
  t.truthy(first.solution);
  t.true(solver.running, 'the worker stays for the next search');
  const startedAt = performance.now();
  await waitFor('the idle worker to stop', async () => !solver.running, 10_000, 10);
  t.log(`worker stopped ${Math.round(performance.now() - startedAt)} ms after its search (idleMs ${IDLE_MS})`);
  const second = await solver.solve(Buffer.alloc(HEADER_BYTES, 1), EASIEST_TARGET);
  t.truthy(second.solution, 'a search after the idle stop gets a new worker');
  t.true(solver.running);
});

test('searches closer together than idleMs keep the same worker running', async (t) => {
  const solver = new PowSolver({ idleMs: 2_000 });
  t.teardown(() => solver.terminate());
  for (let i = 0; i < 5; i++) {
    t.truthy((await solver.solve(Buffer.alloc(HEADER_BYTES, i), EASIEST_TARGET)).solution);
    t.true(solver.running, `still running after search ${i + 1}`);
  }
});
