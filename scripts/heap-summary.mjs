// Summarises a V8 heap snapshot (node:v8 writeHeapSnapshot) by constructor: count and self bytes,
// largest first; and for ArrayBuffer backing stores, what holds the views on them (the retaining
// object's constructor and edge name), to find small slices that keep large buffers alive.
//   node --max-old-space-size=8192 scripts/heap-summary.mjs <file.heapsnapshot> [top]
import { readFileSync } from 'node:fs';
const [file, topArg] = process.argv.slice(2);
const TOP = Number(topArg ?? 40);
const snap = JSON.parse(readFileSync(file, 'utf8'));
const m = snap.snapshot.meta;
const nf = m.node_fields, ef = m.edge_fields;
const NF = nf.length, EF = ef.length;
const nTypes = m.node_types[0], eTypes = m.edge_types[0];
const iType = nf.indexOf('type'), iName = nf.indexOf('name'), iSize = nf.indexOf('self_size'), iEdges = nf.indexOf('edge_count');
const eType = ef.indexOf('type'), eName = ef.indexOf('name_or_index'), eTo = ef.indexOf('to_node');
const { nodes, edges, strings } = snap;
const count = nodes.length / NF;
const firstEdge = new Uint32Array(count + 1);
for (let i = 0, e = 0; i < count; i++) { firstEdge[i] = e; e += nodes[i * NF + iEdges] * EF; firstEdge[i + 1] = e; }
const label = (i) => { const t = nTypes[nodes[i * NF + iType]]; const n = strings[nodes[i * NF + iName]]; return t === 'object' || t === 'native' ? n : `(${t}) ${t === 'string' || t === 'concatenated string' || t === 'sliced string' ? '' : n.slice(0, 60)}`; };
const by = new Map();
let total = 0;
for (let i = 0; i < count; i++) {
  const k = label(i);
  const s = nodes[i * NF + iSize];
  total += s;
  const v = by.get(k) ?? [0, 0];
  v[0]++; v[1] += s;
  by.set(k, v);
}
console.log(`total self size ${(total / 2 ** 20).toFixed(1)} MB in ${count} nodes`);
for (const [k, [c, s]] of [...by].sort((a, b) => b[1][1] - a[1][1]).slice(0, TOP)) console.log(`${(s / 2 ** 20).toFixed(2).padStart(9)} MB ${String(c).padStart(9)}  ${k}`);
// Retainers: for every node, who points at it (first few kinds are enough).
const retainedBy = new Map(); // to → array of [from, edgeName]
for (let i = 0; i < count; i++) {
  for (let e = firstEdge[i]; e < firstEdge[i + 1]; e += EF) {
    const to = edges[e + eTo] / NF;
    const et = eTypes[edges[e + eType]];
    if (et === 'weak' || et === 'shortcut') continue;
    const name = et === 'element' || et === 'hidden' ? `[${et}]` : strings[edges[e + eName]];
    let arr = retainedBy.get(to);
    if (arr === undefined) retainedBy.set(to, (arr = []));
    if (arr.length < 4) arr.push([i, name]);
  }
}
// ArrayBuffers: backing store size is the 'system / JSArrayBufferData' or native child; group views' holders.
const abHolders = new Map();
for (let i = 0; i < count; i++) {
  if (strings[nodes[i * NF + iName]] !== 'ArrayBuffer') continue;
  let store = 0;
  for (let e = firstEdge[i]; e < firstEdge[i + 1]; e += EF) {
    const to = edges[e + eTo] / NF;
    if (nTypes[nodes[to * NF + iType]] === 'native') store += nodes[to * NF + iSize];
  }
  // the views (Uint8Array/Buffer) retaining it, and who holds those
  const views = (retainedBy.get(i) ?? []).map(([v]) => v);
  const holders = new Set();
  for (const v of views) for (const [h, name] of retainedBy.get(v) ?? []) holders.add(`${label(h)}.${name}`);
  const key = `${store >= 8192 ? (store === 8192 ? '8 KiB' : '>8 KiB') : '<8 KiB'} ← ${[...holders].slice(0, 3).join(' | ') || '(views held by ?)'}`;
  const v = abHolders.get(key) ?? [0, 0];
  v[0]++; v[1] += store;
  abHolders.set(key, v);
}
console.log('\nArrayBuffer backing stores by size class and what holds their views:');
for (const [k, [c, s]] of [...abHolders].sort((a, b) => b[1][1] - a[1][1]).slice(0, TOP)) console.log(`${(s / 2 ** 20).toFixed(2).padStart(9)} MB ${String(c).padStart(7)}  ${k}`);
// A few retaining paths of pooled (8 KiB) backing stores, to tell which code keeps the slices.
if (process.env.PATHS) {
  const chain = (i, depth) => {
    const out = [];
    let cur = i;
    const seen = new Set();
    for (let d = 0; d < depth; d++) {
      const r = (retainedBy.get(cur) ?? []).find(([h]) => !seen.has(h));
      if (r === undefined) break;
      seen.add(r[0]);
      out.push(`${label(r[0])}.${r[1]}`);
      cur = r[0];
    }
    return out.join(' ← ');
  };
  const paths = new Map();
  for (let i = 0; i < count; i++) {
    if (strings[nodes[i * NF + iName]] !== 'ArrayBuffer') continue;
    const k = chain(i, Number(process.env.PATHS));
    paths.set(k, (paths.get(k) ?? 0) + 1);
  }
  console.log('\nArrayBuffer retaining paths:');
  for (const [k, c] of [...paths].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`${String(c).padStart(7)}  ${k}`);
}
