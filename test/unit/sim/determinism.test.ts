import test from 'ava';
import { type ScenarioResult, defaultParams, runScenario } from '../../../src/sim/scenario.js';

// Every random draw of a run comes from the seed, so a seed reproduces a run exactly: the network
// model (latencies, loss, NAT, churn), node keys, and each node's own choices through its seeded
// RandomSource (src/util/random-source.ts) — discovery's refresh targets, revalidation picks and
// retry jitter; the address manager's bucket key and picks; the inbound-eviction key; handshake,
// ping and compact-block nonces; redial jitter; orphan-tx eviction. Everything else runs on the
// virtual clock. Production passes no source and draws from node:crypto's CSPRNG. A difference
// here means a draw or a timer bypasses the seams (Math.random, node:crypto, Date.now, setTimeout
// or setImmediate instead of the Clock): diff two runs' figures to see which part moves.
// 100 nodes × 1 virtual minute: about 20 s of CPU each.
const NODES = 100;
const MINUTES = 1;

/** Everything the run measured, without its own cost (wall/CPU time, memory). */
function figures(r: ScenarioResult): string {
  return JSON.stringify({ ...r, run: { events: r.run.events } });
}

test.serial('the same seed gives the same simulation run; another seed gives another', async (t) => {
  t.timeout(10 * 60_000);
  const a = await runScenario({ ...defaultParams(NODES, MINUTES), seed: 7 });
  const b = await runScenario({ ...defaultParams(NODES, MINUTES), seed: 7 });
  const c = await runScenario({ ...defaultParams(NODES, MINUTES), seed: 8 });
  for (const [name, r] of [['seed 7', a], ['seed 7 again', b], ['seed 8', c]] as const) {
    t.log(`${name}: ${r.run.events} events, eclipse ${r.eclipse?.attackerTableEntries}/${r.eclipse?.victimTableSize}, ${r.network.packetsPerNodePerSec.toFixed(3)} datagrams per node per s`);
  }
  t.is(figures(a), figures(b));
  t.not(figures(a), figures(c));
});
