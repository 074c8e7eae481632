import { HEALTHY_TABLE_ENTRIES } from './constants.js';
import type { LookupResult } from './lookup-tracker.js';
import { percentile } from './percentile.js';
import type { SimNode } from './population.js';
import type { HealthSample, JoinStats, LookupBatch, ReachabilitySummary } from './scenario-result.js';

// Summaries of a run's raw observations into the figures of ScenarioResult. They draw nothing
// from the run's random streams, so which nodes are sampled stays the scenario's choice.

/** Routing-table health of `sample` now: sizes, and which entries point at departed or NATed nodes. */
export function healthSample(tMs: number, alive: number, sample: readonly SimNode[], byIp: ReadonlyMap<string, SimNode>): HealthSample {
  const sizes: number[] = [];
  let entries = 0;
  let dead = 0;
  let natted = 0;
  for (const node of sample) {
    const known = node.discovery.knownNodes(Number.MAX_SAFE_INTEGER);
    sizes.push(known.length);
    for (const e of known) {
      entries++;
      const other = byIp.get(e.endpoint.ip);
      if (other === undefined || other.leftAtMs !== undefined) dead++;
      else if (other.host.natted) natted++;
    }
  }
  sizes.sort((a, b) => a - b);
  return {
    tMs,
    alive,
    sampled: sample.length,
    meanTable: sizes.reduce((s, v) => s + v, 0) / Math.max(1, sizes.length),
    p10Table: percentile(sizes, 0.1) ?? 0,
    minTable: sizes[0] ?? 0,
    healthyShare: sizes.filter((s) => s >= HEALTHY_TABLE_ENTRIES).length / Math.max(1, sizes.length),
    deadEntryShare: dead / Math.max(1, entries),
    nattedEntryShare: natted / Math.max(1, entries),
  };
}

/** One batch of lookups started at `atMs`, against the ⌈log₂ N⌉ hop goal for `liveNodes` nodes. */
export function lookupBatch(label: string, atMs: number, results: readonly LookupResult[], liveNodes: number): LookupBatch {
  const hops = results.map((r) => r.hops).sort((a, b) => a - b);
  const ms = results.map((r) => r.ms).sort((a, b) => a - b);
  const hopGoal = Math.ceil(Math.log2(liveNodes));
  return {
    label,
    atMs,
    count: results.length,
    successShare: results.filter((r) => r.success).length / Math.max(1, results.length),
    hopsP50: percentile(hops, 0.5) ?? 0,
    hopsP99: percentile(hops, 0.99) ?? 0,
    hopsMax: hops[hops.length - 1] ?? 0,
    hopGoal,
    withinGoalShare: hops.filter((h) => h <= hopGoal).length / Math.max(1, hops.length),
    msP50: percentile(ms, 0.5) ?? 0,
    msP99: percentile(ms, 0.99) ?? 0,
    hops,
  };
}

/** How long `nodes` took from join to a milestone (`after`; undefined: not reached). */
export function joinStats(label: string, nodes: readonly SimNode[], after: (n: SimNode) => number | undefined): JoinStats {
  const timesMs = nodes.map(after).filter((t): t is number => t !== undefined).sort((a, b) => a - b);
  return { label, joined: nodes.length, healthy: timesMs.length, p50Ms: percentile(timesMs, 0.5), p90Ms: percentile(timesMs, 0.9), p99Ms: percentile(timesMs, 0.99), maxMs: timesMs[timesMs.length - 1], timesMs };
}

/** Inbound sessions per public honest node: index = count, value = nodes (NATed nodes get none, so they are left out). */
export function inboundHistogram(alive: readonly SimNode[]): number[] {
  const histogram: number[] = [];
  for (const node of alive) {
    if (node.attacker || node.host.natted) continue;
    const inbound = node.peers.ready().filter((p) => p.direction === 'inbound').length;
    histogram[inbound] = (histogram[inbound] ?? 0) + 1;
  }
  return Array.from(histogram, (v) => v ?? 0);
}

/** Verdicts of the live nodes, and dial-backs of every node that ever ran (a departed one's count too). */
export function summariseReachability(alive: readonly SimNode[], all: readonly SimNode[]): ReachabilitySummary {
  const natted: Record<string, number> = {};
  const pub: Record<string, number> = {};
  const times: number[] = [];
  for (const node of alive) {
    const into = node.host.natted ? natted : pub;
    const status = node.reachability.reachability;
    into[status] = (into[status] ?? 0) + 1;
    const at = node.reachability.settledAtMs;
    if (node.host.natted && at !== undefined && status.startsWith('behind-nat')) times.push(at - node.joinedAtMs);
  }
  times.sort((a, b) => a - b);
  const dialBacks = { reached: 0, failed: 0 };
  for (const node of all) {
    dialBacks.reached += node.reachability.stats.reached;
    dialBacks.failed += node.reachability.stats.failed;
  }
  return { natted, public: pub, nattedVerdictP50Ms: percentile(times, 0.5), nattedVerdictP90Ms: percentile(times, 0.9), dialBacks };
}
