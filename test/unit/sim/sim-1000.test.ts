import test from 'ava';
import { readFileSync } from 'node:fs';
import { DEFAULT_MAX_INBOUND_PEERS, DEFAULT_MAX_OUTBOUND_PEERS } from '../../../src/p2p/constants.js';
import { type ScenarioResult, defaultParams, runScenario } from '../../../src/sim/scenario.js';

// The CI-sized run of the simulator: 1,000 real Discovery services and TCP peer sets (PeerSet,
// real handshakes over simulated TCP) on the simulated internet
// (60 % behind NAT, 1 % loss, churn, an eclipse attempt, 20 % leaving at once). Virtual time,
// so the figures do not depend on the machine's load; only the wall time does (130–200 s of CPU
// with the TCP peer sets and relay; ~40–50 s for discovery alone).
// One run, shared by the tests below, on a fixed seed: every draw (network, node keys, each node's
// discovery, address manager, peer set and relay choices) comes from it, so the figures are the
// same on every machine and every run of the same code (test/unit/sim/determinism.test.ts).
const NODES = Number(process.env['SIM_NODES'] ?? 1000);
const SEED = Number(process.env['SIM_SEED'] ?? 13);
const MINUTES = Number(process.env['SIM_MINUTES'] ?? 2);
const RUN_TIMEOUT_MS = 40 * 60_000;

// SIM_RESULT=<out>/sim-1000.json: check the saved result of `node dist/src/sim/main.js --nodes 1000
// --minutes 2 --seed 13 --out <out>` (the same scenario) instead of running it again (~7 min of CPU).
const SAVED = process.env['SIM_RESULT'];

function loadSaved(file: string): ScenarioResult {
  const r = JSON.parse(readFileSync(file, 'utf8')) as ScenarioResult;
  const { nodes, minutes, seed } = r.params;
  if (nodes !== NODES || minutes !== MINUTES || seed !== SEED) {
    throw new Error(`${file} is a run of ${nodes} nodes × ${minutes} min, seed ${seed}, not ${NODES} × ${MINUTES}, seed ${SEED}; run: node dist/src/sim/main.js --nodes ${NODES} --minutes ${MINUTES} --seed ${SEED} --out <dir>`);
  }
  return r;
}

let running: Promise<ScenarioResult> | undefined;
function run(): Promise<ScenarioResult> {
  if (SAVED !== undefined) return (running ??= Promise.resolve(loadSaved(SAVED)));
  running ??= runScenario({ ...defaultParams(NODES, MINUTES), seed: SEED }).then((r) => {
    process.stderr.write(`sim ${NODES} nodes × ${MINUTES} min, seed ${SEED}: wall ${(r.run.wallMs / 1000).toFixed(0)} s, cpu ${(r.run.cpuMs / 1000).toFixed(0)} s, ${r.run.events} events, peak RSS ${r.run.peakRssMb.toFixed(0)} MB\n`);
    return r;
  });
  return running;
}

test.serial(`${NODES} simulated nodes: every node's table reaches 8 entries`, async (t) => {
  t.timeout(RUN_TIMEOUT_MS);
  const r = await run();
  const [initial] = r.joins;
  t.log(`initial ramp: ${initial.healthy}/${initial.joined} reached 8 entries, p50 ${initial.p50Ms} ms, p90 ${initial.p90Ms} ms, max ${initial.maxMs} ms`);
  t.true(initial.healthy >= 0.99 * initial.joined);
});

test.serial('the real peer sets (PeerSet over simulated TCP): joining nodes fill their outbound slots, inbound stays within its bounds', async (t) => {
  t.timeout(RUN_TIMEOUT_MS);
  const r = await run();
  const [initial] = r.outboundJoins;
  t.log(`initial ramp: ${initial.healthy}/${initial.joined} had ${DEFAULT_MAX_OUTBOUND_PEERS} outbound peers; p50 ${initial.p50Ms} ms, p90 ${initial.p90Ms} ms, max ${initial.maxMs} ms`);
  const last = r.peers[r.peers.length - 1];
  t.log(`end: outbound mean ${last.outboundMean.toFixed(2)}, ${(100 * last.outboundFullShare).toFixed(1)} % with ${DEFAULT_MAX_OUTBOUND_PEERS} (to live peers: mean ${last.outboundLiveMean.toFixed(2)}, ${(100 * last.outboundLiveFullShare).toFixed(1)} %); inbound of public nodes mean ${last.inboundMean.toFixed(1)}, p90 ${last.inboundP90}, max ${last.inboundMax}; inbound histogram ${JSON.stringify(r.inboundHistogram)}`);
  if (r.victimOutbound) t.log(`eclipse victim's real outbound sessions: ${r.victimOutbound.attacker} of ${r.victimOutbound.ready} are the attacker's`);
  t.log(`tcp: ${r.tcp.connected} connected, ${r.tcp.unanswered} dials unanswered (NATed or departed), ${r.tcp.refused} refused`);
  t.true(initial.healthy >= 0.8 * initial.joined, 'most joiners reach 8 outbound peers');
  t.true(last.outboundMean >= 6, 'the steady network keeps most outbound slots filled');
  for (const sample of r.peers) t.true(sample.inboundMax <= DEFAULT_MAX_INBOUND_PEERS, `inbound ≤ ${DEFAULT_MAX_INBOUND_PEERS} at ${sample.tMs} ms`);
  t.true(r.inboundHistogram.length - 1 <= DEFAULT_MAX_INBOUND_PEERS);
  t.true(r.tcp.unanswered > 0, 'dials to NATed table entries time out (a NAT answers no SYN)');
});

