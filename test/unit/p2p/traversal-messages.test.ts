/**
 * Wire protocol version 2: the handshake's observed address and the NAT traversal messages
 * (14–19), byte for byte as docs/protocol.md lays them out, and every way a payload can be wrong.
 */
import test, { type ExecutionContext } from 'ava';
import { MAX_HANDSHAKE_BYTES } from '../../../src/p2p/wire/messages/handshake.js';
import { randomBytes } from 'node:crypto';
import { handshakeIncompatibility } from '../../../src/p2p/handshake.js';
import { MAX_PUNCH_CANDIDATES, MIN_PROTOCOL_VERSION, MessageType, PROTOCOL_VERSION } from '../../../src/p2p/wire/constants.js';
import { WireError } from '../../../src/p2p/wire/errors.js';
import { HANDSHAKE_BYTES, HANDSHAKE_V1_BYTES, type HandshakeMessage, decodeHandshake } from '../../../src/p2p/wire/messages/handshake.js';
import { type WireMessage, decodeMessage, encodeMessage, messageTypeOf } from '../../../src/p2p/wire/messages/index.js';
import {
  DIAL_BACK_BYTES,
  DIAL_BACK_RESULT_BYTES,
  DIAL_BACK_STATUSES,
  PROBE_BYTES,
  PUNCH_BYTES,
  PUNCH_PHASES,
  PUNCH_REASONS,
  type PunchMessage,
} from '../../../src/p2p/wire/messages/traversal.js';
import { ZERO_HASH } from '../../../src/primitives/hash.js';
import { DecodeError } from '../../../src/util/errors.js';

const id = (): Buffer => randomBytes(32);
const MAPPED = '00000000000000000000ffff';

/** decodeMessage's refusal: a WireError 'malformed-payload' wrapping the decoder's DecodeError; returns its message. */
function malformed(t: ExecutionContext, type: number, payload: Buffer): string {
  const err = t.throws(() => decodeMessage(type, payload), { instanceOf: WireError });
  t.is(err?.code, 'malformed-payload');
  t.true(err?.cause instanceof DecodeError);
  return err?.message ?? '';
}

function roundTrip(msg: WireMessage): Buffer {
  const payload = encodeMessage(msg);
  const back = decodeMessage(messageTypeOf(msg), payload);
  if (JSON.stringify(plain(back)) !== JSON.stringify(plain(msg))) throw new Error(`round trip changed ${JSON.stringify(plain(msg))} into ${JSON.stringify(plain(back))}`);
  if (!encodeMessage(back).equals(payload)) throw new Error('not canonical');
  return payload;
}

function plain(x: unknown): unknown {
  if (Buffer.isBuffer(x)) return x.toString('hex');
  if (typeof x === 'bigint') return `${x}n`;
  if (Array.isArray(x)) return x.map(plain);
  if (x !== null && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, plain(v)]));
  return x;
}

const punch = (fields: Partial<PunchMessage> = {}): PunchMessage => ({
  kind: 'punch',
  hop: 'to-relay',
  phase: 'connect',
  reason: 'none',
  attemptId: 0x0102030405060708n,
  nodeId: Buffer.alloc(32, 0xab),
  ip: '198.51.100.9',
  port: 40001,
  ...fields,
});

test('frame type numbers 14–19', (t) => {
  t.deepEqual(
    (['dial-back', 'dial-back-result', 'probe', 'punch', 'get-punch-candidates', 'punch-candidates'] as const).map((kind) => MessageType[({ 'dial-back': 'DialBack', 'dial-back-result': 'DialBackResult', probe: 'Probe', punch: 'Punch', 'get-punch-candidates': 'GetPunchCandidates', 'punch-candidates': 'PunchCandidates' } as const)[kind]]),
    [14, 15, 16, 17, 18, 19],
  );
  t.is(messageTypeOf({ kind: 'get-punch-candidates' }), 18);
  t.is(PROTOCOL_VERSION, 3, 'version 3 added compact blocks (20–23); 14–19 are there since 2');
  t.is(MIN_PROTOCOL_VERSION, 2);
});

test('dial-back: nonce u64 LE | port u16 LE, 10 bytes', (t) => {
  const payload = roundTrip({ kind: 'dial-back', nonce: 0x1122334455667788n, port: 0xbeef });
  t.is(payload.length, DIAL_BACK_BYTES);
  t.is(payload.length, 10);
  t.is(payload.toString('hex'), '8877665544332211efbe');
  roundTrip({ kind: 'dial-back', nonce: 0n, port: 0 }); // port 0 decodes: refusing it (bad-port) is the server's rule, not the codec's
  roundTrip({ kind: 'dial-back', nonce: (1n << 64n) - 1n, port: 65535 });
  t.throws(() => encodeMessage({ kind: 'dial-back', nonce: 1n, port: 65536 }), { instanceOf: RangeError });
  malformed(t, MessageType.DialBack, payload.subarray(0, 9));
  malformed(t, MessageType.DialBack, Buffer.concat([payload, Buffer.from([0])]));
  malformed(t, MessageType.DialBack, Buffer.alloc(0));
});

