import test from 'ava';
import { DEFAULT_NETWORK_MODEL, SimNetwork } from '../../../src/sim/network.js';
import { Rng } from '../../../src/sim/rng.js';
import { VirtualClock } from '../../../src/sim/virtual-clock.js';

function listen(network: SimNetwork, ip: string, natted: boolean): { received: string[] } & ReturnType<SimNetwork['addHost']> {
  const host = network.addHost(ip, natted);
  const received: string[] = [];
  host.sockets.set(1, (_bytes, fromIp) => received.push(fromIp));
  return Object.assign(host, { received });
}

test('a host behind NAT gets replies from whom it sent to, and nothing unsolicited', async (t) => {
  const clock = new VirtualClock();
  const network = new SimNetwork(clock, new Rng(1), { ...DEFAULT_NETWORK_MODEL, loss: 0 });
  const natted = listen(network, '1.1.1.1', true);
  const a = listen(network, '2.2.2.2', false);
  const b = listen(network, '3.3.3.3', false);
  network.send(b, 1, natted.ip, 1, Buffer.alloc(10)); // unsolicited: dropped
  network.send(natted, 1, a.ip, 1, Buffer.alloc(10)); // opens a mapping to a only
  await clock.runUntil(1_000);
  network.send(a, 1, natted.ip, 1, Buffer.alloc(10));
  network.send(b, 1, natted.ip, 1, Buffer.alloc(10));
  await clock.runUntil(2_000);
  t.deepEqual(natted.received, ['2.2.2.2']);
  t.deepEqual(a.received, ['1.1.1.1']);
  t.is(network.stats.natDropped, 2);
  // the mapping expires
  await clock.runUntil(2_000 + DEFAULT_NETWORK_MODEL.natMappingMs + 1);
  network.send(a, 1, natted.ip, 1, Buffer.alloc(10));
  await clock.runUntil(70_000 + DEFAULT_NETWORK_MODEL.natMappingMs);
  t.is(natted.received.length, 1);
});

test('latency stays within the RTT bounds, loss is near the model, bandwidth delays big datagrams', async (t) => {
  const clock = new VirtualClock();
  const rng = new Rng(7);
  const network = new SimNetwork(clock, rng);
  const hosts = Array.from({ length: 200 }, (_, i) => network.addHost(`5.0.${i >> 8}.${i & 255}`, false));
  const oneWays = [];
  for (let i = 0; i < hosts.length; i++) for (let j = i + 1; j < hosts.length; j += 7) oneWays.push(network.oneWayMs(hosts[i], hosts[j]));
  const rtts = oneWays.map((o) => 2 * o).sort((a, b) => a - b);
  t.log(`RTT p5 ${rtts[Math.floor(rtts.length * 0.05)].toFixed(0)} ms, median ${rtts[rtts.length >> 1].toFixed(0)} ms, p95 ${rtts[Math.floor(rtts.length * 0.95)].toFixed(0)} ms`);
  t.true(rtts[0] >= 20 && rtts[rtts.length - 1] <= 300);
  t.true(rtts[rtts.length >> 1] > 40 && rtts[rtts.length >> 1] < 150);
  const [a, b] = [listen(network, '9.9.9.1', false), listen(network, '9.9.9.2', false)];
  for (let i = 0; i < 20_000; i++) network.send(a, 1, b.ip, 1, Buffer.alloc(1));
  await clock.runUntil(600_000);
  const lost = 1 - b.received.length / 20_000;
  t.log(`lost ${(100 * lost).toFixed(2)} %`);
  t.true(lost > 0.005 && lost < 0.015);
  // a 1 MB datagram through a ≤ 100 Mbit/s uplink takes ≥ 80 ms more than a tiny one
  const start = clock.elapsedMs;
  const c = listen(network, '9.9.9.3', false);
  let arrived = 0;
  c.sockets.set(1, () => (arrived = clock.elapsedMs));
  const tiny = network.oneWayMs(a, c);
  network.send(a, 1, c.ip, 1, Buffer.alloc(1_000_000));
  await clock.runUntil(start + 60_000);
  t.true(arrived === 0 || arrived - start >= tiny + 80); // 0 = the 1 % loss hit it
});
