// What the simulator's events are (docs/scale.md "What a run costs"): runs the normal scenario
// (10-minute schedule, so no lookup/propagation phase before 180 s) and counts, in the window
// FROM..TO virtual seconds, every event by the code that scheduled it and every TCP write by
// wire type, then exits at TO.
//   npm run build && N=1000 FROM=60 TO=70 nice -n 10 node scripts/sim-event-census.mjs [--ping-interval-ms 60000]
// DEPTH = stack frames kept per tag (default 3); TOP = tags printed (default 40); NO_TCP=1 = discovery alone.
import { parseArgs } from 'node:util';
const D = process.env.DIST ?? new URL('../dist', import.meta.url).pathname;
const { defaultParams, runScenario } = await import(`${D}/src/sim/scenario.js`);
const { MessageType, MAGIC } = await import(`${D}/src/p2p/wire/constants.js`);
const { values } = parseArgs({ options: { 'ping-interval-ms': { type: 'string' } } });
const N = Number(process.env.N ?? 1000), FROM = Number(process.env.FROM ?? 60), TO = Number(process.env.TO ?? 70), DEPTH = Number(process.env.DEPTH ?? 3);
const typeName = new Map(Object.entries(MessageType).map(([k, v]) => [v, k]));
const counts = new Map();
const wire = new Map();
let clockRef;
const defaults = defaultParams(N, 10);
// NO_TCP=1: no sessions at all (0 outbound, 0 inbound), i.e. discovery alone, for comparison.
const p2p = { ...defaults.p2p, ...(values['ping-interval-ms'] ? { pingIntervalMs: Number(values['ping-interval-ms']) } : {}), ...(process.env.NO_TCP === '1' ? { maxOutbound: 0, maxInbound: 0 } : {}) };
const cpu0 = process.cpuUsage();
let cpuAtFrom, eventsAtFrom;
const params = {
  ...defaults, p2p,
  log: (line) => process.stderr.write(`${line}\n`),
  instrument: (clock, tcp) => {
    clockRef = clock;
    clock.profile = { fromElapsedMs: FROM * 1000, toElapsedMs: TO * 1000, depth: DEPTH, counts };
    tcp.census = (data) => {
      const at = clock.elapsedMs;
      if (at < FROM * 1000 || at >= TO * 1000) return;
      const name = data.length >= 13 && MAGIC.equals(data.subarray(0, 4)) ? (typeName.get(data[4]) ?? `raw${data.length}`) : `part${data.length}`;
      wire.set(name, (wire.get(name) ?? 0) + 1);
    };
    clock.setTimeout(() => { cpuAtFrom = process.cpuUsage(cpu0); eventsAtFrom = clock.eventsRun; }, FROM * 1000);
    clock.setTimeout(() => report(), TO * 1000);
  },
};
function report() {
  const cpu = process.cpuUsage(cpu0);
  const windowCpuS = (cpu.user + cpu.system - cpuAtFrom.user - cpuAtFrom.system) / 1e6;
  const events = clockRef.eventsRun - eventsAtFrom;
  const perNodeS = (n) => (n / N / (TO - FROM)).toFixed(3);
  const total = [...counts.values()].reduce((s, v) => s + v, 0);
  console.log(`window ${FROM}-${TO} s, ${N} nodes: ${events} events (${total} tagged) = ${perNodeS(events)} per node per s; cpu ${windowCpuS.toFixed(1)} s (${(1e6 * windowCpuS / events).toFixed(0)} µs/event incl. census)`);
  for (const [tag, n] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP ?? 40))) console.log(`${String(n).padStart(8)} ${perNodeS(n).padStart(7)}/node/s ${(100 * n / total).toFixed(1).padStart(5)}%  ${tag}`);
  // Cleared timers stay in the heap until due (VirtualClock drops them lazily): how many now.
  const heap = clockRef.heap;
  console.log(`heap at ${TO} s: ${heap.length} timers, ${heap.filter((x) => x.cancelled).length} of them cleared`);
  const writes = [...wire.values()].reduce((s, v) => s + v, 0);
  console.log(`TCP writes by wire type: ${writes} = ${perNodeS(writes)} per node per s`);
  for (const [name, n] of [...wire].sort((a, b) => b[1] - a[1])) console.log(`${String(n).padStart(8)} ${perNodeS(n).padStart(7)}/node/s  ${name}`);
  process.exit(0);
}
await runScenario(params);
