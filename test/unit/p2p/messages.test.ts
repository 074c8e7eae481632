import test from 'ava';
import { randomBytes } from 'node:crypto';
import { ZERO_HASH } from '../../../src/primitives/hash.js';
import { DecodeError } from '../../../src/util/errors.js';
import { MAX_HEADERS_PER_MESSAGE, MAX_INV_ITEMS, MAX_LOCATOR_HASHES, MessageType } from '../../../src/p2p/wire/constants.js';
import { WireError } from '../../../src/p2p/wire/errors.js';
import { FrameDecoder } from '../../../src/p2p/wire/frame.js';
import {
  type WireMessage,
  decodeMessage,
  encodeMessage,
  encodeMessageFrame,
  messageKindName,
  messageTypeOf,
} from '../../../src/p2p/wire/messages/index.js';
import { HANDSHAKE_BYTES, decodeHandshake } from '../../../src/p2p/wire/messages/handshake.js';
import { createHandshakeAck, verifyHandshakeAck } from '../../../src/p2p/wire/messages/handshake-ack.js';
import { generatePrivateKey, publicKeyOf } from '../../../src/primitives/secp256k1.js';
import { sha256 } from '../../../src/primitives/hash.js';
import { buildBlock, makeKey, outpoint, pay, spend } from '../../helpers/fixtures.js';

const miner = makeKey();
const alice = makeKey();
const genesis = buildBlock({ miner });
const tx = spend(miner, [outpoint(genesis.transactions[0])], [pay(alice, 600n), pay(miner, 390n)]);
const block1 = buildBlock({ parent: genesis, miner, txs: [tx], fees: 10n });
const hash = (): Buffer => randomBytes(32);
const nodeKey = generatePrivateKey();

const samples: WireMessage[] = [
  {
    kind: 'handshake',
    version: 2,
    genesisHash: genesis.hash,
    bestHeight: 1,
    chainWork: (1n << 255n) + 12345n,
    nodeId: hash(),
    listenPort: 9000,
    nonce: 0xfedcba9876543210n,
    observed: { ip: '203.0.113.7', port: 51234 },
  },
  { kind: 'handshake', version: 2, genesisHash: ZERO_HASH, bestHeight: 0, chainWork: 0n, nodeId: hash(), listenPort: 0, nonce: 0n, observed: { ip: '2001:db8::42', port: 0 } },
  createHandshakeAck(nodeKey, 0x1122334455667788n),
  { kind: 'get-block', by: 'height', height: 123456 },
  { kind: 'get-block', by: 'hash', hash: genesis.hash },
  { kind: 'transaction', transaction: tx },
  { kind: 'ping', nonce: 1n, bestHeight: 42, chainWork: 2n ** 64n },
  { kind: 'pong', nonce: (1n << 64n) - 1n, bestHeight: 0xffffffff, chainWork: (1n << 256n) - 1n },
  { kind: 'inv', items: [{ type: 'tx', hash: tx.txid }, { type: 'block', hash: block1.hash }] },
  { kind: 'inv', items: [] },
  { kind: 'get-data', items: [{ type: 'block', hash: block1.hash }] },
  { kind: 'not-found', items: [{ type: 'tx', hash: hash() }] },
  { kind: 'block', block: block1 },
  { kind: 'get-blocks', locator: [block1.hash, genesis.hash], stopHash: ZERO_HASH },
  { kind: 'headers', headers: [genesis.header, block1.header] },
  { kind: 'reject', messageType: MessageType.Transaction, code: 'bad-txns-inputs-missingorspent', reason: 'input 0 spends a coin that does not exist — ünïcødé', hash: tx.txid },
];

/** Blocks/txs are classes: compare by canonical bytes; everything else structurally. */
function normalize(msg: WireMessage): unknown {
  if (msg.kind === 'block') return { kind: msg.kind, bytes: msg.block.encode().toString('hex'), hash: msg.block.hashHex };
  if (msg.kind === 'transaction') return { kind: msg.kind, bytes: msg.transaction.encode().toString('hex'), txid: msg.transaction.txidHex };
  if (msg.kind === 'headers') return { kind: msg.kind, headers: msg.headers.map((h) => h.encode().toString('hex')) };
  return msg;
}

