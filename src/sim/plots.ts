import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScenarioResult } from './scenario.js';
import { cdf, lineChart } from './svg.js';

/** The SVGs docs/scale.md shows: propagation CDFs (1 MB blocks in a chart of their own, when measured), lookup-hop CDFs, time to 8 entries, table health over time. */
export function writePlots(result: ScenarioResult, dir: string): void {
  const n = result.params.nodes;
  const prop = result.propagation.map((p) => ({ label: `${p.kind} ${p.bytes >= 1000 ? `${p.bytes / 1000} kB` : `${p.bytes} B`}${p.kind === 'block' ? `, ${100 * (p.missRate ?? 0)} % missing` : ''} (${p.label})`, points: cdf(p.arrivalsMs) }));
  const fast = prop.filter((_, i) => result.propagation[i].bytes < 1_000_000);
  const slow = prop.filter((_, i) => result.propagation[i].bytes >= 1_000_000);
  // A run that measured no 1 MB block (npm run sim -- --block-bytes 100000) draws no empty chart over an earlier run's.
  if (slow.length > 0) writeFileSync(join(dir, `propagation-1mb-${n}.svg`), lineChart(slow, { title: `Propagation of a 1 MB block, ${n} nodes (real relay code over simulated sessions)`, xLabel: 'ms after the first node had it', yLabel: 'share of nodes that have it', yMax: 1, marker: { x: 1000, label: 'goal: 90 % in 1 s' } }));
  writeFileSync(join(dir, `propagation-${n}.svg`), lineChart(fast, { title: `Propagation, ${n} nodes (real relay code over simulated sessions)`, xLabel: 'ms after the first node had it', yLabel: 'share of nodes that have it', yMax: 1, marker: { x: 1000, label: 'goal: 90 % in 1 s' } }));
  const hops = result.lookups.map((l) => ({ label: `${l.label} (${l.count})`, points: cdf(l.hops) }));
  const goal = result.lookups[0]?.hopGoal ?? Math.ceil(Math.log2(n));
  writeFileSync(join(dir, `lookup-hops-${n}.svg`), lineChart(hops, { title: `Lookup hops, ${n} nodes (real Discovery.lookup)`, xLabel: 'hops to the closest node found', yLabel: 'share of lookups', yMax: 1, steps: true, marker: { x: goal, label: `⌈log₂ N⌉ = ${goal}` } }));
  const joins = result.joins.map((j) => ({ label: `${j.label} (${j.healthy}/${j.joined})`, points: cdf(j.timesMs.map((t) => t / 1000)) }));
  writeFileSync(join(dir, `join-${n}.svg`), lineChart(joins, { title: `Time until a joining node's table holds 8 entries, ${n} nodes`, xLabel: 's after start', yLabel: 'share of joined nodes', yMax: 1 }));
  const t = (s: { tMs: number }): number => s.tMs / 1000;
  writeFileSync(
    join(dir, `table-health-${n}.svg`),
    lineChart(
      [
        { label: 'mean table size', points: result.health.map((s) => [t(s), s.meanTable]) },
        { label: '10th percentile', points: result.health.map((s) => [t(s), s.p10Table]) },
        { label: 'dead entries (%)', points: result.health.map((s) => [t(s), 100 * s.deadEntryShare]) },
        { label: 'nodes with ≥ 8 (%)', points: result.health.map((s) => [t(s), 100 * s.healthyShare]) },
      ],
      { title: `Routing-table health, ${n} nodes (20 % leave at ${((result.massLeave?.atMs ?? 0) / 1000).toFixed(0)} s)`, xLabel: 'virtual s', yLabel: 'entries / %' },
    ),
  );
}
