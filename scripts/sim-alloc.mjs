// What the simulator allocates per event, by allocating function (docs/scale.md "Memory per node and
// cost per event against N"): runs the normal scenario (10-minute schedule) to TO virtual seconds and
// samples allocations from FROM to TO with V8's sampling heap profiler, keeping objects that were
// collected since (so short-lived garbage counts), then prints bytes per event by function and line.
//   npm run build && N=300 FROM=20 TO=30 nice -n 10 node scripts/sim-alloc.mjs
// TOP = rows printed (default 40); DEPTH = frames per row (default 1: the allocating function); INTERVAL = mean bytes between samples (default 4096).
// MIN = the schedule's virtual minutes (default 10; with MIN=2 the first propagation round starts at 60 s: FROM=60 TO=64 covers
// the 1 MB block with every tx pooled). PER_NODE=1 prints bytes per alive node instead of per event.
import { Session } from 'node:inspector/promises';
const D = process.env.DIST ?? new URL('../dist', import.meta.url).pathname;
const { defaultParams, runScenario } = await import(`${D}/src/sim/scenario.js`);
const N = Number(process.env.N ?? 300), FROM = Number(process.env.FROM ?? 20), TO = Number(process.env.TO ?? 30);
// LIVE=1: only what is still alive at TO (what survives scavenges: in-flight and kept state).
const LIVE = process.env.LIVE === '1';
const session = new Session();
session.connect();
let clockRef, eventsAtFrom, started;
const params = {
  ...defaultParams(N, Number(process.env.MIN ?? 10)),
  instrument: (clock) => {
    clockRef = clock;
    clock.setTimeout(() => {
      eventsAtFrom = clock.eventsRun;
      started = session.post('HeapProfiler.startSampling', { samplingInterval: Number(process.env.INTERVAL ?? 4096), includeObjectsCollectedByMajorGC: !LIVE, includeObjectsCollectedByMinorGC: !LIVE });
    }, FROM * 1000);
    clock.setTimeout(() => void report(), TO * 1000);
  },
};
async function report() {
  const events = clockRef.eventsRun - eventsAtFrom;
  await started;
  const { profile } = await session.post('HeapProfiler.stopSampling');
  const bySite = new Map();
  let total = 0;
  const DEPTH = Number(process.env.DEPTH ?? 1);
  const name = (f) => `${f.functionName || '(anon)'} ${f.url.replace(/^.*\/dist\//, '')}:${f.lineNumber + 1}`;
  const walk = (node, stack = []) => {
    const here = [...stack, node.callFrame];
    const self = node.selfSize;
    if (self > 0) {
      const key = here.slice(-DEPTH).reverse().map(name).join(' < ');
      bySite.set(key, (bySite.get(key) ?? 0) + self);
      total += self;
    }
    for (const c of node.children) walk(c, here);
  };
  walk(profile.head);
  const perNode = process.env.PER_NODE === '1';
  const per = perNode ? N : events;
  const unit = perNode ? 'node' : 'event';
  console.log(`${N} nodes, ${FROM}-${TO} s: ${events} events, ${(total / per).toFixed(0)} bytes sampled per ${unit}`);
  for (const [k, v] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP ?? 40))) {
    console.log(`${(v / per).toFixed(0).padStart(7)} B/${unit} ${(100 * v / total).toFixed(1).padStart(5)}%  ${k}`);
  }
  process.exit(0);
}
await runScenario(params);