for (const [i, msg] of samples.entries()) {
  test(`round trip #${i}: ${msg.kind}`, (t) => {
    const payload = encodeMessage(msg);
    const decoded = decodeMessage(messageTypeOf(msg), payload);
    t.is(decoded.kind, msg.kind);
    t.deepEqual(normalize(decoded), normalize(msg));
    // and re-encodes to the same bytes (canonical)
    t.true(encodeMessage(decoded).equals(payload));
    // through the frame layer
    const frames = new FrameDecoder().push(encodeMessageFrame(msg));
    t.is(frames.length, 1);
    t.deepEqual(normalize(decodeMessage(frames[0].type, frames[0].payload)), normalize(msg));
  });

  test(`malformed #${i}: ${msg.kind} truncated or with trailing bytes`, (t) => {
    const payload = encodeMessage(msg);
    const type = messageTypeOf(msg);
    const withTrailing = Buffer.concat([payload, Buffer.from([0])]);
    const e1 = t.throws(() => decodeMessage(type, withTrailing), { instanceOf: WireError });
    t.is(e1?.code, 'malformed-payload');
    t.true(e1?.cause instanceof DecodeError);
    if (payload.length > 0) {
      const e2 = t.throws(() => decodeMessage(type, payload.subarray(0, payload.length - 1)), { instanceOf: WireError });
      t.is(e2?.code, 'malformed-payload');
    }
  });
}

test('the tutorial numbers are kept', (t) => {
  t.is(MessageType.None, 0);
  t.is(messageTypeOf(samples[2]), 4);
  t.is(messageTypeOf(samples[0]), 1);
  t.is(messageTypeOf(samples[3]), 2);
  t.is(messageTypeOf(samples[5]), 3);
  t.is(messageKindName(9), 'block');
  t.is(messageKindName(99), 'unknown(99)');
});

test('decodeMessage rejects the reserved and unknown types', (t) => {
  t.is(t.throws(() => decodeMessage(0, Buffer.alloc(0)), { instanceOf: WireError })?.code, 'unknown-type');
  t.is(t.throws(() => decodeMessage(77, Buffer.alloc(0)), { instanceOf: WireError })?.code, 'unknown-type');
});

test('handshake has a fixed size and a documented layout', (t) => {
  const payload = encodeMessage(samples[0]);
  t.is(payload.length, HANDSHAKE_BYTES);
  t.is(payload.length, 132);
  t.is(payload.readUInt32LE(0), 2);
  t.true(payload.subarray(4, 36).equals(genesis.hash));
  t.is(payload.readUInt32LE(36), 1);
  t.is(payload[40], 0x80); // chain work is big-endian: the 2^255 bit is the first byte's top bit
  t.is(payload.readUInt16LE(104), 9000);
  t.is(payload.readBigUInt64LE(106), 0xfedcba9876543210n);
  // observed address: IPv4 as IPv4-mapped IPv6 (::ffff:203.0.113.7), then the port, little-endian
  t.is(payload.subarray(114, 130).toString('hex'), '00000000000000000000ffffcb007107');
  t.is(payload.readUInt16LE(130), 51234);
  const v2 = Buffer.alloc(HANDSHAKE_BYTES);
  v2.writeUInt32LE(2, 0);
  t.throws(() => decodeHandshake(v2.subarray(0, HANDSHAKE_BYTES - 1)), { instanceOf: DecodeError });
});

test('inventory rejects unknown item types and counts over the limit', (t) => {
  const bad = Buffer.concat([Buffer.from([1, 3]), hash()]);
  t.is(t.throws(() => decodeMessage(MessageType.Inv, bad), { instanceOf: WireError })?.code, 'malformed-payload');
  // a count claiming more items than the payload holds is refused before allocating
  const lying = Buffer.from([0xfe, 0xff, 0xff, 0xff, 0x00]);
  t.is(t.throws(() => decodeMessage(MessageType.GetData, lying), { instanceOf: WireError })?.code, 'malformed-payload');
  const over = { kind: 'inv' as const, items: Array.from({ length: MAX_INV_ITEMS + 1 }, () => ({ type: 'tx' as const, hash: ZERO_HASH })) };
  t.throws(() => encodeMessage(over), { instanceOf: RangeError });
  const overBytes = Buffer.concat([Buffer.from([0xfd]), Buffer.alloc(2), Buffer.alloc((MAX_INV_ITEMS + 1) * 33, 1)]);
  overBytes.writeUInt16LE(MAX_INV_ITEMS + 1, 1);
  t.regex(t.throws(() => decodeMessage(MessageType.NotFound, overBytes), { instanceOf: WireError })?.message ?? '', /more than the 50000/);
  const atLimit = { kind: 'inv' as const, items: Array.from({ length: MAX_INV_ITEMS }, () => ({ type: 'block' as const, hash: ZERO_HASH })) };
  const decoded = decodeMessage(MessageType.Inv, encodeMessage(atLimit));
  t.is(decoded.kind === 'inv' ? decoded.items.length : -1, MAX_INV_ITEMS);
});

