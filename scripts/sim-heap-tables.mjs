// What each per-node table of a simulation holds (docs/scale.md "Steady-state heap growth"): runs
// the normal scenario (seed 13) to virtual second T, then empties one table in every live node at
// a time and prints the live heap it freed (forced GC before and after), per node and per entry.
// Exact where heap snapshots only approximate (a shared object is freed only when its last holder
// goes). Reaches into private fields: update the paths below when the code moves. Prints the live
// heap per node at EARLY (default 70) virtual seconds too.
//   npm run build && node --expose-gc scripts/sim-heap-tables.mjs [nodes=1000] [minutes=10] [T=170]
import { defaultParams, runScenario } from '../dist/src/sim/scenario.js';
import { Population } from '../dist/src/sim/population.js';

const [nodes = 1000, minutes = 10, atSec = 170] = process.argv.slice(2).map(Number);
const earlySec = Number(process.env.EARLY ?? 70);
const TABLES = [
  ['discovery: inbound budget per sender (KeyedLimits)', (n) => n.discovery.transport.options.budget.perSender.buckets],
  ['discovery: PortAnnouncer targets', (n) => n.discovery.own.announcer.pinged],
  ['discovery: endpoint proofs, proven', (n) => n.discovery.proofs.proven],
  ['discovery: endpoint proofs, unproven', (n) => n.discovery.proofs.unproven],
  ['discovery: endpoint index', (n) => n.discovery.table.byEndpoint.byEndpoint],
];
if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
const liveHeap = () => { globalThis.gc(); globalThis.gc(); return process.memoryUsage().heapUsed; };
let population;
const join = Population.prototype.join;
Population.prototype.join = function (...args) { population = this; return join.apply(this, args); };

await runScenario({ ...defaultParams(nodes, minutes), log: (line) => {
  const m = /^t=(\d+)s alive=(\d+)/.exec(line);
  if (m === null) return;
  const [sec, alive] = [Number(m[1]), Number(m[2])];
  if (sec === earlySec) console.log(`t=${sec}s: live heap ${(liveHeap() / alive / 1024).toFixed(1)} KB per node`);
  if (sec !== atSec) return;
  const live = population.nodes.filter((n) => n.leftAtMs === undefined);
  let heap = liveHeap();
  console.log(`t=${sec}s: live heap ${(heap / live.length / 1024).toFixed(1)} KB per node (${live.length} alive)`);
  const clearers = [...TABLES.map(([name, get]) => [name, (n) => { const map = get(n); const size = map.size; map.clear(); return size; }]),
    ['address manager (new + tried)', (n) => { const t = n.addrman.table; const size = t.size; t.byAddress.clear(); for (const b of [...t.newBuckets, ...t.triedBuckets]) b.length = 0; return size; }]];
  for (const [name, clear] of clearers) {
    let entries = 0;
    for (const n of live) entries += clear(n);
    const after = liveHeap();
    console.log(`  ${name}: ${(entries / live.length).toFixed(1)} entries per node, ${((heap - after) / live.length / 1024).toFixed(1)} KB per node, ${entries > 0 ? ((heap - after) / entries).toFixed(0) : '-'} B per entry`);
    heap = after;
  }
  process.exit(0);
} });
