import test from 'ava';
import { randomBytes } from 'node:crypto';
import { sha256 } from '../../../src/primitives/hash.js';
import { PACKET_HASH_BYTES, PACKET_HEADER_BYTES, PACKET_SIGNATURE_OFFSET } from '../../../src/p2p/discovery/constants.js';
import { encodePacket } from '../../../src/p2p/discovery/packet.js';
import { HOST, RawPeer, hasNode, randomNodeKey, sleep, startNode, waitFor } from './discovery-harness.js';

/** Longer than the test ping timeout (300 ms): an answer would have come by then. */
const SILENCE_MS = 500;

/** Recomputes the outer hash so only the deeper check fails. */
function rehash(bytes: Buffer): Buffer {
  sha256(bytes.subarray(PACKET_HASH_BYTES)).copy(bytes, 0);
  return bytes;
}

test('find-node from a sender that has not proven its endpoint gets no answer; after ping/pong it gets neighbours', async (t) => {
  const service = await startNode();
  const otherKey = randomNodeKey();
  const other = await startNode({ nodeKey: otherKey, bootstrap: [{ host: HOST, port: service.udpPort }] });
  const raw = await RawPeer.create();
  try {
    t.true(await waitFor(() => hasNode(service, other.nodeId), 3000));
    raw.autoPong = false;
    raw.send({ type: 'find-node', target: randomBytes(32), expiration: raw.expiration() }, service.udpPort);
    await sleep(SILENCE_MS);
    t.is(raw.count('neighbours'), 0, 'no reflection: nothing sent back to an unproven address');
    t.is(service.stats.dropped['unproven-find-node'], 1);
    t.true(raw.count('ping') >= 1, 'the service pings the unknown sender to verify it');

    raw.autoPong = true;
    raw.ping(service.udpPort, 4242);
    t.true(await waitFor(() => hasNode(service, raw.key.nodeId), 3000), 'the raw peer proved its endpoint');
    t.is(service.knownNodes(10).find((n) => n.nodeId.equals(raw.key.nodeId))?.endpoint.tcpPort, 4242, 'TCP port from the signed ping');

    raw.send({ type: 'find-node', target: other.nodeId, expiration: raw.expiration() }, service.udpPort);
    t.true(await waitFor(() => raw.count('neighbours') >= 1, 2000));
    const answer = raw.received.find((p) => p.packet.type === 'neighbours');
    if (answer?.packet.type !== 'neighbours') return t.fail('no neighbours packet');
    t.true(answer.packet.nodes[0].publicKey.equals(otherKey.publicKey), 'closest to the target: the target itself');
    t.deepEqual(answer.packet.nodes[0].endpoint, { ip: HOST, udpPort: other.udpPort, tcpPort: other.localEndpoint.tcpPort });
  } finally {
    await Promise.all([service.stop(), other.stop(), raw.close()]);
  }
});

test('garbage, bad-signature, expired, oversize, self-signed and unsolicited packets are dropped and counted; the service keeps answering', async (t) => {
  const serviceKey = randomNodeKey();
  const service = await startNode({ nodeKey: serviceKey });
  const raw = await RawPeer.create();
  raw.autoPong = false;
  try {
    const port = service.udpPort;
    raw.sendBytes(randomBytes(200), port); // bad-hash
    raw.sendBytes(randomBytes(10), port); // malformed: shorter than a header
    raw.sendBytes(randomBytes(1400), port); // oversize
    const ping = encodePacket(
      { type: 'ping', version: 1, from: { ip: HOST, udpPort: raw.port, tcpPort: 0 }, to: { ip: HOST, udpPort: port, tcpPort: 0 }, expiration: raw.expiration() },
      raw.key.privateKey,
    );
    const badSig = Buffer.from(ping.bytes);
    badSig[PACKET_SIGNATURE_OFFSET + 5] ^= 0x01;
    raw.sendBytes(rehash(badSig), port); // bad-signature
    const unknownType = Buffer.from(ping.bytes.subarray(0, PACKET_HEADER_BYTES + 4));
    unknownType[PACKET_HEADER_BYTES - 1] = 9;
    raw.sendBytes(rehash(unknownType), port); // malformed: unknown type
    raw.send({ type: 'ping', version: 1, from: { ip: HOST, udpPort: raw.port, tcpPort: 0 }, to: { ip: HOST, udpPort: port, tcpPort: 0 }, expiration: raw.expiration(-60) }, port); // expired
    raw.send({ type: 'pong', to: { ip: HOST, udpPort: port, tcpPort: 0 }, pingHash: randomBytes(32), expiration: raw.expiration() }, port);
    raw.send({ type: 'neighbours', nodes: [{ endpoint: { ip: HOST, udpPort: 1, tcpPort: 1 }, publicKey: randomNodeKey().publicKey }], expiration: raw.expiration() }, port);
    raw.sendBytes(encodePacket({ type: 'find-node', target: randomBytes(32), expiration: raw.expiration() }, serviceKey.privateKey).bytes, port); // signed by the service's own key

    t.true(await waitFor(() => service.stats.packetsReceived >= 9, 2000));
    await sleep(100);
    t.deepEqual(service.stats.dropped, {
      oversize: 1,
      'bad-hash': 1,
      'bad-signature': 1,
      expired: 1,
      malformed: 2,
      self: 1,
      'unsolicited-pong': 1,
      'unsolicited-neighbours': 1,
      'unproven-find-node': 0,
      shed: 0,
      'sender-rate': 0,
    });
    t.is(raw.received.length, 0, 'nothing answered');
    t.is(service.tableSize, 0);

    const hash = raw.ping(port);
    t.true(await waitFor(() => raw.count('pong') === 1, 2000), 'a valid ping still gets its pong');
    const pong = raw.received.find((p) => p.packet.type === 'pong');
    t.true(pong?.packet.type === 'pong' && pong.packet.pingHash.equals(hash), 'the pong echoes the ping hash');
    t.true(pong?.nodeId.equals(service.nodeId));
  } finally {
    await Promise.all([service.stop(), raw.close()]);
  }
});

test('a pong counts only from the address that was pinged', async (t) => {
  const service = await startNode();
  const real = await RawPeer.create();
  const spoofer = await RawPeer.create(real.key); // same node key, other address
  real.autoPong = false;
  spoofer.autoPong = false;
  try {
    real.ping(service.udpPort);
    t.true(await waitFor(() => real.count('ping') === 1, 2000), 'the service pings back an unverified node');
    const servicePing = real.received.find((p) => p.packet.type === 'ping');
    if (servicePing === undefined) return t.fail('no ping');
    const pong = { type: 'pong', to: { ip: HOST, udpPort: service.udpPort, tcpPort: 0 }, pingHash: servicePing.hash, expiration: real.expiration() } as const;
    spoofer.send(pong, service.udpPort);
    t.true(await waitFor(() => service.stats.dropped['unsolicited-pong'] === 1, 2000));
    t.false(hasNode(service, real.key.nodeId));
    real.send(pong, service.udpPort);
    t.true(await waitFor(() => hasNode(service, real.key.nodeId), 2000));
  } finally {
    await Promise.all([service.stop(), real.close(), spoofer.close()]);
  }
});