test('dial-back-result: nonce u64 LE | status u8, 9 bytes, every status; status 4 and 255 are refused', (t) => {
  t.deepEqual([...DIAL_BACK_STATUSES], ['connected', 'connect-failed', 'refused', 'bad-port']);
  DIAL_BACK_STATUSES.forEach((status, index) => {
    const payload = roundTrip({ kind: 'dial-back-result', nonce: 42n, status });
    t.is(payload.length, DIAL_BACK_RESULT_BYTES);
    t.is(payload.length, 9);
    t.is(payload.readBigUInt64LE(0), 42n);
    t.is(payload[8], index);
  });
  const bad = Buffer.alloc(9);
  for (const status of [DIAL_BACK_STATUSES.length, 255]) {
    bad[8] = status;
    t.regex(malformed(t, MessageType.DialBackResult, bad), new RegExp(`dial-back status ${status} is not one of 0–3`));
  }
  malformed(t, MessageType.DialBackResult, Buffer.alloc(8));
  malformed(t, MessageType.DialBackResult, Buffer.alloc(10));
  t.throws(() => encodeMessage({ kind: 'dial-back-result', nonce: 1n, status: 'maybe' as never }), { instanceOf: RangeError });
});

test('probe: nonce u64 LE, 8 bytes', (t) => {
  const payload = roundTrip({ kind: 'probe', nonce: 0xdeadbeefcafef00dn });
  t.is(payload.length, PROBE_BYTES);
  t.is(payload.length, 8);
  t.is(payload.readBigUInt64LE(0), 0xdeadbeefcafef00dn);
  malformed(t, MessageType.Probe, payload.subarray(0, 7));
  malformed(t, MessageType.Probe, Buffer.concat([payload, Buffer.from([1])]));
});

test('punch: hop u8 | phase u8 | reason u8 | attemptId u64 LE | nodeId[32] | ip[16] | port u16 LE, 61 bytes', (t) => {
  const payload = roundTrip(punch({ hop: 'from-relay', phase: 'accept', reason: 'busy' }));
  t.is(payload.length, PUNCH_BYTES);
  t.is(payload.length, 61);
  t.is(payload[0], 1); // from-relay
  t.is(payload[1], 1); // accept
  t.is(payload[2], 3); // busy
  t.is(payload.readBigUInt64LE(3), 0x0102030405060708n);
  t.true(payload.subarray(11, 43).equals(Buffer.alloc(32, 0xab)));
  t.is(payload.subarray(43, 59).toString('hex'), `${MAPPED}c6336409`); // 198.51.100.9, IPv4-mapped
  t.is(payload.readUInt16LE(59), 40001);
  t.is(encodeMessage(punch({ hop: 'to-relay' }))[0], 0);
});

test('punch: every phase with every reason round-trips', (t) => {
  t.deepEqual([...PUNCH_PHASES], ['connect', 'accept', 'sync', 'refuse']);
  t.is(PUNCH_REASONS.length, 8);
  let n = 0;
  PUNCH_PHASES.forEach((phase, p) =>
    PUNCH_REASONS.forEach((reason, r) => {
      const payload = roundTrip(punch({ phase, reason, attemptId: BigInt(n) }));
      t.deepEqual([payload[1], payload[2]], [p, r]);
      n++;
    }),
  );
  t.log(`${n} phase × reason pairs`);
  t.is(n, 32);
});

