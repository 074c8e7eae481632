import test from 'ava';
import fc from 'fast-check';
import { sha256 } from '../../../src/primitives/hash.js';
import { sign } from '../../../src/primitives/secp256k1.js';
import { MAX_PACKET_BYTES, PACKET_TYPE_OFFSET, PacketType } from '../../../src/p2p/discovery/constants.js';
import { type Endpoint, bytesToIp } from '../../../src/p2p/discovery/endpoint.js';
import { PacketError } from '../../../src/p2p/discovery/errors.js';
import { decodePacket, encodePacket } from '../../../src/p2p/discovery/packet.js';
import { type DiscoveryPacket, decodePacketBody, encodePacketBody } from '../../../src/p2p/discovery/payloads.js';
import { DecodeError } from '../../../src/util/errors.js';
import { KEYS, PUBKEYS } from './arbitraries.js';
import { assertSame, bytesArb, decodeOrTyped, hashArb, mutated, runs, u16Arb, u32Arb, varintBytes } from './fuzz-helpers.js';

const NOW = 1_700_000_000;

/** IPv4 and IPv6 (canonical text, as the decoder produces it) endpoints. */
const endpointArb: fc.Arbitrary<Endpoint> = fc.record({
  ip: fc.oneof(bytesArb(4, 4), bytesArb(16, 16), fc.constant(Buffer.from('00000000000000000000ffff7f000001', 'hex'))).map(bytesToIp),
  udpPort: u16Arb,
  tcpPort: u16Arb,
});
/** Not yet expired at NOW. */
const expirationArb = fc.integer({ min: NOW, max: 0xffff_ffff });

/** Every discovery packet type; neighbours entries carry real (on-curve) keys. */
const packetArb: fc.Arbitrary<DiscoveryPacket> = fc.oneof(
  fc.record({ type: fc.constant('ping' as const), version: u32Arb, from: endpointArb, to: endpointArb, expiration: expirationArb }),
  fc.record({ type: fc.constant('pong' as const), to: endpointArb, pingHash: hashArb, expiration: expirationArb }),
  fc.record({ type: fc.constant('find-node' as const), target: hashArb, expiration: expirationArb }),
  fc.record({
    type: fc.constant('neighbours' as const),
    nodes: fc.array(fc.record({ endpoint: endpointArb, publicKey: fc.constantFrom(...PUBKEYS) }), { maxLength: 6 }),
    expiration: expirationArb,
  }),
);
const keyIndexArb = fc.nat(KEYS.length - 1);

/** A datagram around any body, signed and hashed correctly: gets a mutated body past the hash and signature checks. */
function signedDatagram(body: Buffer, key: Buffer, pub: Buffer): Buffer {
  const rest = Buffer.concat([sign(sha256(body), key), pub, body]);
  return Buffer.concat([sha256(rest), rest]);
}

test('payloads: decodePacketBody(encodePacketBody(p)) equals p for every packet type', (t) => {
  fc.assert(
    fc.property(packetArb, (packet) => {
      assertSame(decodePacketBody(encodePacketBody(packet)), packet);
    }),
    runs(),
  );
  t.pass();
});

test('packet: decodePacket(encodePacket(p, key)) gives p, the signer key and the hash', (t) => {
  fc.assert(
    fc.property(packetArb, keyIndexArb, (packet, k) => {
      const encoded = encodePacket(packet, KEYS[k]!);
      const decoded = decodePacket(encoded.bytes, NOW);
      assertSame(decoded.packet, packet);
      t.true(decoded.senderPubKey.equals(PUBKEYS[k]!));
      t.true(decoded.hash.equals(encoded.hash));
    }),
    runs(),
  );
});

