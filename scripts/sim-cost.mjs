// What a simulated node and a simulated event cost (docs/scale.md "What a run costs"): runs the
// normal scenario for N nodes (10-minute schedule, so no lookup/propagation phase before 180 s) up
// to TO virtual seconds and prints, every STEP virtual seconds, the events, CPU per event in that
// step, the clock's heap and the live JS heap after a full GC (bytes per node), then exits.
//   npm run build && N=1000 TO=60 nice -n 10 node --expose-gc --max-old-space-size=12288 scripts/sim-cost.mjs
// SNAPSHOT=<file> writes a heap snapshot at TO (summarise it with scripts/heap-summary.mjs).
import { writeHeapSnapshot } from 'node:v8';
const D = process.env.DIST ?? new URL('../dist', import.meta.url).pathname;
const { defaultParams, runScenario } = await import(`${D}/src/sim/scenario.js`);
const N = Number(process.env.N ?? 1000), TO = Number(process.env.TO ?? 60), STEP = Number(process.env.STEP ?? 10);
const gc = globalThis.gc;
if (gc === undefined) throw new Error('run with node --expose-gc: the live heap is measured after a full GC');
const defaults = defaultParams(N, 10);
const cpu0 = process.cpuUsage();
const wall0 = performance.now();
let clockRef;
let tcpRef;
const clockHosts = () => tcpRef.network.hosts.size;
let last = { cpu: 0, events: 0, gcMs: 0 };
const cpuS = () => { const c = process.cpuUsage(cpu0); return (c.user + c.system) / 1e6; };
function sample() {
  const t = clockRef.elapsedMs / 1000;
  const cpu = cpuS();
  const events = clockRef.eventsRun;
  const usPerEvent = (1e6 * (cpu - last.cpu)) / Math.max(1, events - last.events);
  const g0 = performance.now();
  gc();
  const gcMs = performance.now() - g0;
  const mem = process.memoryUsage();
  const cleared = clockRef.heap.filter((x) => x.cancelled).length;
  console.log(JSON.stringify({ t, nodes: N, events, stepEvents: events - last.events, usPerEvent: Math.round(usPerEvent), cpuS: Math.round(cpu), wallS: Math.round((performance.now() - wall0) / 1000), heapLiveMb: Math.round(mem.heapUsed / 2 ** 20), hosts: clockHosts(), bytesPerNode: Math.round(mem.heapUsed / Math.max(1, clockHosts())), externalMb: Math.round(mem.external / 2 ** 20), arrayBuffersMb: Math.round(mem.arrayBuffers / 2 ** 20), rssMb: Math.round(mem.rss / 2 ** 20), clockHeap: clockRef.heap.length, clockCleared: cleared, fullGcMs: Math.round(gcMs) }));
  // CPU of the forced GC is not charged to the next step.
  last = { cpu: cpuS(), events };
  if (t >= TO) {
    if (process.env.SNAPSHOT) console.log(`snapshot ${writeHeapSnapshot(process.env.SNAPSHOT)}`);
    process.exit(0);
  }
}
const params = {
  ...defaults,
  log: process.env.LOG === '1' ? (line) => process.stderr.write(`${line}\n`) : undefined,
  instrument: (clock, tcp) => {
    clockRef = clock;
    tcpRef = tcp;
    clock.setInterval(sample, STEP * 1000);
  },
};
await runScenario(params);
