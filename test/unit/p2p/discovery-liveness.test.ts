/**
 * The check that lets a long-lived table entry keep its place against a newcomer (Kademlia's
 * "oldest live nodes win") must fail closed: when the check cannot be sent, the entry stays.
 */
import type { Socket } from 'node:dgram';
import test from 'ava';
import { MAX_PENDING_PINGS } from '../../../src/p2p/discovery/constants.js';
import { decodePacket, packetExpiration } from '../../../src/p2p/discovery/packet.js';
import { bucketIndex } from '../../../src/p2p/discovery/routing-table.js';
import type { Discovery } from '../../../src/p2p/discovery/service.js';
import { FAST_TIMING, hasNode, nodeKeyInBucket, sleep, socketOn, startNode, waitFor } from './discovery-harness.js';

const ATTACKER = '127.0.0.9';

const expiration = (): number => packetExpiration(Date.now() / 1000, 20);

test('a flood that takes every pending-ping slot cannot make a full bucket drop its live entry for a newcomer', async (t) => {
  // Long ping timeouts keep the flood's ping-backs pending while the newcomer's late pong arrives.
  const timing = { ...FAST_TIMING, pingTimeoutMs: 2_000 };
  const v: Discovery = await startNode({ bindHost: '127.0.0.3', advertisedIp: '127.0.0.3', bucketSize: 1, timing });
  const h: Discovery = await startNode({ bindHost: '127.0.0.2', advertisedIp: '127.0.0.2', bootstrap: [{ host: '127.0.0.3', port: v.udpPort }], timing });
  t.teardown(() => Promise.all([h.stop(), v.stop()]).then(() => undefined));
  t.true(await waitFor(() => hasNode(v, h.nodeId), 5_000), 'H is in V\'s table');
  let removals = 0;
  v.on('node:removed', (node: { nodeId: Buffer }) => void (node.nodeId.equals(h.nodeId) && removals++));

  // Newcomer A, in H's bucket, pings V and keeps V's ping-back unanswered until it is late (still matchable).
  const aKey = nodeKeyInBucket(v.nodeId, bucketIndex(v.nodeId, h.nodeId));
  const a = await socketOn(ATTACKER, aKey);
  const sockets: Socket[] = [a.socket];
  t.teardown(() => sockets.forEach((s) => s.close()));
  const aPing = a.sign({ type: 'ping', version: 1, from: { ip: ATTACKER, udpPort: a.port, tcpPort: 30_303 }, to: { ip: '127.0.0.3', udpPort: v.udpPort, tcpPort: 0 }, expiration: expiration() });
  a.socket.send(aPing.bytes, v.udpPort, '127.0.0.3');
  let pingBack: ReturnType<typeof decodePacket> | undefined;
  t.true(await waitFor(() => (pingBack = a.received.map((m) => decodePacket(m, Date.now() / 1000)).find((d) => d.packet.type === 'ping')) !== undefined, 2_000), "V's ping-back to A");
  await sleep(timing.pingTimeoutMs + 200);

  // One signed ping sent from 600 ports: each earns a ping-back nobody answers, until every slot is taken.
  const flooder = await socketOn(ATTACKER);
  sockets.push(flooder.socket);
  const flood = flooder.sign({ type: 'ping', version: 1, from: { ip: ATTACKER, udpPort: flooder.port, tcpPort: 30_303 }, to: { ip: '127.0.0.3', udpPort: v.udpPort, tcpPort: 0 }, expiration: expiration() });
  const senders = await Promise.all(Array.from({ length: MAX_PENDING_PINGS + 88 }, () => socketOn(ATTACKER)));
  for (const s of senders) sockets.push(s.socket);
  const sentBefore = h.stats.packetsReceived;
  for (let i = 0; i < senders.length; i += 50) {
    for (const s of senders.slice(i, i + 50)) s.socket.send(flood.bytes, v.udpPort, '127.0.0.3');
    await sleep(20); // loopback's socket buffer holds a few hundred small datagrams
  }
  t.true(await waitFor(() => v.stats.pendingPings >= MAX_PENDING_PINGS, 2_000), `every pending slot taken (${v.stats.pendingPings})`);

  // A's late pong admits A to H's full bucket: the check of H cannot be sent, so H must stay.
  a.socket.send(a.sign({ type: 'pong', to: { ip: '127.0.0.3', udpPort: v.udpPort, tcpPort: 0 }, pingHash: pingBack!.hash, expiration: expiration() }).bytes, v.udpPort, '127.0.0.3');
  await sleep(300);
  t.is(removals, 0, 'H kept its place');
  t.true(hasNode(v, h.nodeId));
  t.false(hasNode(v, aKey.nodeId), 'the newcomer is the one left out');
  t.log(`datagrams H received meanwhile: ${h.stats.packetsReceived - sentBefore}`);
});