test('payloads: random bodies decode canonically or throw DecodeError', (t) => {
  const bodyArb = fc.tuple(fc.constantFrom(...Object.values(PacketType), 0, 5, 0xff), bytesArb(0, 200)).map(([type, rest]) => Buffer.concat([Buffer.from([type]), rest]));
  fc.assert(
    fc.property(fc.oneof(bodyArb, bytesArb(0, 200)), (body) => {
      const packet = decodeOrTyped(() => decodePacketBody(body), DecodeError);
      if (packet) t.true(encodePacketBody(packet).equals(body), 'a decoded body re-encodes to the same bytes');
    }),
    runs(),
  );
  t.pass();
});

test('payloads: mutated, truncated and extended bodies decode canonically or throw DecodeError', (t) => {
  fc.assert(
    fc.property(mutated(packetArb.map(encodePacketBody)), (body) => {
      const packet = decodeOrTyped(() => decodePacketBody(body), DecodeError);
      if (packet) t.true(encodePacketBody(packet).equals(body), 'a decoded body re-encodes to the same bytes');
    }),
    runs(),
  );
  t.pass();
});

test('packet: random datagrams throw PacketError', (t) => {
  fc.assert(
    fc.property(bytesArb(0, MAX_PACKET_BYTES + 64), (bytes) => {
      // a random 32-byte prefix matching the sha256 of the rest is out of reach: every one is refused
      t.throws(() => decodePacket(bytes, NOW), { instanceOf: PacketError });
    }),
    runs(),
  );
});

test('packet: mutated datagrams (hash left as is) decode to the original or throw PacketError', (t) => {
  fc.assert(
    fc.property(
      packetArb.chain((packet) => fc.tuple(fc.constant(packet), keyIndexArb.chain((k) => mutated(fc.constant(encodePacket(packet, KEYS[k]!).bytes))))),
      ([packet, bytes]) => {
        const decoded = decodeOrTyped(() => decodePacket(bytes, NOW), PacketError);
        if (decoded) assertSame(decoded.packet, packet);
      },
    ),
    runs(),
  );
  t.pass();
});

test('packet: mutated bodies re-signed and re-hashed decode canonically or throw PacketError', (t) => {
  const arb = fc.tuple(mutated(packetArb.map(encodePacketBody)), keyIndexArb);
  fc.assert(
    fc.property(arb, ([body, k]) => {
      const datagram = signedDatagram(body, KEYS[k]!, PUBKEYS[k]!);
      const decoded = decodeOrTyped(() => decodePacket(datagram, NOW), PacketError);
      if (decoded) {
        t.true(encodePacketBody(decoded.packet).equals(body));
        t.true(decoded.senderPubKey.equals(PUBKEYS[k]!));
      }
    }),
    runs(),
  );
  t.pass();
});

test('packet: correctly hashed datagrams with random signature, key and body throw PacketError', (t) => {
  fc.assert(
    fc.property(bytesArb(64, 64), fc.oneof(bytesArb(33, 33), fc.constantFrom(...PUBKEYS)), mutated(packetArb.map(encodePacketBody)), (sig, pub, body) => {
      const rest = Buffer.concat([sig, pub, body]);
      const datagram = Buffer.concat([sha256(rest), rest]);
      t.is(datagram.length - PACKET_TYPE_OFFSET, body.length);
      // the signature is random, so nothing verifies: a typed refusal every time
      t.throws(() => decodePacket(datagram, NOW), { instanceOf: PacketError });
    }),
    runs(),
  );
});

test('neighbours: a count larger than the remaining bytes is refused at once', (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 200, max: Number.MAX_SAFE_INTEGER }), bytesArb(0, 8), keyIndexArb, (count, tail, k) => {
      const body = Buffer.concat([Buffer.from([PacketType.Neighbours]), varintBytes(count), tail]);
      const start = performance.now();
      t.throws(() => decodePacketBody(body), { instanceOf: DecodeError, message: /count/ });
      t.throws(() => decodePacket(signedDatagram(body, KEYS[k]!, PUBKEYS[k]!), NOW), { instanceOf: PacketError, message: /count/ });
      t.true(performance.now() - start < 100);
    }),
    runs(0.5),
  );
});