test.serial('lookups for public nodes find them, 99 % within ⌈log₂ N⌉ hops, also right after 20 % left', async (t) => {
  t.timeout(RUN_TIMEOUT_MS);
  const r = await run();
  t.is(r.lookups.length, 3);
  for (const batch of r.lookups) {
    t.log(`lookups ${batch.label}: ${batch.count}, success ${(100 * batch.successShare).toFixed(1)} %, hops p50 ${batch.hopsP50} p99 ${batch.hopsP99} (goal ≤ ${batch.hopGoal}), ${batch.msP50.toFixed(0)} ms p50`);
    t.true(batch.hopsP99 <= batch.hopGoal, batch.label);
    // 93–99 % before the eclipse admission rules, 81–96 % with them (inbound contacts waited for
    // the 3 seeding lookups, so nodes that joined near a seeding node were refused and stayed
    // unknown near their own id), 90–100 % with inbound open after the self-lookup and the closest
    // candidate's failed query asked once more (docs/scale.md defect 6). The run is fixed by its
    // seed, but any change to the peer code moves it: hence the margin below 0.9. The tighter
    // far-bucket variant that was not kept gave 53–80 %.
    t.true(batch.successShare >= 0.85, batch.label);
  }
});

test.serial('after 20 % of the nodes left at once, tables stay healthy and dead entries are being removed', async (t) => {
  t.timeout(RUN_TIMEOUT_MS);
  const r = await run();
  const leftAt = r.massLeave?.atMs ?? 0;
  const after = r.health.filter((h) => h.tMs > leftAt);
  const first = after[0];
  const last = after[after.length - 1];
  t.log(`dead entries ${(100 * first.deadEntryShare).toFixed(1)} % → ${(100 * last.deadEntryShare).toFixed(1)} %; ≥ 8 entries: ${(100 * last.healthyShare).toFixed(1)} %`);
  t.true(last.healthyShare >= 0.95);
  t.true(last.deadEntryShare < first.deadEntryShare);
});

const describe = (p: ScenarioResult['propagation'][number]): string =>
  `${p.label} ${p.kind} ${p.bytes} B${p.kind === 'block' ? `, ${100 * (p.missRate ?? 0)} % missing` : ''}: ${p.reached}/${p.nodes} (isolated ${p.isolated}), 50 % ${p.t50Ms?.toFixed(0)} ms, 90 % ${p.t90Ms?.toFixed(0)} ms, 100 % ${p.t100Ms?.toFixed(0) ?? 'never'} ms, dup announcements/node ${p.duplicateAnnouncementsPerNode.toFixed(1)}, dup bodies/node ${p.duplicateBodiesPerNode.toFixed(2)}, ${(p.bytesPerNode / 1000).toFixed(1)} kB/node (all TCP ${(p.tcpBytesPerNode / 1000).toFixed(1)})${p.kind === 'block' ? `, get-block-txn/node ${p.blockTxnRoundTripsPerNode?.toFixed(2)}, full blocks/node ${p.fullBlocksPerNode?.toFixed(2)}` : ''}`;

test.serial('a transaction reaches 95 % of the connected nodes over the real relay (inv → get-data → tx, TxIntake)', async (t) => {
  t.timeout(RUN_TIMEOUT_MS);
  const r = await run();
  for (const p of r.propagation) t.log(describe(p));
  const txs = r.propagation.filter((p) => p.kind === 'tx');
  t.is(txs.length, 2);
  for (const tx of txs) t.true(tx.reached >= 0.95 * (tx.nodes - tx.isolated), tx.label);
});

