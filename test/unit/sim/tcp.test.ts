import test from 'ava';
import { generatePrivateKey } from '../../../src/primitives/secp256k1.js';
import { ZERO_HASH } from '../../../src/primitives/hash.js';
import { resolveP2PConfig } from '../../../src/p2p/config.js';
import { nodeKeyFromPrivateKey } from '../../../src/p2p/discovery/node-key.js';
import { DEFAULT_PEER_TIMEOUT_MS, DEFAULT_PING_INTERVAL_MS } from '../../../src/p2p/constants.js';
import { PeerSet } from '../../../src/p2p/peers.js';
import { INBOUND_IDLE_PING_FACTOR } from '../../../src/p2p/constants.js';
import type { PeerStream } from '../../../src/p2p/tcp-transport.js';
import { DEFAULT_NETWORK_MODEL, SimNetwork, type Host } from '../../../src/sim/network.js';
import { Rng } from '../../../src/sim/rng.js';
import { SimTcp } from '../../../src/sim/tcp.js';
import { VirtualClock } from '../../../src/sim/virtual-clock.js';
import { silentLogger } from '../../../src/util/logger.js';

function setup(): { clock: VirtualClock; network: SimNetwork; tcp: SimTcp } {
  const clock = new VirtualClock();
  const network = new SimNetwork(clock, new Rng(3), DEFAULT_NETWORK_MODEL);
  return { clock, network, tcp: new SimTcp(clock, network) };
}

/** Accepted streams of a listener on host:port, with what each received. */
async function listenOn(tcp: SimTcp, host: Host, port: number): Promise<Array<{ stream: PeerStream; received: Buffer[]; closed: boolean }>> {
  const accepted: Array<{ stream: PeerStream; received: Buffer[]; closed: boolean }> = [];
  await tcp.transport(host).listen('0.0.0.0', port, (stream) => {
    const entry = { stream, received: [] as Buffer[], closed: false };
    stream.on('data', (chunk: Buffer) => entry.received.push(chunk));
    stream.on('close', () => (entry.closed = true));
    accepted.push(entry);
  }, () => {});
  return accepted;
}

test('a connection takes a round trip, delivers writes in order after the link delay, and closes both ways', async (t) => {
  const { clock, network, tcp } = setup();
  const a = network.addHost('1.0.0.1', true);
  const b = network.addHost('2.0.0.2', false);
  const accepted = await listenOn(tcp, b, 8333);
  const oneWay = network.oneWayMs(a, b);
  const start = clock.elapsedMs;
  let connectedAt = -1;
  const dialing = tcp.transport(a).dial(b.ip, 8333, 5_000).then((s) => {
    connectedAt = clock.elapsedMs;
    return s;
  });
  await clock.runUntil(start + 1_000);
  const client = await dialing;
  t.log(`one-way ${oneWay.toFixed(1)} ms, connected after ${connectedAt - start} ms`);
  t.true(Math.abs(connectedAt - start - 2 * oneWay) < 1);
  t.is(accepted.length, 1);
  t.is(accepted[0].stream.remoteAddress, a.ip);
  t.is(client.remoteAddress, b.ip);
  const sentAt = clock.elapsedMs;
  const chunks = [Buffer.from('one'), Buffer.alloc(200_000, 2), Buffer.from('three')];
  for (const c of chunks) client.write(c);
  t.true(client.writableLength > 0, 'a 200 kB write waits for the uplink');
  let drained = false;
  client.on('drain', () => (drained = true));
  await clock.runUntil(sentAt + oneWay - 1);
  t.is(accepted[0].received.length, 0, 'nothing arrives before the link delay');
  await clock.runUntil(sentAt + 10_000);
  t.deepEqual(accepted[0].received.map((c) => c.length), [3, 200_000, 5]);
  t.is(client.writableLength, 0);
  t.true(drained);
  let clientClosed = false;
  client.on('close', () => (clientClosed = true));
  client.end();
  await clock.runUntil(sentAt + 11_000);
  t.true(accepted[0].closed, 'the far end closes on our FIN');
  t.true(clientClosed, 'and its FIN closes ours');
});

