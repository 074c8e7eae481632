// Bytes per simulated node by structure (docs/scale.md "What a run costs"): in a heap snapshot of a
// simulation, every object is charged to the first component that reaches it, components taken
// in the order below (a session's Peer before the PeerSet that holds it, and so on), walking no
// further into another component's root. An approximation of retained size (shared objects go to
// the first claimant), good enough to tell where a node's bytes are.
//   node --max-old-space-size=8192 scripts/heap-owners.mjs <file.heapsnapshot> [nodes]
import { readFileSync } from 'node:fs';
const [file, nodesArg] = process.argv.slice(2);
const ORDER = (process.env.ORDER ?? 'VirtualClock,SimStream,Peer,NodeTable,EndpointProofs,Discovery,AddressManager,InboundGate,OutboundDialer,PeerSet,RelayStack,SimRelayNode,SimReachability,SimNetwork,SimTcp,Population').split(',');
const snap = JSON.parse(readFileSync(file, 'utf8'));
const m = snap.snapshot.meta; const NF = m.node_fields.length, EF = m.edge_fields.length;
const iType = m.node_fields.indexOf('type'), iName = m.node_fields.indexOf('name'), iSize = m.node_fields.indexOf('self_size'), iEdges = m.node_fields.indexOf('edge_count');
const eType = m.edge_fields.indexOf('type'), eTo = m.edge_fields.indexOf('to_node');
const { nodes, edges, strings } = snap; const eT = m.edge_types[0];
const count = nodes.length / NF;
const first = new Uint32Array(count + 1);
for (let i = 0, e = 0; i < count; i++) { first[i] = e; e += nodes[i * NF + iEdges] * EF; first[i + 1] = e; }
const owner = new Int16Array(count).fill(-1);
const isRoot = new Int16Array(count).fill(-1);
const names = strings.map((s) => s);
for (let i = 0; i < count; i++) { const k = ORDER.indexOf(names[nodes[i * NF + iName]]); if (k >= 0 && m.node_types[0][nodes[i * NF + iType]] === 'object') isRoot[i] = k; }
const totals = new Float64Array(ORDER.length); const roots = new Uint32Array(ORDER.length);
for (let k = 0; k < ORDER.length; k++) {
  const stack = [];
  for (let i = 0; i < count; i++) if (isRoot[i] === k && owner[i] < 0) { owner[i] = k; stack.push(i); roots[k]++; }
  while (stack.length > 0) {
    const i = stack.pop();
    totals[k] += nodes[i * NF + iSize];
    for (let e = first[i]; e < first[i + 1]; e += EF) {
      if (eT[edges[e + eType]] === 'weak') continue;
      const to = edges[e + eTo] / NF;
      if (owner[to] >= 0 || (isRoot[to] >= 0 && isRoot[to] !== k)) continue;
      const nm = names[nodes[to * NF + iName]];
      // code, shapes and prototypes are shared by all instances: not a node's bytes
      const t = m.node_types[0][nodes[to * NF + iType]];
      if (t === 'code' || t === 'hidden' && /Map|DescriptorArray|FeedbackVector/.test(nm)) continue;
      owner[to] = k; stack.push(to);
    }
  }
}
let all = 0; for (let i = 0; i < count; i++) all += nodes[i * NF + iSize];
const n = Number(nodesArg ?? 1);
console.log(`heap ${(all / 2 ** 20).toFixed(1)} MB; per node (÷ ${n}):`);
for (let k = 0; k < ORDER.length; k++) console.log(`${ORDER[k].padEnd(16)} ${String(roots[k]).padStart(7)} roots ${(totals[k] / 2 ** 20).toFixed(1).padStart(7)} MB ${(totals[k] / n / 1024).toFixed(1).padStart(7)} KB/node`);
const rest = all - totals.reduce((s, v) => s + v, 0);
// DETAIL=<component>: what its bytes are, by constructor (largest first).
if (process.env.DETAIL) {
  const k = ORDER.indexOf(process.env.DETAIL);
  const by = new Map();
  for (let i = 0; i < count; i++) {
    if (owner[i] !== k) continue;
    const t = m.node_types[0][nodes[i * NF + iType]];
    const key = t === 'object' || t === 'closure' ? `${t} ${names[nodes[i * NF + iName]]}` : t;
    const v = by.get(key) ?? [0, 0]; v[0]++; v[1] += nodes[i * NF + iSize]; by.set(key, v);
  }
  for (const [key, [c, sz]] of [...by].sort((a, b) => b[1][1] - a[1][1]).slice(0, 25)) console.log(`  ${(sz / 2 ** 20).toFixed(2).padStart(7)} MB ${String(c).padStart(7)}  ${key}`);
}
console.log(`${'(unclaimed)'.padEnd(16)} ${' '.repeat(13)} ${(rest / 2 ** 20).toFixed(1).padStart(7)} MB ${(rest / n / 1024).toFixed(1).padStart(7)} KB/node`);
