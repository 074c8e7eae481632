/**
 * A generator of every wire message kind (src/p2p/wire/messages/*), small and well-formed: shared by
 * the decoder properties (wire.test.ts) and the live campaign (test/integration/fuzz-live/).
 */
import fc from 'fast-check';
import { MAX_REJECT_CODE_BYTES, MAX_REJECT_REASON_BYTES } from '../../../src/p2p/wire/constants.js';
import { type WireMessage, createHandshakeAck } from '../../../src/p2p/wire/messages/index.js';
import { KEYS, blockArb, headerArb, txArb } from './arbitraries.js';
import { hashArb, u16Arb, u256Arb, u32Arb, u64Arb, u8Arb } from './fuzz-helpers.js';

/** Text within a byte limit, with the BOM, NUL and multi-byte characters over-represented. */
function textArb(maxBytes: number): fc.Arbitrary<string> {
  return fc
    .oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: fc.constantFrom('\uFEFF', 'a', '\u0000', 'é', '€', '😀'), maxLength: 20 }))
    .filter((s) => Buffer.byteLength(s, 'utf8') <= maxBytes);
}

export const invItemArb = fc.record({ type: fc.constantFrom('tx' as const, 'block' as const), hash: hashArb });
const heartbeat = { nonce: u64Arb, bestHeight: u32Arb, chainWork: u256Arb };

export const messageArb: fc.Arbitrary<WireMessage> = fc.oneof(
  fc.record({ kind: fc.constant('handshake' as const), version: u32Arb, genesisHash: hashArb, bestHeight: u32Arb, chainWork: u256Arb, nodeId: hashArb, listenPort: u16Arb, nonce: u64Arb }),
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
);
