// Why lookups for live public nodes fail (docs/scale.md defect 6): the CI scenario's timeline
// (1,000 nodes joining over 60 s, 10 % attacker, eclipse victim at 36 s, lookups at 48 s, 20 %
// leaving at 72 s, lookups at 77 s and 96 s) with discovery alone (peer sets idle: maxOutbound 0,
// no relay), watching every failed lookup's datagrams to and from its target.
//   npm run build && N=1000 SEED=13 node scripts/sim-diagnose-lookups.mjs
// Env: N nodes, SEED, MIN virtual minutes, LOOKUPS per batch, NG attacker /16 blocks (0: random),
// TCP=1 to let the peer sets dial, DIST another build's dist/ (to compare a base build).
const D = process.env.DIST ?? new URL('../dist', import.meta.url).pathname;
const { VirtualClock } = await import(`${D}/src/sim/virtual-clock.js`);
const { Rng } = await import(`${D}/src/sim/rng.js`);
const { SimNetwork, DEFAULT_NETWORK_MODEL } = await import(`${D}/src/sim/network.js`);
const { standInSigner } = await import(`${D}/src/sim/stand-in-signer.js`);
const { SimTcp } = await import(`${D}/src/sim/tcp.js`);
const { Population } = await import(`${D}/src/sim/population.js`);
const { EclipseAttack } = await import(`${D}/src/sim/attack.js`);
const { decodePacket } = await import(`${D}/src/p2p/discovery/packet.js`);
const { compareDistance } = await import(`${D}/src/p2p/discovery/routing-table.js`);
const { PACKET_TYPE_OFFSET } = await import(`${D}/src/p2p/discovery/constants.js`);

