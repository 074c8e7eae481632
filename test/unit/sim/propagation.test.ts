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
