import test from 'ava';
import { DEFAULT_NETWORK_MODEL, SimNetwork } from '../../../src/sim/network.js';
import type { PeerGraph } from '../../../src/sim/peer-graph.js';
import type { SimNode } from '../../../src/sim/population.js';
import { propagate } from '../../../src/sim/propagation.js';
import { Rng } from '../../../src/sim/rng.js';
import { VirtualClock } from '../../../src/sim/virtual-clock.js';

// A graph with one isolated node (what discovery leaves a NAT'd joiner with for a while) and a
// connected line of three: an item must start at a node that can send it, so every draw reaches
// the whole line. Starting at the isolated node once made the CI run report "1 of 1,001 reached".
function graphWithIsolatedNode(network: SimNetwork): PeerGraph {
  const nodes = ['9.0.0.1', '9.1.0.1', '9.2.0.1', '9.3.0.1'].map((ip) => ({ host: network.addHost(ip, false) }) as SimNode);
  return { nodes, adjacency: [[], [2], [1, 3], [2]], outbound: [[], [2], [3], []], isolated: 1, meanDegree: 1 };
}

test('an item starts at a connected node, so it reaches every node connected to it', async (t) => {
  for (let seed = 1; seed <= 24; seed++) {
    const network = new SimNetwork(new VirtualClock(), new Rng(seed), { ...DEFAULT_NETWORK_MODEL, loss: 0 });
    const result = await propagate(graphWithIsolatedNode(network), network, new Rng(seed), { kind: 'tx', bytes: 250, validateMs: 0.5 });
    t.is(result.reached, 3, `seed ${seed}`);
  }
});

test('a graph without a single connection is refused with a reason, not measured as 1 node reached', async (t) => {
  const network = new SimNetwork(new VirtualClock(), new Rng(1));
  const graph: PeerGraph = { ...graphWithIsolatedNode(network), adjacency: [[], [], [], []], outbound: [[], [], [], []], isolated: 4, meanDegree: 0 };
  await t.throwsAsync(propagate(graph, network, new Rng(1), { kind: 'tx', bytes: 250, validateMs: 0.5 }), { message: /no connection at all/ });
});

/** `n` public nodes, each dialling `degree` random others: a stand-in for the discovery-built graph. */
function randomGraph(network: SimNetwork, rng: Rng, n: number, degree: number): PeerGraph {
  const nodes = Array.from({ length: n }, (_, i) => ({ host: network.addHost(`10.${i >> 8}.${i & 0xff}.1`, false) }) as SimNode);
  const adjacency: number[][] = nodes.map(() => []);
  for (let i = 0; i < n; i++) {
    while (adjacency[i]!.length < degree) {
      const j = rng.int(n);
      if (j === i || adjacency[i]!.includes(j)) continue;
      adjacency[i]!.push(j);
      adjacency[j]!.push(i);
    }
  }
  return { nodes, adjacency, outbound: adjacency, isolated: 0, meanDegree: adjacency.reduce((s, a) => s + a.length, 0) / n };
}

test('compact blocks: a 1 MB block reaches 90 % far sooner than inv → get-data → block; 5 % missing txs cost one round trip per node', async (t) => {
  const run = async (compact?: { missRate: number; txBytes: number }) => {
    const network = new SimNetwork(new VirtualClock(), new Rng(7), { ...DEFAULT_NETWORK_MODEL, loss: 0 });
    const graph = randomGraph(network, new Rng(7), 300, 8);
    return propagate(graph, network, new Rng(7), { kind: 'block', bytes: 1_000_000, validateMs: 5, ...(compact ? { compact } : {}) });
  };
  const full = await run();
  const pool = await run({ missRate: 0, txBytes: 250 });
  const missing = await run({ missRate: 0.05, txBytes: 250 });
  for (const [name, r] of [['full', full], ['compact 0 %', pool], ['compact 5 %', missing]] as const) {
    t.log(`${name}: reached ${r.reached}/${r.nodes}, 50 % ${r.t50Ms?.toFixed(0)} ms, 90 % ${r.t90Ms?.toFixed(0)} ms, ${(r.bytesPerNode / 1000).toFixed(0)} kB per node, get-block-txn per node ${r.blockTxnRoundTripsPerNode?.toFixed(2) ?? '-'}`);
    t.is(r.reached, r.nodes, name);
  }
  t.true(pool.t90Ms! * 3 < full.t90Ms!, 'compact blocks with every tx in the pool are several times faster');
  t.true(pool.bytesPerNode * 3 < full.bytesPerNode, 'and cost far fewer bytes');
  t.is(pool.blockTxnRoundTripsPerNode, 0);
  t.true(missing.blockTxnRoundTripsPerNode! > 0.5, 'with 5 % of 4,000 txs missing nearly every rebuild needs its round trip');
  t.true(missing.t90Ms! > pool.t90Ms! && missing.t90Ms! < full.t90Ms!);
});
