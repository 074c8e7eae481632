import test from 'ava';
import { sha256 } from '../../../src/primitives/hash.js';
import { SIM_BUFFER_POOL_BYTES } from '../../../src/sim/constants.js';
import { defaultParams, runScenario } from '../../../src/sim/scenario.js';

// A small Buffer is a slice of a shared 8 KiB slab unless the pool is off, and one long-lived
// slice keeps its slab alive: in a simulation of thousands of nodes in one process that was half
// of all memory (docs/scale.md "Memory per node and cost per event"). runScenario turns the pool
// off for the run and gives the process its setting back afterwards.
test.serial('a simulation runs with the Buffer pool off: a node id owns its 32 bytes, and the pool is back after the run', async (t) => {
  t.timeout(5 * 60_000);
  const before = Buffer.poolSize;
  const outside = sha256(Buffer.from('outside a run'));
  t.log(`outside a run: a 32-byte id sits in an ArrayBuffer of ${outside.buffer.byteLength} bytes (pool ${before})`);
  t.true(outside.buffer.byteLength > 32, 'outside a run Node pools small buffers (the slab this test is about)');
  let during: { poolSize: number; idBytes: number } | undefined;
  const result = await runScenario({
    ...defaultParams(20, 0.5),
    rampMs: 2_000,
    instrument: (clock) => {
      clock.setTimeout(() => {
        during = { poolSize: Buffer.poolSize, idBytes: sha256(Buffer.from('inside a run')).buffer.byteLength };
      }, 1_000);
    },
  });
  t.log(`during the run: pool ${during?.poolSize}, a 32-byte id's ArrayBuffer ${during?.idBytes} bytes; ${result.run.events} events`);
  t.is(during?.poolSize, SIM_BUFFER_POOL_BYTES);
  t.is(during?.idBytes, 32);
  t.is(Buffer.poolSize, before);
});
