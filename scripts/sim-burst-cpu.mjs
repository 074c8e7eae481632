// The real-socket discovery-scale bench as a simulation (docs/scale.md "Round 4"): N nodes and one
// bootstrap start at once on loopback-like links, and every datagram received waits for one
// shared "CPU" (COST ms each): the bench is CPU-bound (ECDSA at both ends of every datagram), so
// its time follows the datagrams sent, in the order the code sends them.
//   npm run build && N=500 COST=0.2 node scripts/sim-burst-cpu.mjs
// Prints when every node had ≥ 8 and ≥ 16 table entries, the datagrams until then by type and by
// direction (to/from the bootstrap, between nodes), and the bootstrap's own packet counts.
const D = process.env.DIST ?? new URL('../dist', import.meta.url).pathname;
const { VirtualClock } = await import(`${D}/src/sim/virtual-clock.js`);
const { Rng } = await import(`${D}/src/sim/rng.js`);
const { SimNetwork, DEFAULT_NETWORK_MODEL } = await import(`${D}/src/sim/network.js`);
const { standInSigner } = await import(`${D}/src/sim/stand-in-signer.js`);
const { SimTcp } = await import(`${D}/src/sim/tcp.js`);
const { Population } = await import(`${D}/src/sim/population.js`);
const N = Number(process.env.N ?? 500), SEED = Number(process.env.SEED ?? 1), COST = Number(process.env.COST ?? 0.2);
const LOOPBACK = { ...DEFAULT_NETWORK_MODEL, accessDelayMedianMs: 0.1, accessDelaySigma: 0.1, minRttMs: 0.2, maxRttMs: 1, loss: 0, natShare: 0, uplinkMinBps: 1e9, uplinkMaxBps: 1e9 };
const clock = new VirtualClock();
const rng = new Rng(SEED);
const network = new SimNetwork(clock, rng, LOOPBACK);
let cpuFree = 0, maxQ = 0; const cnt = {}; const seenPair = new Set(); let bootIp; let stop = false;
network.tap = (from, _fp, toIp, _tp, bytes) => { if (stop) return undefined; const type = ['','ping','pong','find','nb'][bytes[129]]; const who = from.ip === bootIp ? 'boot>' : toIp === bootIp ? '>boot' : 'n>n'; const k = `${who} ${type}`; cnt[k] = (cnt[k] ?? 0) + 1; if (type === 'ping') { const pk = from.ip + '>' + toIp; if (seenPair.has(pk)) cnt[who + ' ping-repeat'] = (cnt[who + ' ping-repeat'] ?? 0) + 1; seenPair.add(pk); } return undefined; };
const orig = network.deliver.bind(network);
network.deliver = (from, fp, to, tp, bytes) => {
  const now = clock.nowMs();
  const t = Math.max(now, cpuFree) + COST; cpuFree = t; maxQ = Math.max(maxQ, t - now);
  clock.setTimeout(() => orig(from, fp, to, tp, bytes), t - now);
};
const population = new Population(clock, network, rng, standInSigner(), new SimTcp(clock, network), { maxOutbound: 0 });
bootIp = (await population.join({ bootstrap: true })).host.ip;
const joining = [];
for (let i = 1; i < N; i++) joining.push(population.join({ natted: false }));
const joiners = await Promise.all(joining);
let allAt, sentAt, all16At, sent16At;
const marks = [];
for (let ms = 100; ms <= 60_000 && all16At === undefined; ms += 100) {
  await clock.runUntil(ms);
  const have = joiners.filter((n) => n.discovery.tableSize >= 8).length;
  if (ms % 1000 === 0) marks.push(`${ms/1000}s:${have}`);
  if (have === joiners.length && allAt === undefined) { allAt = ms; sentAt = network.stats.sent; stop = true; }
  if (joiners.every((n) => n.discovery.tableSize >= 16)) { all16At = ms; sent16At = network.stats.sent; }
}
const stuckSizes = joiners.map((n) => n.discovery.tableSize).sort((a,b)=>a-b).slice(0,5);
console.log(`N=${N} seed=${SEED} cost=${COST}: all ≥ 8 at ${allAt} ms, ${sentAt} datagrams (${JSON.stringify(network.stats.sentByType)}), maxQueue ${maxQ.toFixed(0)} ms; all ≥ 16 at ${all16At} ms, ${sent16At} datagrams; ${marks.join(' ')}; smallest ${stuckSizes}`);
console.log(JSON.stringify(Object.fromEntries(Object.entries(cnt).sort())));
const st = {}; for (const n of population.nodes) for (const [k,v] of Object.entries(n.discovery.stats)) if (typeof v === 'number') st[k] = (st[k] ?? 0) + v; console.log(JSON.stringify(st)); console.log('boot', JSON.stringify(population.nodes[0].discovery.stats));
process.exit(0);