test('punch: a phase or reason byte out of range, a wrong length, and values the encoder cannot write are refused', (t) => {
  const good = encodeMessage(punch());
  for (const hop of [2, 0xff]) {
    const bad = Buffer.from(good);
    bad[0] = hop;
    t.regex(malformed(t, MessageType.Punch, bad), new RegExp(`punch hop ${hop} is not one of 0–1`));
  }
  for (const phase of [PUNCH_PHASES.length, 0x80, 0xff]) {
    const bad = Buffer.from(good);
    bad[1] = phase;
    t.regex(malformed(t, MessageType.Punch, bad), new RegExp(`punch phase ${phase} is not one of 0–3`));
  }
  for (const reason of [PUNCH_REASONS.length, 0xff]) {
    const bad = Buffer.from(good);
    bad[2] = reason;
    t.regex(malformed(t, MessageType.Punch, bad), new RegExp(`punch reason ${reason} is not one of 0–7`));
  }
  malformed(t, MessageType.Punch, good.subarray(0, 60));
  malformed(t, MessageType.Punch, good.subarray(0, 43)); // no ip, no port
  malformed(t, MessageType.Punch, Buffer.concat([good, Buffer.from([0])]));
  t.throws(() => encodeMessage(punch({ phase: 'dance' as never })), { instanceOf: RangeError });
  t.throws(() => encodeMessage(punch({ reason: 'bored' as never })), { instanceOf: RangeError });
  t.throws(() => encodeMessage(punch({ nodeId: Buffer.alloc(31) })), { instanceOf: RangeError });
  t.throws(() => encodeMessage(punch({ ip: 'example.com' })), { instanceOf: RangeError });
  t.throws(() => encodeMessage(punch({ ip: 'fe80::1%eth0' })), { instanceOf: RangeError });
  t.throws(() => encodeMessage(punch({ port: -1 })), { instanceOf: RangeError });
});

test('the 16-byte ip field: IPv4 travels IPv4-mapped and comes back as IPv4; IPv6 comes back as RFC 5952 text', (t) => {
  const ipField = (ip: string): string => encodeMessage(punch({ ip })).subarray(43, 59).toString('hex');
  const decodedIp = (ip: string): string => (decodeMessage(MessageType.Punch, encodeMessage(punch({ ip }))) as PunchMessage).ip;
  t.is(ipField('10.0.0.1'), `${MAPPED}0a000001`);
  t.is(decodedIp('10.0.0.1'), '10.0.0.1');
  // the mapped text form is the same 16 bytes, so it decodes as the plain IPv4 a socket normalises to
  t.is(ipField('::ffff:10.0.0.1'), ipField('10.0.0.1'));
  t.is(decodedIp('::ffff:10.0.0.1'), '10.0.0.1');
  t.is(decodedIp('::ffff:a00:1'), '10.0.0.1');
  // IPv6, including the ones that look like IPv4 but are not mapped
  t.is(ipField('2001:db8::1'), '20010db8000000000000000000000001');
  t.is(decodedIp('2001:db8::1'), '2001:db8::1');
  t.is(decodedIp('2001:0db8:0000:0000:0000:0000:0000:0001'), '2001:db8::1');
  t.is(decodedIp('::'), '::');
  t.is(decodedIp('::1'), '::1');
  t.is(decodedIp('::102:304'), '::102:304'); // IPv4-compatible (deprecated), not mapped: stays IPv6
  t.is(decodedIp('0:0:0:0:0:fffe:102:304'), '::fffe:102:304'); // one bit off the mapped prefix
  t.is(decodedIp('0.0.0.0'), '0.0.0.0');
  // "send ::" is how a punch to the relay says the ip is ignored
  t.is(ipField('::'), '00'.repeat(16));
});

test('get-punch-candidates: an empty payload; any byte in it is refused', (t) => {
  t.is(roundTrip({ kind: 'get-punch-candidates' }).length, 0);
  malformed(t, MessageType.GetPunchCandidates, Buffer.from([0]));
});

test('punch-candidates: count u8 | nodeId[32] × count, 0 to 16 ids; 17 is refused both ways', (t) => {
  t.is(MAX_PUNCH_CANDIDATES, 16);
  for (let count = 0; count <= MAX_PUNCH_CANDIDATES; count++) {
    const nodeIds = Array.from({ length: count }, id);
    const payload = roundTrip({ kind: 'punch-candidates', nodeIds });
    t.is(payload.length, 1 + 32 * count);
    t.is(payload[0], count);
    if (count > 0) t.true(payload.subarray(1 + 32 * (count - 1)).equals(nodeIds[count - 1]!));
  }
  const seventeen = Array.from({ length: 17 }, id);
  t.throws(() => encodeMessage({ kind: 'punch-candidates', nodeIds: seventeen }), { instanceOf: RangeError, message: /at most 16/ });
  t.regex(malformed(t, MessageType.PunchCandidates, Buffer.concat([Buffer.from([17]), ...seventeen])), /17 punch candidates, more than the 16 allowed/);
  t.regex(malformed(t, MessageType.PunchCandidates, Buffer.from([0xff])), /255 punch candidates/);
  // counts that do not match the ids that follow
  malformed(t, MessageType.PunchCandidates, Buffer.concat([Buffer.from([2]), id()]));
  malformed(t, MessageType.PunchCandidates, Buffer.concat([Buffer.from([1]), id(), id()]));
  malformed(t, MessageType.PunchCandidates, Buffer.concat([Buffer.from([1]), id().subarray(0, 31)]));
  malformed(t, MessageType.PunchCandidates, Buffer.alloc(0));
});

