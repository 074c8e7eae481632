import test from 'ava';
import { randomBytes } from 'node:crypto';
import { sha256 } from '../../../src/primitives/hash.js';
import { generatePrivateKey, publicKeyOf } from '../../../src/primitives/secp256k1.js';
import { MAX_PACKET_BYTES, PACKET_EXPIRY_SEC, PACKET_HEADER_BYTES, PacketType } from '../../../src/p2p/discovery/constants.js';
import { PacketError } from '../../../src/p2p/discovery/errors.js';
import { nodeIdFromPublicKey } from '../../../src/p2p/discovery/node-key.js';
import { decodePacket, encodeNeighbours, encodePacket, packetExpiration, splitNeighbours } from '../../../src/p2p/discovery/packet.js';
import type { DiscoveryPacket, NeighbourNode } from '../../../src/p2p/discovery/payloads.js';

const NOW = 1_700_000_000;
const key = generatePrivateKey();
const pub = publicKeyOf(key);
const exp = packetExpiration(NOW, PACKET_EXPIRY_SEC);

const samples: DiscoveryPacket[] = [
  { type: 'ping', version: 1, from: { ip: '127.0.0.1', udpPort: 9000, tcpPort: 9000 }, to: { ip: '2001:db8::1', udpPort: 30303, tcpPort: 0 }, expiration: exp },
  { type: 'pong', to: { ip: '10.0.0.7', udpPort: 9001, tcpPort: 9001 }, pingHash: randomBytes(32), expiration: exp },
  { type: 'find-node', target: randomBytes(32), expiration: exp },
  {
    type: 'neighbours',
    nodes: [
      { endpoint: { ip: '192.168.1.20', udpPort: 9000, tcpPort: 9005 }, publicKey: publicKeyOf(generatePrivateKey()) },
      { endpoint: { ip: 'fe80::1:2', udpPort: 1, tcpPort: 65535 }, publicKey: publicKeyOf(generatePrivateKey()) },
    ],
    expiration: exp,
  },
  { type: 'neighbours', nodes: [], expiration: exp },
];

function neighbour(i: number, v6: boolean): NeighbourNode {
  const ip = v6 ? `2001:db8:${i.toString(16)}::${(i + 1).toString(16)}` : `10.${(i >> 8) & 255}.${i & 255}.1`;
  return { endpoint: { ip, udpPort: 9000 + i, tcpPort: 9000 + i }, publicKey: publicKeyOf(generatePrivateKey()) };
}

function entryBytes(node: NeighbourNode): number {
  return (node.endpoint.ip.includes(':') ? 21 : 9) + 33;
}

function firstOf(p: { bytes: Buffer }): NeighbourNode {
  const decoded = decodePacket(p.bytes, NOW).packet;
  if (decoded.type !== 'neighbours') throw new Error('not a neighbours packet');
  return decoded.nodes[0];
}

for (const [i, packet] of samples.entries()) {
  test(`sign, verify and decode #${i}: ${packet.type}`, (t) => {
    const { bytes, hash } = encodePacket(packet, key);
    t.true(bytes.length <= MAX_PACKET_BYTES);
    t.true(bytes.subarray(0, 32).equals(hash));
    t.is(bytes[PACKET_HEADER_BYTES - 1], PacketType[({ ping: 'Ping', pong: 'Pong', 'find-node': 'FindNode', neighbours: 'Neighbours' } as const)[packet.type]]);
    const decoded = decodePacket(bytes, NOW);
    t.deepEqual(decoded.packet, packet);
    t.true(decoded.senderPubKey.equals(pub));
    t.true(decoded.nodeId.equals(sha256(pub)));
    t.true(decoded.nodeId.equals(nodeIdFromPublicKey(pub)));
    t.true(decoded.hash.equals(hash));
  });
}

test('the hash covers every byte after it', (t) => {
  const { bytes } = encodePacket(samples[0], key);
  for (const offset of [32, 50, 100, 129, 130, bytes.length - 1]) {
    const tampered = Buffer.from(bytes);
    tampered[offset] ^= 0x01;
    t.is(t.throws(() => decodePacket(tampered, NOW), { instanceOf: PacketError })?.code, 'bad-hash', `offset ${offset}`);
  }
  const badHash = Buffer.from(bytes);
  badHash[0] ^= 0x80;
  t.is(t.throws(() => decodePacket(badHash, NOW), { instanceOf: PacketError })?.code, 'bad-hash');
});

test('a tampered payload with a recomputed hash fails the signature', (t) => {
  const { bytes } = encodePacket(samples[2], key);
  const tampered = Buffer.from(bytes);
  tampered[PACKET_HEADER_BYTES + 5] ^= 0x01; // inside the find-node target
  sha256(tampered.subarray(32)).copy(tampered, 0);
  t.is(t.throws(() => decodePacket(tampered, NOW), { instanceOf: PacketError })?.code, 'bad-signature');
});

test('a packet re-signed under another key is attributed to that key, and a swapped key fails', (t) => {
  const other = generatePrivateKey();
  const { bytes } = encodePacket(samples[2], other);
  t.true(decodePacket(bytes, NOW).senderPubKey.equals(publicKeyOf(other)));
  // put our public key in place of the signer's: the signature no longer matches
  const swapped = Buffer.from(bytes);
  pub.copy(swapped, 96);
  sha256(swapped.subarray(32)).copy(swapped, 0);
  t.is(t.throws(() => decodePacket(swapped, NOW), { instanceOf: PacketError })?.code, 'bad-signature');
  // garbage where the key goes (not a curve point)
  const junkKey = Buffer.from(bytes);
  Buffer.concat([Buffer.from([0x02]), Buffer.alloc(32, 0xff)]).copy(junkKey, 96);
  sha256(junkKey.subarray(32)).copy(junkKey, 0);
  t.is(t.throws(() => decodePacket(junkKey, NOW), { instanceOf: PacketError })?.code, 'bad-signature');
});

