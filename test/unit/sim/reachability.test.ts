import test from 'ava';
import { DEFAULT_NETWORK_MODEL, SimNetwork } from '../../../src/sim/network.js';
import { Population, type SimNode } from '../../../src/sim/population.js';
import { Rng } from '../../../src/sim/rng.js';
import { SIM_TCP_PORT } from '../../../src/sim/constants.js';
import { standInSigner } from '../../../src/sim/stand-in-signer.js';
import { SimTcp } from '../../../src/sim/tcp.js';
import { VirtualClock } from '../../../src/sim/virtual-clock.js';

// The simulator runs the real verdict path (src/sim/reachability.ts): peers dial each node back
// through the simulated TCP, the real ReachabilityTracker judges, the real Advertiser sets what
// discovery and handshakes advertise; receivers keep nodes that advertise no TCP port out of
// their tables (discovery "clients", docs/scale.md defects 5 and 10).
const NODES = 60;
const VIRTUAL_MS = 90_000;

const behindNat = (n: SimNode): boolean => n.reachability.reachability.startsWith('behind-nat');

test(`${NODES} nodes (60 % behind NAT), ${VIRTUAL_MS / 1000} virtual s: NATed nodes learn it from failed dial-backs and advertise no TCP port; public ones stay dialable; tables drop the NATed`, async (t) => {
  t.timeout(5 * 60_000);
  const clock = new VirtualClock();
  const rng = new Rng(3);
  const network = new SimNetwork(clock, rng, DEFAULT_NETWORK_MODEL);
  const population = new Population(clock, network, rng, standInSigner(), new SimTcp(clock, network));
  for (let i = 0; i < 3; i++) await population.join({ bootstrap: true });
  for (let i = 3; i < NODES; i++) clock.setTimeout(() => void population.join(), (20_000 * i) / NODES);
  await clock.runUntil(VIRTUAL_MS);
  const natted = population.alive.filter((n) => n.host.natted);
  const pub = population.alive.filter((n) => !n.host.natted);
  const judged = natted.filter(behindNat);
  let entries = 0;
  let toJudged = 0;
  let toNatted = 0;
  for (const node of population.alive) {
    for (const e of node.discovery.knownNodes(Number.MAX_SAFE_INTEGER)) {
      const other = population.byIp.get(e.endpoint.ip);
      entries++;
      if (other?.host.natted === true) toNatted++;
      if (other !== undefined && behindNat(other)) toJudged++;
    }
  }
  const dialBacks = population.nodes.reduce((s, n) => ({ reached: s.reached + n.reachability.stats.reached, failed: s.failed + n.reachability.stats.failed }), { reached: 0, failed: 0 });
  t.log(`${natted.length} NATed: ${judged.length} judged behind NAT; ${pub.length} public: ${pub.filter((n) => n.reachability.reachability === 'public').length} judged public; dial-backs ${JSON.stringify(dialBacks)}`);
  t.log(`table entries: ${entries}, to NATed hosts ${toNatted} (${((100 * toNatted) / Math.max(1, entries)).toFixed(1)} %), to nodes judged behind NAT ${toJudged}`);
  for (const node of population.nodes) await population.leave(node);

  t.true(natted.length >= 20 && pub.length >= 15, 'the population has both kinds');
  t.true(judged.length >= 0.9 * natted.length, 'nearly every NATed node got its verdict');
  for (const n of judged) t.is(n.discovery.localEndpoint.tcpPort, 0, 'a node judged behind NAT advertises no TCP port');
  t.false(pub.some(behindNat), 'no public node is judged behind NAT (its dial-backs connect)');
  for (const n of pub) t.is(n.discovery.localEndpoint.tcpPort, SIM_TCP_PORT, 'public nodes keep advertising their port');
  t.true(dialBacks.reached > 0 && dialBacks.failed > 0);
  t.true(toJudged <= 0.02 * entries, 'nodes that advertise no TCP port are (nearly) out of every table');
});