const handshake = (fields: Partial<HandshakeMessage> = {}): HandshakeMessage => ({
  kind: 'handshake',
  version: 2,
  genesisHash: ZERO_HASH,
  bestHeight: 0,
  chainWork: 0n,
  nodeId: Buffer.alloc(32, 7),
  listenPort: 9000,
  nonce: 99n,
  observed: { ip: '192.0.2.33', port: 61000 },
  ...fields,
});
const EMPTY_CHAIN = { genesisHash: ZERO_HASH, bestHeight: 0, chainWork: 0n };

test('a version-1 handshake (114 bytes) decodes without observed, and is refused as incompatible-version with a reason that says why', (t) => {
  const { observed: _unused, ...v1 } = handshake({ version: 1 });
  const payload = encodeMessage(v1);
  t.is(payload.length, 114);
  t.is(payload.length, HANDSHAKE_V1_BYTES);
  const decoded = decodeHandshake(payload);
  t.is(decoded.version, 1);
  t.is(decoded.observed, undefined);
  t.false('observed' in decoded);
  t.is(decoded.listenPort, 9000);
  const refusal = handshakeIncompatibility(decoded, EMPTY_CHAIN);
  t.is(refusal?.code, 'incompatible-version');
  t.is(refusal?.reason, 'peer speaks protocol version 1, we need at least 2');
  // the version-1 encoder leaves the observed address out even when given one
  t.is(encodeMessage(handshake({ version: 1 })).length, 114);
  // a version 1 followed by an observed address is malformed: version 1 is exactly 114 bytes
  malformed(t, MessageType.Handshake, Buffer.concat([payload, encodeMessage(handshake()).subarray(114)]));
});

test('a version-2 handshake is 132 bytes and needs the observed address; without it, or with part of it, it is a DecodeError', (t) => {
  const payload = roundTrip(handshake());
  t.is(payload.length, 132);
  t.is(HANDSHAKE_BYTES, 132);
  t.is(handshakeIncompatibility(decodeHandshake(payload), EMPTY_CHAIN), undefined);
  const v2WithoutObserved = payload.subarray(0, 114);
  t.regex(malformed(t, MessageType.Handshake, v2WithoutObserved), /observed address/);
  t.throws(() => decodeHandshake(v2WithoutObserved), { instanceOf: DecodeError });
  malformed(t, MessageType.Handshake, payload.subarray(0, 130)); // the ip but not the port
  malformed(t, MessageType.Handshake, payload.subarray(0, 131));
  malformed(t, MessageType.Handshake, Buffer.concat([payload, Buffer.from([0])])); // version 2 is exactly 132 bytes
  t.throws(() => encodeMessage({ ...handshake(), observed: undefined }), { instanceOf: RangeError, message: /needs the observed address/ });
  // IPv6 observed address
  const v6 = decodeHandshake(roundTrip(handshake({ observed: { ip: '2001:db8:85a3::8a2e:370:7334', port: 1 } })));
  t.deepEqual(v6.observed, { ip: '2001:db8:85a3::8a2e:370:7334', port: 1 });
});

test('a version-3 handshake with extra trailing bytes decodes (forward compatible); it still needs the observed address', (t) => {
  const v3 = encodeMessage(handshake({ version: 3 }));
  t.is(v3.length, 132);
  const extended = Buffer.concat([v3, Buffer.from('a later version field', 'utf8')]);
  const decoded = decodeHandshake(extended);
  t.is(decoded.version, 3);
  t.deepEqual(decoded.observed, { ip: '192.0.2.33', port: 61000 });
  t.is(decoded.nonce, 99n);
  t.is(decodeMessage(MessageType.Handshake, extended).kind, 'handshake');
  t.is(handshakeIncompatibility(decoded, EMPTY_CHAIN), undefined, 'a later version is spoken to in version 2');
  malformed(t, MessageType.Handshake, v3.subarray(0, 120));
  const big = decodeHandshake(Buffer.concat([encodeMessage(handshake({ version: 0xffff_ffff })), Buffer.alloc(MAX_HANDSHAKE_BYTES - 132, 0xee)]));
  t.is(big.version, 0xffff_ffff, 'extra fields up to MAX_HANDSHAKE_BYTES in all are skipped');
  const huge = Buffer.concat([encodeMessage(handshake({ version: 3 })), Buffer.alloc(MAX_HANDSHAKE_BYTES - 131, 0xee)]);
  t.regex(malformed(t, MessageType.Handshake, huge), /more than the 1024 allowed/, 'one byte more is refused before it is read');
});
