import test from 'ava';
import { defaultParams, runScenario } from '../../../src/sim/scenario.js';

// The CI-sized run of the simulator: 1,000 real Discovery services on the simulated internet
// (60 % behind NAT, 1 % loss, churn, an eclipse attempt, 20 % leaving at once). Virtual time,
// so the figures do not depend on the machine's load; only the wall time does.
const NODES = Number(process.env['SIM_NODES'] ?? 1000);
const MINUTES = Number(process.env['SIM_MINUTES'] ?? 2);

test(`${NODES} simulated nodes: tables fill, lookups find public nodes in ≤ ⌈log₂ N⌉ hops, 20 % leaving does not break them`, async (t) => {
  t.timeout(30 * 60_000);
  const r = await runScenario({ ...defaultParams(NODES, MINUTES) });
  t.log(`wall ${(r.run.wallMs / 1000).toFixed(0)} s (cpu ${(r.run.cpuMs / 1000).toFixed(0)} s), ${r.run.events} events, peak RSS ${r.run.peakRssMb.toFixed(0)} MB`);
  const [initial] = r.joins;
  t.log(`initial ramp: ${initial.healthy}/${initial.joined} reached 8 entries, p50 ${initial.p50Ms} ms, p90 ${initial.p90Ms} ms, max ${initial.maxMs} ms`);
  t.true(initial.healthy >= 0.99 * initial.joined, 'nearly every node gets 8 table entries');
  for (const batch of r.lookups) {
    t.log(`lookups ${batch.label}: ${batch.count}, success ${(100 * batch.successShare).toFixed(1)} %, hops p50 ${batch.hopsP50} p99 ${batch.hopsP99} (goal ≤ ${batch.hopGoal}), ${batch.msP50.toFixed(0)} ms p50`);
    t.true(batch.hopsP99 <= batch.hopGoal, `${batch.label}: 99 % of lookups within ⌈log₂ N⌉ hops`);
  }
  const steady = r.lookups.find((b) => b.label === 'steady');
  t.true(steady !== undefined && steady.successShare >= 0.9, 'lookups for public nodes find them');
  const last = r.health[r.health.length - 1];
  t.log(`end: table mean ${last.meanTable.toFixed(1)}, p10 ${last.p10Table}, ≥ 8: ${(100 * last.healthyShare).toFixed(1)} %, dead entries ${(100 * last.deadEntryShare).toFixed(1)} %`);
  t.true(last.healthyShare >= 0.95, 'after 20 % left, tables are still healthy');
  for (const p of r.propagation) t.log(`${p.label} ${p.kind} ${p.bytes} B: ${p.reached}/${p.nodes}, 50 % ${p.t50Ms?.toFixed(0)} ms, 90 % ${p.t90Ms?.toFixed(0)} ms, dup inv/node ${p.duplicateInvPerNode.toFixed(1)}`);
  const tx = r.propagation.find((p) => p.kind === 'tx');
  t.true(tx !== undefined && tx.reached >= 0.95 * tx.nodes, 'a transaction reaches 95 % of the peer graph');
  const e = r.eclipse;
  t.truthy(e);
  if (e !== undefined) {
    t.log(`eclipse: ${(100 * e.attackerShareOfIds).toFixed(1)} % of ids → ${(100 * e.attackerShareOfTable).toFixed(1)} % of the victim's table, ${(100 * e.attackerShareOfOutbound).toFixed(1)} % of its outbound`);
    t.true(e.attackerShareOfTable < 0.5, 'the attacker does not own the victim table');
  }
});