test('get-blocks rejects a locator over 101 hashes; headers over 2000', (t) => {
  const locator = Array.from({ length: MAX_LOCATOR_HASHES + 1 }, () => ZERO_HASH);
  t.throws(() => encodeMessage({ kind: 'get-blocks', locator, stopHash: ZERO_HASH }), { instanceOf: RangeError });
  const raw = Buffer.concat([Buffer.from([MAX_LOCATOR_HASHES + 1]), ...locator, ZERO_HASH]);
  t.is(t.throws(() => decodeMessage(MessageType.GetBlocks, raw), { instanceOf: WireError })?.code, 'malformed-payload');
  const ok = Buffer.concat([Buffer.from([MAX_LOCATOR_HASHES]), ...locator.slice(1), ZERO_HASH]);
  const decoded = decodeMessage(MessageType.GetBlocks, ok);
  t.is(decoded.kind === 'get-blocks' ? decoded.locator.length : -1, MAX_LOCATOR_HASHES);
  const headers = Array.from({ length: MAX_HEADERS_PER_MESSAGE + 1 }, () => genesis.header);
  t.throws(() => encodeMessage({ kind: 'headers', headers }), { instanceOf: RangeError });
  const rawHeaders = Buffer.concat([Buffer.from([0xfd, 0xd1, 0x07]), ...headers.map((h) => h.encode())]);
  t.is(t.throws(() => decodeMessage(MessageType.Headers, rawHeaders), { instanceOf: WireError })?.code, 'malformed-payload');
});

test('get-block rejects an unknown selector', (t) => {
  t.is(t.throws(() => decodeMessage(MessageType.GetBlock, Buffer.from([2, 0, 0, 0, 0])), { instanceOf: WireError })?.code, 'malformed-payload');
});

test('handshake-ack proves the claimed node id for this connection only', (t) => {
  const nodeId = sha256(publicKeyOf(nodeKey));
  const ownNonce = 987654321n;
  const ack = createHandshakeAck(nodeKey, ownNonce);
  const decoded = decodeMessage(MessageType.HandshakeAck, encodeMessage(ack));
  t.is(encodeMessage(ack).length, 97);
  if (decoded.kind !== 'handshake-ack') return t.fail();
  t.true(verifyHandshakeAck(decoded, nodeId, ownNonce));
  // replayed on a connection with another nonce
  t.false(verifyHandshakeAck(decoded, nodeId, ownNonce + 1n));
  // a node claiming someone else's id
  t.false(verifyHandshakeAck(decoded, sha256(publicKeyOf(generatePrivateKey())), ownNonce));
  // a signature from another key under our public key
  const forged = { ...decoded, signature: createHandshakeAck(generatePrivateKey(), ownNonce).signature };
  t.false(verifyHandshakeAck(forged, nodeId, ownNonce));
  // an off-curve key is refused, not thrown
  t.false(verifyHandshakeAck({ ...decoded, publicKey: Buffer.concat([Buffer.from([2]), Buffer.alloc(32, 0xff)]) }, nodeId, ownNonce));
  t.is(t.throws(() => decodeMessage(MessageType.HandshakeAck, Buffer.alloc(0)), { instanceOf: WireError })?.code, 'malformed-payload');
});

test('block and transaction payloads that are not canonical objects are malformed', (t) => {
  t.is(t.throws(() => decodeMessage(MessageType.Block, genesis.header.encode()), { instanceOf: WireError })?.code, 'malformed-payload');
  t.is(t.throws(() => decodeMessage(MessageType.Transaction, randomBytes(20)), { instanceOf: WireError })?.code, 'malformed-payload');
  t.is(t.throws(() => decodeMessage(MessageType.Block, Buffer.alloc(0)), { instanceOf: WireError })?.code, 'malformed-payload');
});

test('reject text must be UTF-8 and bounded', (t) => {
  const bad = Buffer.concat([Buffer.from([3, 2, 0xff, 0xfe, 0]), ZERO_HASH]);
  t.regex(t.throws(() => decodeMessage(MessageType.Reject, bad), { instanceOf: WireError })?.message ?? '', /UTF-8/);
  t.throws(() => encodeMessage({ kind: 'reject', messageType: 3, code: 'x'.repeat(65), reason: '', hash: ZERO_HASH }), { instanceOf: RangeError });
  t.throws(() => encodeMessage({ kind: 'reject', messageType: 3, code: 'x', reason: 'y'.repeat(257), hash: ZERO_HASH }), { instanceOf: RangeError });
});

test('encoders refuse values that do not fit their fields', (t) => {
  const base = samples[0] as Extract<WireMessage, { kind: 'handshake' }>;
  t.throws(() => encodeMessage({ ...base, chainWork: 1n << 256n }), { instanceOf: RangeError });
  t.throws(() => encodeMessage({ ...base, chainWork: -1n }), { instanceOf: RangeError });
  t.throws(() => encodeMessage({ ...base, listenPort: 65536 }), { instanceOf: RangeError });
  t.throws(() => encodeMessage({ ...base, genesisHash: Buffer.alloc(31) }), { instanceOf: RangeError });
});