test('a NATed or departed host is never reached (the dial times out); a public host without a listener refuses at once', async (t) => {
  const { clock, network, tcp } = setup();
  const a = network.addHost('1.0.0.1', false);
  const natted = network.addHost('3.0.0.3', true);
  const gone = network.addHost('4.0.0.4', false);
  const idle = network.addHost('5.0.0.5', false);
  await listenOn(tcp, natted, 8333);
  await listenOn(tcp, gone, 8333);
  gone.alive = false;
  const outcome = (p: Promise<unknown>): Promise<string> => p.then(() => 'connected', (err: Error) => `${err.message} at ${clock.elapsedMs}`);
  const results = Promise.all([natted, gone, idle].map((h) => outcome(tcp.transport(a).dial(h.ip, 8333, 5_000))));
  await clock.runUntil(6_000);
  const [toNat, toGone, toIdle] = await results;
  t.log(toNat, '|', toIdle);
  t.regex(toNat, /timed out after 5000 ms at 5000$/);
  t.regex(toGone, /timed out/);
  t.regex(toIdle, /ECONNREFUSED/);
  t.true(Number(toIdle.split(' at ')[1]) < 300);
  t.deepEqual({ ...tcp.stats, segments: 0, bytes: 0 }, { connected: 0, refused: 1, unanswered: 2, segments: 0, bytes: 0 });
});

test('destroy drops what has not left the uplink and closes the far end after the data already sent', async (t) => {
  const { clock, network, tcp } = setup();
  const a = network.addHost('1.0.0.1', false);
  const b = network.addHost('2.0.0.2', false);
  const accepted = await listenOn(tcp, b, 8333);
  const dialing = tcp.transport(a).dial(b.ip, 8333, 5_000);
  await clock.runUntil(1_000);
  const client = await dialing;
  client.write(Buffer.from('sent'));
  client.write(Buffer.alloc(2_000_000)); // seconds of uplink at 5–100 Mbit/s
  await clock.runUntil(1_001);
  client.destroy();
  await clock.runUntil(10_000);
  t.deepEqual(accepted[0].received.map((c) => c.length), [4]);
  t.true(accepted[0].closed);
});

/** A real PeerSet on a simulated host. */
async function peerSet(clock: VirtualClock, tcp: SimTcp, host: Host): Promise<PeerSet> {
  const set = new PeerSet({
    config: resolveP2PConfig({ listenHost: host.ip, port: 8333 }),
    nodeKey: nodeKeyFromPrivateKey(generatePrivateKey()),
    status: () => ({ genesisHash: ZERO_HASH, bestHeight: 0, chainWork: 0n }),
    logger: silentLogger(),
    clock,
    transport: tcp.transport(host),
  });
  await set.start();
  return set;
}

test('the real PeerSet: a NATed node dials a public one, the handshake completes on virtual time, pings keep it open', async (t) => {
  const { clock, network, tcp } = setup();
  const natted = network.addHost('1.0.0.1', true);
  const pub = network.addHost('2.0.0.2', false);
  const [n, p] = [await peerSet(clock, tcp, natted), await peerSet(clock, tcp, pub)];
  n.addPeer(pub.ip, 8333);
  await clock.runUntil(2_000);
  t.is(n.ready().length, 1);
  t.is(p.ready().length, 1);
  t.is(p.ready()[0].direction, 'inbound');
  t.is(p.ready()[0].ip, natted.ip);
  const rtt = n.ready()[0].pingRttMs;
  t.log(`ping RTT ${rtt} ms, link RTT ${(2 * network.oneWayMs(natted, pub)).toFixed(1)} ms`);
  t.true(rtt !== undefined && rtt >= 2 * network.oneWayMs(natted, pub) - 1);
  // The other way fails: the NAT never answers a SYN.
  p.addPeer(natted.ip, 8333);
  await clock.runUntil(120_000); // 4 quiet ping intervals: the session outlives peerTimeoutMs
  t.is(n.ready().length, 1);
  t.is(p.ready().length, 1);
  t.true(tcp.stats.unanswered >= 1);
  // The NATed node powers off: the public one notices by its ping timeout (no FIN comes), at
  // most twice the ping interval (the NATed node dialled it) plus the pong timeout later.
  natted.alive = false;
  await n.stop();
  const noticeMs = INBOUND_IDLE_PING_FACTOR * DEFAULT_PING_INTERVAL_MS + DEFAULT_PEER_TIMEOUT_MS;
  while (p.ready().length > 0 && clock.elapsedMs < 120_000 + noticeMs) await clock.runUntil(clock.elapsedMs + 1_000);
  const noticedMs = clock.elapsedMs - 120_000;
  t.log(`the public node dropped the departed one ${noticedMs / 1000} s after it left (bound ${noticeMs / 1000} s)`);
  t.true(noticedMs > DEFAULT_PEER_TIMEOUT_MS, 'by its pong timeout, not a FIN');
  t.is(p.ready().length, 0);
  await p.stop();
});
