import { standInSigner } from './stand-in-signer.js';
import type { PacketSigner } from '../p2p/discovery/packet.js';
import { EclipseAttack } from './attack.js';
import { LookupTracker, type LookupResult } from './lookup-tracker.js';
import { SimNetwork } from './network.js';
import { buildPeerGraph, type PeerSample, samplePeers } from './peer-graph.js';
import { SimTcp } from './tcp.js';
import { DEFAULT_MAX_INBOUND_PEERS, DEFAULT_MAX_OUTBOUND_PEERS } from '../p2p/constants.js';
import { HEALTHY_TABLE_ENTRIES, SIM_BUFFER_POOL_BYTES } from './constants.js';
import { Population, type SimNode } from './population.js';
import { type RelayItem, RelayPropagation } from './relay-propagation.js';
import type { ScenarioParams } from './scenario-params.js';
import type { HealthSample, LookupBatch, ScenarioResult } from './scenario-result.js';
import { healthSample, inboundHistogram, joinStats, lookupBatch, summariseReachability } from './scenario-stats.js';
import { SimLedger } from './sim-blocks.js';
import { KadchainError } from '../util/errors.js';
import { Rng } from './rng.js';
import { VirtualClock } from './virtual-clock.js';

export { defaultParams, type ScenarioParams } from './scenario-params.js';
export type { HealthSample, JoinStats, LookupBatch, ReachabilitySummary, ScenarioResult } from './scenario-result.js';

/** Runs the scenario with Node's Buffer pool off (SIM_BUFFER_POOL_BYTES says why), restoring it after. */
export async function runScenario(params: ScenarioParams): Promise<ScenarioResult> {
  const poolBytes = Buffer.poolSize;
  Buffer.poolSize = SIM_BUFFER_POOL_BYTES;
  try {
    return await runScenarioUnpooled(params);
  } finally {
    Buffer.poolSize = poolBytes;
  }
}