test('expiry uses the injected clock', (t) => {
  const { bytes } = encodePacket(samples[1], key);
  t.notThrows(() => decodePacket(bytes, exp)); // expires at the end of its last second
  t.notThrows(() => decodePacket(bytes, NOW - 1000)); // clocks behind ours are fine
  const err = t.throws(() => decodePacket(bytes, exp + 1), { instanceOf: PacketError });
  t.is(err?.code, 'expired');
  t.regex(err?.message ?? '', /pong packet expired 1 s ago/);
});

test('oversize datagrams are refused before anything else', (t) => {
  t.is(t.throws(() => decodePacket(Buffer.alloc(MAX_PACKET_BYTES + 1), NOW), { instanceOf: PacketError })?.code, 'oversize');
  const many = { type: 'neighbours' as const, nodes: Array.from({ length: 40 }, (_, i) => neighbour(i, true)), expiration: exp };
  t.throws(() => encodePacket(many, key), { instanceOf: RangeError });
});

test('short, unknown-type, truncated and padded packets are malformed', (t) => {
  t.is(t.throws(() => decodePacket(Buffer.alloc(10), NOW), { instanceOf: PacketError })?.code, 'malformed');
  const resign = (mutate: (body: Buffer) => Buffer): Buffer => {
    const { bytes } = encodePacket(samples[0], key);
    const body = mutate(Buffer.from(bytes.subarray(PACKET_HEADER_BYTES - 1)));
    const out = Buffer.concat([bytes.subarray(0, PACKET_HEADER_BYTES - 1), body]);
    sha256(out.subarray(32)).copy(out, 0);
    return out;
  };
  const cases: [string, (b: Buffer) => Buffer][] = [
    ['unknown type', (b) => { b[0] = 9; return b; }],
    ['truncated', (b) => b.subarray(0, b.length - 2)],
    ['trailing byte', (b) => Buffer.concat([b, Buffer.from([0])])],
    ['bad address family', (b) => { b[5] = 5; return b; }],
  ];
  for (const [what, mutate] of cases) {
    t.is(t.throws(() => decodePacket(resign(mutate), NOW), { instanceOf: PacketError })?.code, 'malformed', what);
  }
});

test('a neighbours packet listing an off-curve key is malformed even when signed', (t) => {
  const bogus = Buffer.concat([Buffer.from([0x03]), Buffer.alloc(32, 0xff)]);
  const packet = { type: 'neighbours' as const, nodes: [{ endpoint: { ip: '1.2.3.4', udpPort: 1, tcpPort: 2 }, publicKey: bogus }], expiration: exp };
  t.is(t.throws(() => decodePacket(encodePacket(packet, key).bytes, NOW), { instanceOf: PacketError })?.code, 'malformed');
});

test('neighbour splitting keeps every datagram within 1280 bytes and loses nobody', (t) => {
  for (const [count, v6] of [[0, false], [1, true], [27, false], [28, false], [21, true], [22, true], [200, false], [200, true]] as const) {
    const nodes = Array.from({ length: count }, (_, i) => neighbour(i, v6 && i % 3 !== 0));
    const packets = encodeNeighbours(nodes, exp, key);
    const received: NeighbourNode[] = [];
    for (const p of packets) {
      t.true(p.bytes.length <= MAX_PACKET_BYTES, `${count} nodes: packet of ${p.bytes.length} bytes`);
      const decoded = decodePacket(p.bytes, NOW).packet;
      if (decoded.type === 'neighbours') received.push(...decoded.nodes);
    }
    t.deepEqual(received, nodes, `${count} nodes`);
    // packed greedily: a packet is only closed when the next entry would not fit
    for (let k = 0; k + 1 < packets.length; k++) {
      t.true(packets[k].bytes.length + entryBytes(firstOf(packets[k + 1])) > MAX_PACKET_BYTES, `${count} nodes: packet ${k} closed early`);
    }
  }
  t.is(splitNeighbours(Array.from({ length: 27 }, (_, i) => neighbour(i, false))).length, 1);
  t.is(splitNeighbours(Array.from({ length: 28 }, (_, i) => neighbour(i, false))).length, 2);
});

test('a neighbours packet\'s keys share one small buffer of their own, not the datagram or a pool slab', (t) => {
  const nodes = Array.from({ length: 16 }, (_, i) => ({ endpoint: { ip: `7.7.7.${i + 1}`, udpPort: 9000, tcpPort: 9000 }, publicKey: publicKeyOf(generatePrivateKey()) }));
  const [encoded] = encodeNeighbours(nodes, exp, key);
  const decoded = decodePacket(encoded.bytes, NOW).packet;
  if (decoded.type !== 'neighbours') return t.fail('not a neighbours packet');
  const backing = decoded.nodes[0].publicKey.buffer;
  t.log(`16 keys backed by ${backing.byteLength} bytes`);
  t.is(backing.byteLength, 16 * 33);
  t.true(decoded.nodes.every((n, i) => n.publicKey.buffer === backing && n.publicKey.equals(nodes[i].publicKey)));
});
