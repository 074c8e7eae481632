/**
 * A generator of every wire message kind (src/p2p/wire/messages/*), small and well-formed: shared by
 * the decoder properties (wire.test.ts) and the live campaign (test/integration/fuzz-live/).
 */
import fc from 'fast-check';
import { bytesToIp } from '../../../src/p2p/discovery/endpoint.js';
import { MAX_PUNCH_CANDIDATES, MAX_REJECT_CODE_BYTES, MAX_REJECT_REASON_BYTES, PROTOCOL_VERSION } from '../../../src/p2p/wire/constants.js';
import {
  DIAL_BACK_STATUSES,
  type HandshakeMessage,
  type ObservedAddress,
  PUNCH_HOPS, PUNCH_PHASES,
  PUNCH_REASONS,
  type WireMessage,
  createHandshakeAck,
} from '../../../src/p2p/wire/messages/index.js';
import { KEYS, blockArb, headerArb, txArb } from './arbitraries.js';
import { bytesArb, hashArb, u16Arb, u256Arb, u32Arb, u64Arb, u8Arb } from './fuzz-helpers.js';

/** Text within a byte limit, with the BOM, NUL and multi-byte characters over-represented. */
function textArb(maxBytes: number): fc.Arbitrary<string> {
  return fc
    .oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: fc.constantFrom('\uFEFF', 'a', '\u0000', 'é', '€', '😀'), maxLength: 20 }))
    .filter((s) => Buffer.byteLength(s, 'utf8') <= maxBytes);
}

export const invItemArb = fc.record({ type: fc.constantFrom('tx' as const, 'block' as const), hash: hashArb });
const heartbeat = { nonce: u64Arb, bestHeight: u32Arb, chainWork: u256Arb };

/** The 16-byte prefix that makes an IPv6 address an IPv4-mapped one (::ffff:a.b.c.d): decoded as plain IPv4. */
const IPV4_MAPPED_PREFIX = Buffer.from('00000000000000000000ffff', 'hex');

/**
 * IP addresses in the canonical text the 16-byte field decodes to: IPv4 dotted, IPv6 per RFC 5952
 * (never IPv4-mapped: that comes back as IPv4), with the all-zero, loopback and edge values
 * over-represented.
 */