test.serial('compact blocks (real relay): a block whose txs were relayed before reaches 90 % of the nodes in < 1 s of simulated time', async (t) => {
  t.timeout(RUN_TIMEOUT_MS);
  const r = await run();
  const pooled = r.propagation.filter((p) => p.kind === 'block' && p.missRate === 0);
  t.is(pooled.length, 4, '100 kB and 1 MB, steady and after 20 % left');
  for (const p of pooled) {
    t.log(describe(p));
    t.true(p.reached >= 0.95 * (p.nodes - p.isolated));
    t.true(p.t90Ms !== undefined && p.t90Ms < 1_000, `${p.label} ${p.bytes} B`);
    t.true(p.blockTxnRoundTripsPerNode! < 0.05, 'nothing is missing, so nearly no node asks for txs');
  }
  const gaps = r.propagation.filter((p) => p.kind === 'block' && p.missRate === 0.05);
  t.is(gaps.length, 4);
  for (const p of gaps) {
    t.log(describe(p));
    t.true(p.reached >= 0.95 * (p.nodes - p.isolated));
    t.true(p.blockTxnRoundTripsPerNode! > 0.5, 'with 5 % missing nearly every rebuild needs a get-block-txn round trip');
  }
});

test.serial('eclipse: the victim keeps honest table entries and outbound peers', async (t) => {
  t.timeout(RUN_TIMEOUT_MS);
  const e = (await run()).eclipse;
  if (e === undefined) return t.fail('no eclipse measurement');
  t.log(`eclipse: ${(100 * e.attackerShareOfIds).toFixed(1)} % of ids → ${(100 * e.attackerShareOfTable).toFixed(1)} % of the victim's table, ${(100 * e.attackerShareOfOutbound).toFixed(1)} % of its outbound`);
  t.true(e.attackerShareOfTable < 0.9);
  t.true(e.attackerShareOfOutbound < 0.9);
});

// Known defect, reduced but not fixed (docs/scale.md "Eclipse", round 3): before the table
// admission rules an attacker with 10 % of the ids got 40–66 % of a joining victim's table at
// 1,000 nodes (4–7× its share of ids); with them 20.6–40.5 % over seeds 1–4 and 23.4 % on this
// seed (1.9–3.4×). The goal stays twice the id share (logged); what this test holds is that the
// admission rules keep working: at most 4×. With inbound contacts admitted after the self-lookup
// (round 4), 0.99–2.05× on seeds 1, 2, 3, 4, 13 without the TCP side (docs/scale.md). The run is
// fixed by its seed, but any change to the peer code moves it, so the bound has room. Smaller runs
// skip this (at 200–300 nodes the attacker has too few nodes to tell).
(NODES >= 1000 ? test.serial : test.serial.skip)('eclipse: an attacker with 10 % of the ids gets at most 4× that share of a joining victim\'s table (goal: 2×)', async (t) => {
  t.timeout(RUN_TIMEOUT_MS);
  const r = await run();
  const e = r.eclipse;
  if (e === undefined) return t.fail('no eclipse measurement');
  const ratio = e.attackerShareOfTable / e.attackerShareOfIds;
  t.log(`eclipse: ${(100 * e.attackerShareOfIds).toFixed(1)} % of ids → ${(100 * e.attackerShareOfTable).toFixed(1)} % of the victim's table (${ratio.toFixed(1)}×; goal 2×: ${ratio <= 2 ? 'met' : 'not met'}), ${(100 * e.attackerShareOfOutbound).toFixed(1)} % of its outbound`);
  t.true(e.attackerShareOfTable <= 4 * e.attackerShareOfIds);
});

// docs/scale.md defects 5 and 10: a node learns from failed dial-backs that it is behind a NAT
// (the real ReachabilityTracker; dial-backs through the simulated TCP), then advertises no TCP port,
// and other nodes keep it out of their tables (a discovery client). Before: 19–24 % of all table
// entries pointed at NATed hosts for the whole run.
test.serial('nodes behind NAT learn it from failed dial-backs and drop out of the tables; public nodes are not misjudged', async (t) => {
  t.timeout(RUN_TIMEOUT_MS);
  const r = await run();
  const v = r.reachability;
  const nattedTotal = Object.values(v.natted).reduce((s, n) => s + n, 0);
  const judged = Object.entries(v.natted).filter(([status]) => status.startsWith('behind-nat')).reduce((s, [, n]) => s + n, 0);
  const last = r.health[r.health.length - 1];
  t.log(`NATed ${JSON.stringify(v.natted)} (verdict after p50 ${v.nattedVerdictP50Ms} ms, p90 ${v.nattedVerdictP90Ms} ms), public ${JSON.stringify(v.public)}; dial-backs ${JSON.stringify(v.dialBacks)}`);
  t.log(`table entries pointing at NATed hosts: ${r.health.map((h) => (100 * h.nattedEntryShare).toFixed(1)).join(' ')} %`);
  t.true(judged >= 0.95 * nattedTotal, 'nearly every NATed node knows it');
  t.false(Object.keys(v.public).some((status) => status.startsWith('behind-nat')), 'no public node is judged behind NAT');
  t.true(last.nattedEntryShare <= 0.05, 'at most 5 % of table entries point at NATed hosts at the end');
});