async function runScenarioUnpooled(params: ScenarioParams): Promise<ScenarioResult> {
  const wallStart = performance.now();
  const cpuStart = process.cpuUsage();
  const log = params.log ?? (() => {});
  const clock = new VirtualClock();
  const rng = new Rng(params.seed);
  const network = new SimNetwork(clock, rng, params.network);
  const signer: PacketSigner | undefined = params.crypto === 'stand-in' ? standInSigner() : undefined;
  const tcp = new SimTcp(clock, network);
  params.instrument?.(clock, tcp);
  // Blocks and txs relay over every node's real sessions (relay-node.ts); their draws (origin,
  // missing txs) come from a stream of their own so they do not shift the network's.
  const ledger = new SimLedger();
  const relayRng = new Rng(params.seed ^ 0x5eed);
  const relayMeasure = new RelayPropagation({ clock, ledger, rng: relayRng, tcpBytes: () => tcp.stats.bytes });
  const population = new Population(clock, network, rng, signer, tcp, params.p2p, { ledger, tap: relayMeasure.tap });
  const tracker = new LookupTracker(clock, population, signer);
  let attack: EclipseAttack | undefined;
  network.tap = (from, _fromPort, toIp, _toPort, bytes) => {
    tracker.observe(from, toIp, bytes);
    return attack?.tap(from, toIp, bytes);
  };
  const endMs = params.minutes * 60_000;
  let peakRss = 0;
  let peakHeap = 0;
  const health: HealthSample[] = [];
  const peerSamples: PeerSample[] = [];
  let victim: SimNode | undefined;
  const lookups: LookupBatch[] = [];
  const propagation: ScenarioResult['propagation'] = [];
  let massLeave: ScenarioResult['massLeave'];
  const special = new Set<SimNode>();

  // Start: bootstrap nodes, then everyone else over the ramp (attackers among them).
  for (let i = 0; i < params.bootstrapNodes; i++) special.add(await population.join({ bootstrap: true }));
  const others = params.nodes - params.bootstrapNodes;
  // Drawn from a stream of their own, so a run without address blocks draws what it drew before.
  const blockRng = new Rng(params.seed ^ 0xb10c);
  const attackerBlocks = Array.from({ length: params.attackerNetgroups }, () => `${11 + blockRng.int(88)}.${blockRng.int(256)}`);
  for (let i = 0; i < others; i++) {
    const attacker = rng.next() < params.attackerShare;
    const netgroup = attacker && attackerBlocks.length > 0 ? blockRng.pick(attackerBlocks) : undefined;
    clock.setTimeout(() => void population.join({ attacker, ...(netgroup === undefined ? {} : { netgroup }) }), (params.rampMs * i) / others);
  }
  const initialCount = params.nodes;

  const honestAlive = (): SimNode[] => population.alive.filter((n) => !n.attacker && !special.has(n));


  // Routing-table health every 10 s (on a sample of at most 1,000 nodes).
  const sampleHealth = (): void => {
    const alive = population.alive.filter((n) => !n.attacker);
    const sample = alive.length <= 1000 ? alive : rng.shuffle([...alive]).slice(0, 1000);
    health.push(healthSample(clock.elapsedMs, population.alive.length, sample, population.byIp));
    const mem = process.memoryUsage();
    peakRss = Math.max(peakRss, mem.rss);
    peakHeap = Math.max(peakHeap, mem.heapUsed);
    const ps = samplePeers(population.alive.filter((n) => !n.attacker), clock.elapsedMs, params.p2p.maxOutbound ?? DEFAULT_MAX_OUTBOUND_PEERS, params.p2p.maxInbound ?? DEFAULT_MAX_INBOUND_PEERS, (id) => population.isAliveId(id));
    peerSamples.push(ps);
    const last = health[health.length - 1];
    log(`t=${(clock.elapsedMs / 1000).toFixed(0)}s alive=${last.alive} table mean=${last.meanTable.toFixed(1)} p10=${last.p10Table} min=${last.minTable} ≥8=${(100 * last.healthyShare).toFixed(1)}% dead=${(100 * last.deadEntryShare).toFixed(1)}% events=${clock.eventsRun} wall=${((performance.now() - wallStart) / 1000).toFixed(0)}s cpu=${(process.cpuUsage(cpuStart).user / 1e6).toFixed(0)}s rss=${(mem.rss / 2 ** 20).toFixed(0)}MB`);
    log(`  peers: outbound mean ${ps.outboundMean.toFixed(2)} p10 ${ps.outboundP10} min ${ps.outboundMin}, 8 outbound ${(100 * ps.outboundFullShare).toFixed(1)}% (to live peers: mean ${ps.outboundLiveMean.toFixed(2)}, 8 ${(100 * ps.outboundLiveFullShare).toFixed(1)}%), slots taken ${ps.outboundTakenMean.toFixed(2)}; inbound (public) mean ${ps.inboundMean.toFixed(1)} p50 ${ps.inboundP50} p90 ${ps.inboundP90} max ${ps.inboundMax}, full ${(100 * ps.inboundFullShare).toFixed(1)}%; tcp ${tcp.stats.connected} connected, ${tcp.stats.unanswered} unanswered, ${tcp.stats.refused} refused`);
  };
  clock.setInterval(sampleHealth, 10_000);

  // Churn: after the ramp, a share of the nodes per minute leaves and as many new ones join.
  const churnIntervalMs = 60_000 / Math.max(1e-9, params.churnPerMinute * initialCount);
  const joiners: SimNode[] = [];
  if (params.churnPerMinute > 0) {
    clock.setTimeout(() => {
      clock.setInterval(() => {
        const candidates = honestAlive();
        if (candidates.length > 0) void population.leave(rng.pick(candidates));
        void population.join().then((node) => joiners.push(node));
      }, churnIntervalMs);
    }, params.rampMs);
  }

  const runLookups = (label: string): void => {
    const atMs = clock.elapsedMs;
    const pending: Array<Promise<LookupResult>> = [];
    const busy = new Set<SimNode>();
    const candidates = honestAlive();
    // Targets are public nodes: a node behind NAT answers no unsolicited find-node, so no lookup can "reach" it (docs/scale.md).
    const targets = candidates.filter((n) => !n.host.natted);
    for (let i = 0; i < params.lookupsPerBatch; i++) {
      let from = rng.pick(candidates);
      for (let tries = 0; busy.has(from) && tries < 10; tries++) from = rng.pick(candidates);
      if (busy.has(from)) continue;
      busy.add(from);
      let target = rng.pick(targets);
      while (target === from) target = rng.pick(targets);
      pending.push(tracker.lookup(from, target));
    }
    void Promise.all(pending).then((results) => {
      const batch = lookupBatch(label, atMs, results, population.alive.length);
      lookups.push(batch);
      log(`lookups ${label}: ${batch.count}, success ${(100 * batch.successShare).toFixed(1)}%, hops p50 ${batch.hopsP50} p99 ${batch.hopsP99} max ${batch.hopsMax} (goal ≤ ${batch.hopGoal}), ${batch.msP50.toFixed(0)} ms p50`);
    });
  };

  const runPropagation = async (label: string): Promise<void> => {
    const graph = buildPeerGraph(population);
    // Blocks go as compact blocks wherever both ends speak protocol 3 (all simulated nodes do), once per miss rate (by default every tx in the pools, and 5 % missing).
    const items: RelayItem[] = [
      ...params.blockBytes.flatMap((bytes) => params.missRates.map((missRate): RelayItem => ({ kind: 'block', bytes, txBytes: params.txBytes, missRate }))),
      { kind: 'tx', bytes: params.txBytes, txBytes: params.txBytes },
    ];
    for (const item of items) {
      const alive = population.alive;
      const relays = alive.flatMap((n) => (n.relay ? [n.relay] : []));
      // The item starts at a node with a session: an isolated one (a NAT'd joiner without an outbound peer yet) measures nothing.
      const connected = alive.filter((n) => n.relay !== undefined && n.peers.ready().length > 0);
      if (connected.length === 0) throw new KadchainError('sim-no-connections', 'no simulated node has a ready session, so nothing can propagate');
      const origin = relayRng.pick(connected).relay!;
      const result = await relayMeasure.run(relays, origin, item);
      propagation.push({ ...result, label, graphNodes: graph.nodes.length, meanDegree: graph.meanDegree, isolated: graph.isolated });
      const mode = item.kind === 'block' ? ` (${100 * (item.missRate ?? 0)} % of txs missing, ${result.blockTxnRoundTripsPerNode?.toFixed(2)} get-block-txn, ${result.fullBlocksPerNode?.toFixed(2)} full blocks per node)` : '';
      log(`propagation ${label} ${item.kind} ${item.bytes} B${mode}: reached ${result.reached}/${result.nodes}, 50% ${result.t50Ms?.toFixed(0)} ms, 90% ${result.t90Ms?.toFixed(0)} ms, 100% ${result.t100Ms?.toFixed(0) ?? 'never'} ms; dup announcements ${result.duplicateAnnouncementsPerNode.toFixed(1)}, dup bodies ${result.duplicateBodiesPerNode.toFixed(2)}, ${(result.bytesPerNode / 1000).toFixed(1)} kB per node (all TCP in the window ${(result.tcpBytesPerNode / 1000).toFixed(1)} kB); received per node ${JSON.stringify(Object.fromEntries(Object.entries(result.receivedPerNode).map(([k, v]) => [k, Math.round(v * 10) / 10])))}; degree ${graph.meanDegree.toFixed(1)}, isolated ${graph.isolated}; cpu ${(process.cpuUsage(cpuStart).user / 1e6).toFixed(0)}s`);
    }
  };

  const at = (fraction: number): number => Math.round(endMs * fraction);
  const phases: Array<[number, () => void | Promise<void>]> = [
    [at(0.3), async () => {
      const joined = await population.join({ natted: false });
      victim = joined;
      special.add(joined);
      attack = new EclipseAttack(clock, population, joined, signer, params.attackMode);
      attack.start();
      log(`victim joined; ${population.nodes.filter((n) => n.attacker).length} attacker nodes`);
    }],
    [at(0.4), () => runLookups('steady')],
    [at(0.5), () => runPropagation('steady')],
    [at(0.6), async () => {
      const leaving = rng.shuffle(honestAlive()).slice(0, Math.round(params.massLeaveShare * population.alive.length));
      massLeave = { atMs: clock.elapsedMs, left: leaving.length };
      await Promise.all(leaving.map((n) => population.leave(n)));
      log(`mass leave: ${leaving.length} nodes`);
    }],
    [at(0.6) + 5_000, () => runLookups('5 s after 20 % left')],
    [at(0.8), () => runLookups(`${((at(0.8) - at(0.6)) / 1000).toFixed(0)} s after 20 % left`)],
    [at(0.85), () => runPropagation('after 20 % left')],
  ];
  for (const [atMs, phase] of phases.sort((a, b) => a[0] - b[0])) {
    await clock.runUntil(atMs);
    await phase();
  }
  await clock.runUntil(endMs);
  sampleHealth();
  const eclipse = attack?.result(rng);
  if (eclipse !== undefined) log(`eclipse: attacker ${(100 * eclipse.attackerShareOfIds).toFixed(1)}% of ids → ${(100 * eclipse.attackerShareOfTable).toFixed(1)}% of the victim's table (${eclipse.attackerTableEntries}/${eclipse.victimTableSize}), ${(100 * eclipse.attackerShareOfOutbound).toFixed(1)}% of its outbound peers`);

  const healthyAfter = (n: SimNode): number | undefined => n.healthyAfterMs;
  const initial = population.nodes.slice(0, initialCount).filter((n) => !n.attacker && !special.has(n));
  const recentJoiners = joiners.filter((n) => n.joinedAtMs < endMs - 30_000);
  const joins = [joinStats('initial ramp', initial, healthyAfter), joinStats('churn joiners', recentJoiners, healthyAfter)];
  for (const j of joins) log(`join ${j.label}: ${j.healthy}/${j.joined} reached ${HEALTHY_TABLE_ENTRIES} entries; p50 ${j.p50Ms?.toFixed(0)} ms, p90 ${j.p90Ms?.toFixed(0)} ms, p99 ${j.p99Ms?.toFixed(0)} ms`);
  const outboundAfter = (n: SimNode): number | undefined => n.outboundFullAfterMs;
  const outboundJoins = [joinStats('initial ramp', initial, outboundAfter), joinStats('churn joiners', recentJoiners, outboundAfter)];
  for (const j of outboundJoins) log(`join ${j.label}: ${j.healthy}/${j.joined} had ${DEFAULT_MAX_OUTBOUND_PEERS} outbound peers; p50 ${j.p50Ms?.toFixed(0)} ms, p90 ${j.p90Ms?.toFixed(0)} ms, p99 ${j.p99Ms?.toFixed(0)} ms, max ${j.maxMs?.toFixed(0)} ms`);
  // Counted before the nodes stop below: a stopped peer set has no sessions.
  const inbound = inboundHistogram(population.alive);
  const victimPeers = victim?.peers.ready().filter((p) => p.direction === 'outbound');
  const victimOutbound = victimPeers && { ready: victimPeers.length, attacker: victimPeers.filter((p) => population.byIp.get(p.ip)?.attacker === true).length };
  const evictions = { total: population.nodes.reduce((s, n) => s + n.evictions, 0), atBootstrap: population.nodes.filter((n) => n.bootstrap).reduce((s, n) => s + n.evictions, 0), bootstrapNodes: params.bootstrapNodes };
  const reachability = summariseReachability(population.alive.filter((n) => !n.attacker), population.nodes);
  log(`reachability: NATed ${JSON.stringify(reachability.natted)}, public ${JSON.stringify(reachability.public)}; NATed verdict after p50 ${reachability.nattedVerdictP50Ms} ms, p90 ${reachability.nattedVerdictP90Ms} ms; dial-backs ${JSON.stringify(reachability.dialBacks)}`);
  log(`dials by source → target: ${JSON.stringify(Object.fromEntries([...population.dialKinds].sort()))}`);
  log(`evictions: ${evictions.total}, of them ${evictions.atBootstrap} at the ${evictions.bootstrapNodes} bootstrap nodes`);
  log(`sessions closed: ${JSON.stringify(Object.fromEntries([...population.closeReasons].sort((a, b) => b[1] - a[1]).slice(0, 8)))}`);
  if (victimOutbound) log(`eclipse, real sessions: ${victimOutbound.attacker} of the victim's ${victimOutbound.ready} outbound peers are the attacker's`);

  for (const node of population.alive) {
    node.reachability.stop();
    await node.discovery.stop();
    await node.addrman.stop();
    await node.peers.stop();
  }
  const nodeSeconds = population.nodes.reduce((s, n) => s + ((n.leftAtMs ?? endMs) - n.joinedAtMs) / 1000, 0);
  const bytes = [...network.hosts.values()].reduce((s, h) => s + h.bytesSent, 0);
  const { log: _log, instrument: _instrument, ...rest } = params;
  void _log;
  void _instrument;
  return {
    params: rest,
    health,
    lookups,
    joins,
    outboundJoins,
    peers: peerSamples,
    inboundHistogram: inbound,
    victimOutbound,
    tcp: tcp.stats,
    evictions,
    reachability,
    closeReasons: Object.fromEntries([...population.closeReasons].sort((a, b) => b[1] - a[1])),
    propagation,
    eclipse,
    massLeave,
    network: { ...network.stats, packetsPerNodePerSec: network.stats.sent / Math.max(1, nodeSeconds), discoveryBytesPerNodePerSec: bytes / Math.max(1, nodeSeconds) },
    run: { wallMs: performance.now() - wallStart, cpuMs: (process.cpuUsage(cpuStart).user + process.cpuUsage(cpuStart).system) / 1000, events: clock.eventsRun, peakRssMb: peakRss / 2 ** 20, peakHeapMb: peakHeap / 2 ** 20 },
  };
}