export const ipArb: fc.Arbitrary<string> = fc.oneof(
  bytesArb(4, 4).map((b) => bytesToIp(b)),
  bytesArb(16, 16).filter((b) => !b.subarray(0, 12).equals(IPV4_MAPPED_PREFIX)).map((b) => bytesToIp(b)),
  fc.constantFrom('0.0.0.0', '127.0.0.1', '255.255.255.255', '::', '::1', 'fe80::1', '2001:db8::1', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', '::102:304'),
);

export const observedArb: fc.Arbitrary<ObservedAddress> = fc.record({ ip: ipArb, port: u16Arb });

/**
 * Handshakes of every version: the current one (most), version 0 and 1 (114 bytes, no observed
 * address: the key is absent, as decoding leaves it) and any u32 (from 2 on with the address).
 */
export const handshakeArb: fc.Arbitrary<HandshakeMessage> = fc
  .record({
    version: fc.oneof({ weight: 3, arbitrary: fc.constant(PROTOCOL_VERSION) }, fc.constantFrom(0, 1, 2, 3, 4), u32Arb),
    genesisHash: hashArb,
    bestHeight: u32Arb,
    chainWork: u256Arb,
    nodeId: hashArb,
    listenPort: u16Arb,
    nonce: u64Arb,
    observed: observedArb,
  })
  .map(({ observed, ...fields }) => (fields.version < 2 ? { kind: 'handshake' as const, ...fields } : { kind: 'handshake' as const, ...fields, observed }));

/** One arbitrary per NAT traversal message kind (14–19): every enum value, 0–16 punch candidates. */
const traversalArbs: readonly fc.Arbitrary<WireMessage>[] = [
  fc.record({ kind: fc.constant('dial-back' as const), nonce: u64Arb, port: u16Arb }),
  fc.record({ kind: fc.constant('dial-back-result' as const), nonce: u64Arb, status: fc.constantFrom(...DIAL_BACK_STATUSES) }),
  fc.record({ kind: fc.constant('probe' as const), nonce: u64Arb }),
  fc.record({
    kind: fc.constant('punch' as const),
    hop: fc.constantFrom(...PUNCH_HOPS),
    phase: fc.constantFrom(...PUNCH_PHASES),
    reason: fc.constantFrom(...PUNCH_REASONS),
    attemptId: u64Arb,
    nodeId: hashArb,
    ip: ipArb,
    port: u16Arb,
  }),
  fc.constant({ kind: 'get-punch-candidates' as const }),
  fc.record({ kind: fc.constant('punch-candidates' as const), nodeIds: fc.array(hashArb, { maxLength: MAX_PUNCH_CANDIDATES }) }),
];

/** 48-bit short ids, the edges over-represented. */
const shortIdArb = fc.oneof(fc.constantFrom(0, 2 ** 48 - 1), fc.integer({ min: 0, max: 2 ** 48 - 1 }));

/** One arbitrary per compact block message kind (20–23): each slot of a compact block is a short id or a prefilled tx. */
const compactArbs: readonly fc.Arbitrary<WireMessage>[] = [
  fc.record({ kind: fc.constant('send-compact' as const), highBandwidth: fc.boolean(), version: u64Arb }),
  fc
    .record({ header: headerArb, nonce: u64Arb, slots: fc.array(fc.oneof(shortIdArb, txArb), { minLength: 1, maxLength: 6 }) })
    .map(({ header, nonce, slots }) => ({
      kind: 'cmpct-block' as const,
      header,
      nonce,
      shortIds: slots.filter((s): s is number => typeof s === 'number'),
      prefilled: slots.flatMap((s, index) => (typeof s === 'number' ? [] : [{ index, tx: s }])),
    })),
  fc
    .record({ blockHash: hashArb, gaps: fc.array(fc.oneof(fc.constant(0), fc.nat(300)), { maxLength: 8 }) })
    .map(({ blockHash, gaps }) => ({ kind: 'get-block-txn' as const, blockHash, indexes: gaps.map((_, i) => gaps.slice(0, i + 1).reduce((a, g) => a + g + 1, -1)) })),
  fc.record({ kind: fc.constant('block-txn' as const), blockHash: hashArb, transactions: fc.array(txArb, { maxLength: 4 }) }),
];

/** The compact block messages alone. */
export const compactMessageArb: fc.Arbitrary<WireMessage> = fc.oneof(...compactArbs);

/** The NAT traversal messages alone (their own properties run more of them than messageArb's share). */
export const traversalMessageArb: fc.Arbitrary<WireMessage> = fc.oneof(...traversalArbs);

export const messageArb: fc.Arbitrary<WireMessage> = fc.oneof(
  handshakeArb,
  fc.tuple(fc.nat(KEYS.length - 1), u64Arb).map(([k, nonce]) => createHandshakeAck(KEYS[k]!, nonce)),
  u32Arb.map((height) => ({ kind: 'get-block' as const, by: 'height' as const, height })),
  hashArb.map((hash) => ({ kind: 'get-block' as const, by: 'hash' as const, hash })),
  txArb.map((transaction) => ({ kind: 'transaction' as const, transaction })),
  fc.record({ kind: fc.constant('ping' as const), ...heartbeat }),
  fc.record({ kind: fc.constant('pong' as const), ...heartbeat }),
  fc.record({ kind: fc.constantFrom('inv' as const, 'get-data' as const, 'not-found' as const), items: fc.array(invItemArb, { maxLength: 6 }) }),
  blockArb.map((block) => ({ kind: 'block' as const, block })),
  fc.record({ kind: fc.constant('get-blocks' as const), locator: fc.array(hashArb, { maxLength: 6 }), stopHash: hashArb }),
  fc.record({ kind: fc.constant('headers' as const), headers: fc.array(headerArb, { maxLength: 4 }) }),
  fc.record({
    kind: fc.constant('reject' as const),
    messageType: u8Arb,
    code: textArb(MAX_REJECT_CODE_BYTES),
    reason: textArb(MAX_REJECT_REASON_BYTES),
    hash: hashArb,
  }),
  ...traversalArbs,
  ...compactArbs,
);