const N = Number(process.env.N ?? 1000), SEED = Number(process.env.SEED ?? 13), MIN = Number(process.env.MIN ?? 2);
const LOOKUPS = Number(process.env.LOOKUPS ?? 100);
const clock = new VirtualClock();
const rng = new Rng(SEED);
const network = new SimNetwork(clock, rng, DEFAULT_NETWORK_MODEL);
const signer = standInSigner();
const tcp = new SimTcp(clock, network);
const p2p = process.env.TCP === '1' ? {} : { maxOutbound: 0 };
const population = new Population(clock, network, rng, signer, tcp, p2p);
const active = new Map(); // looker ip -> rec
let attack;
const T = ['', 'ping', 'pong', 'find', 'nb'];
network.tap = (from, _fp, toIp, _tp, bytes) => {
  const type = bytes[PACKET_TYPE_OFFSET];
  const a = active.get(from.ip), b = active.get(toIp);
  if (a && toIp === a.tIp) { a.sent[T[type]] = (a.sent[T[type]] ?? 0) + 1; a.ev.push(`${(clock.elapsedMs-a.t0).toFixed(0)}>${T[type]}`); }
  if (b && from.ip === b.tIp) { b.back[T[type]] = (b.back[T[type]] ?? 0) + 1; b.ev.push(`${(clock.elapsedMs-b.t0).toFixed(0)}<${T[type]}`); }
  if (b && type === 4) {
    try { const d = decodePacket(bytes, clock.nowMs() / 1000, signer); for (const n of d.packet.nodes) if (n.publicKey.equals(b.tPub)) b.named++; } catch {}
  }
  return attack?.tap(from, toIp, bytes);
};
const origDeliver = network.deliver.bind(network);
network.deliver = (from, fp, to, tp, bytes) => {
  const type = bytes[PACKET_TYPE_OFFSET];
  const a = active.get(from.ip), b = active.get(to.ip);
  if (a && to.ip === a.tIp) { a.sentDel[T[type]] = (a.sentDel[T[type]] ?? 0) + 1; a.ev.push(`${(clock.elapsedMs-a.t0).toFixed(0)}>${T[type]}*`); }
  if (b && from.ip === b.tIp) { b.backDel[T[type]] = (b.backDel[T[type]] ?? 0) + 1; b.ev.push(`${(clock.elapsedMs-b.t0).toFixed(0)}<${T[type]}*`); }
  return origDeliver(from, fp, to, tp, bytes);
};
const special = new Set();
for (let i = 0; i < 3; i++) special.add(await population.join({ bootstrap: true }));
const NG = Number(process.env.NG ?? 0); const blockRng = new Rng(SEED ^ 0xb10c); const blocks = Array.from({ length: NG }, () => `${11 + blockRng.int(88)}.${blockRng.int(256)}`);
for (let i = 0; i < N - 3; i++) { const attacker = rng.next() < 0.1; const netgroup = attacker && blocks.length > 0 ? blockRng.pick(blocks) : undefined; clock.setTimeout(() => void population.join(netgroup ? { attacker, netgroup } : { attacker }), (60000 * i) / (N - 3)); }
const honestAlive = () => population.alive.filter((n) => !n.attacker && !special.has(n));
const endMs = MIN * 60000, at = (f) => Math.round(endMs * f);
const hasInTable = (node, id) => node.discovery.knownNodes(1e9).some((e) => e.nodeId.equals(id));
const batches = [];
async function lookups(label) {
  const cands = honestAlive(), targets = cands.filter((n) => !n.host.natted);
  const busy = new Set(); const pend = [];
  for (let i = 0; i < LOOKUPS; i++) {
    let from = rng.pick(cands); for (let t = 0; busy.has(from) && t < 10; t++) from = rng.pick(cands);
    if (busy.has(from)) continue; busy.add(from);
    let target = rng.pick(targets); while (target === from) target = rng.pick(targets);
    const rec = { ev: [], t0: clock.elapsedMs, tIp: target.host.ip, tPub: target.publicKey, named: 0, sent: {}, back: {}, sentDel: {}, backDel: {}, inOwn: hasInTable(from, target.id), ageMs: clock.elapsedMs - target.joinedAtMs, fromNat: from.host.natted };
    active.set(from.host.ip, rec);
    const t0 = clock.elapsedMs;
    pend.push(from.discovery.lookup(target.id).then((found) => {
      active.delete(from.host.ip);
      rec.ms = clock.elapsedMs - t0;
      rec.ok = found.length > 0 && found[0].nodeId.equals(target.id);
      const alive = population.alive.filter((n) => n !== target && !n.attacker).sort((x, y) => compareDistance(target.id, x.id, y.id)).slice(0, 16);
      rec.closeKnow = alive.filter((n) => hasInTable(n, target.id)).length;
      rec.tTable = target.discovery.tableSize;
      if (!rec.ok) {
        const pub = population.alive.filter((n) => n !== target && !n.attacker && !n.host.natted).sort((x, y) => compareDistance(target.id, x.id, y.id)).slice(0, 6);
        rec.near = pub.map((x) => { const tb = x.discovery.table; const b = tb.bucketIndexOf(target.id); let closer = 0; for (let i = 0; i < b; i++) closer += tb.bucket(i).length; const inT = tb.get(target.id) !== undefined; return `b${b}:below${closer}/len${tb.bucket(b).length}/in${tb.inboundInBucket(b)}/places${tb.inboundPlaces(b)}${inT ? '/HAS' : ''}${x.joinedAtMs > target.joinedAtMs ? '/younger' : ''}`; }).join(' ');
      }
      return rec;
    }));
  }
  const rs = await Promise.all(pend);
  const fails = rs.filter((r) => !r.ok);
  const cls = {};
  for (const r of fails) {
    let c;
    if (r.named === 0 && !r.inOwn) c = 'never named';
    else if (!r.sent.find && !r.sent.ping) c = 'named, never contacted';
    else if (!r.sent.find) c = `pinged (sent ${r.sent.ping ?? 0} del ${r.sentDel.ping ?? 0}, pong sent ${r.back.pong ?? 0} del ${r.backDel.pong ?? 0}), no find-node`;
    else if (!r.backDel.nb) c = `find-node sent ${r.sent.find} del ${r.sentDel.find ?? 0}; nb sent ${r.back.nb ?? 0} del ${r.backDel.nb ?? 0}`;
    else c = 'nb delivered but failed?';
    cls[c] = (cls[c] ?? 0) + 1;
  }
  const ok = rs.length - fails.length;
  console.log(`[${label}] t=${(clock.elapsedMs/1000).toFixed(0)}s success ${ok}/${rs.length}`);
  for (const [c, n] of Object.entries(cls).sort((a, b) => b[1] - a[1])) console.log(`   ${n}  ${c}`);
  for (const r of fails.filter((r) => !(r.named === 0 && !r.inOwn))) console.log(`     ${r.ev.join(' ')} | lookup ${r.ms}ms named ${r.named}`);
  for (const r of fails.filter((r) => r.named === 0 && !r.inOwn)) console.log(`     never named: target age ${(r.ageMs/1000).toFixed(1)}s, its table ${r.tTable}, closest-16 knowing it ${r.closeKnow}, looker NAT ${r.fromNat}; 6 closest public: ${r.near}`);
  const okKnow = rs.filter((r) => r.ok).map((r) => r.closeKnow); console.log(`   succeeded: mean closest-16 knowing target ${(okKnow.reduce((s, v) => s + v, 0) / Math.max(1, okKnow.length)).toFixed(1)}; failed: ${(fails.map((r) => r.closeKnow).reduce((s, v) => s + v, 0) / Math.max(1, fails.length)).toFixed(1)}`);
  batches.push({ label, ok, n: rs.length });
}
let victim; const pendingBatches = [];
const phases = [
  [at(0.3), async () => { victim = await population.join({ natted: false }); special.add(victim); attack = new EclipseAttack(clock, population, victim, signer, 'ping+forge'); attack.start(); }],
  [at(0.4), () => { pendingBatches.push(lookups('steady')); }],
  [at(0.6), async () => { const l = rng.shuffle(honestAlive()).slice(0, Math.round(0.2 * population.alive.length)); await Promise.all(l.map((n) => population.leave(n))); }],
  [at(0.6) + 5000, () => { pendingBatches.push(lookups('5 s after leave')); }],
  [at(0.8), () => { pendingBatches.push(lookups('after leave')); }],
];
const cpu0 = process.cpuUsage();
for (const [t, f] of phases) { await clock.runUntil(t); await f(); }
await clock.runUntil(endMs);
const e = attack.result(rng);
// A batch still running at the end (lookups take seconds) finishes on more virtual time: awaiting
// it without running the clock would leave nothing in the event loop (exit code 13, no result).
let settled = false;
void Promise.all(pendingBatches).then(() => { settled = true; });
for (let t = endMs; !settled && t < endMs + 120_000; t += 1000) await clock.runUntil(t);
console.log(`RESULT seed ${SEED}: lookups ${batches.map((b) => `${b.ok}/${b.n}`).join(' ')}; eclipse ${(100*e.attackerShareOfIds).toFixed(1)}% ids -> ${(100*e.attackerShareOfTable).toFixed(1)}% table (${e.attackerTableEntries}/${e.victimTableSize}) ${(e.attackerShareOfTable/e.attackerShareOfIds).toFixed(2)}x, outbound ${(100*e.attackerShareOfOutbound).toFixed(1)}%; sent ${network.stats.sent} ${JSON.stringify(network.stats.sentByType)}; cpu ${(process.cpuUsage(cpu0).user/1e6).toFixed(0)}s`);
process.exit(0);
