import test from 'ava';
import fc from 'fast-check';
import { MAGIC, MessageType } from '../../../src/p2p/wire/constants.js';
import { WireError } from '../../../src/p2p/wire/errors.js';
import { FrameDecoder, encodeFrame, type Frame } from '../../../src/p2p/wire/frame.js';
import {
  type WireMessage,
  decodeGetBlocks,
  decodeHeaders,
  decodeInv,
  decodeMessage,
  decodeNotFound,
  decodeGetData,
  encodeMessage,
  encodeMessageFrame,
  messageTypeOf,
} from '../../../src/p2p/wire/messages/index.js';
import { HANDSHAKE_BYTES } from '../../../src/p2p/wire/messages/handshake.js';
import { PUNCH_BYTES } from '../../../src/p2p/wire/messages/traversal.js';
import { DecodeError } from '../../../src/util/errors.js';
import { compactMessageArb, handshakeArb, messageArb, traversalMessageArb } from './message-arbitraries.js';
import { assertSame, bytesArb, decodeOrTyped, mutated, runs, u8Arb, varintBytes } from './fuzz-helpers.js';

const ALL_TYPES = Object.values(MessageType).filter((n) => n !== MessageType.None);
const typeArb = fc.constantFrom(...ALL_TYPES);
const TRAVERSAL_TYPES = [MessageType.DialBack, MessageType.DialBackResult, MessageType.Probe, MessageType.Punch, MessageType.GetPunchCandidates, MessageType.PunchCandidates];

/**
 * A decoded payload re-encodes to the same bytes, with one exception the protocol makes on
 * purpose: a handshake of a version after 2 may carry fields we do not know, which are skipped
 * (docs/protocol.md, "Versions"); it re-encodes to the payload's first HANDSHAKE_BYTES.
 */
function canonical(msg: WireMessage, payload: Buffer): boolean {
  const bytes = encodeMessage(msg);
  if (bytes.equals(payload)) return true;
  return msg.kind === 'handshake' && msg.version > 2 && payload.length > HANDSHAKE_BYTES && payload.subarray(0, HANDSHAKE_BYTES).equals(bytes);
}

test('every message kind: decodeMessage(encodeMessage(m)) equals m', (t) => {
  fc.assert(
    fc.property(messageArb, (msg) => {
      assertSame(decodeMessage(messageTypeOf(msg), encodeMessage(msg)), msg);
    }),
    runs(2),
  );
  t.pass();
});

test('every message type: random payloads decode canonically or throw WireError', (t) => {
  fc.assert(
    fc.property(typeArb, bytesArb(0, 300), (type, payload) => {
      const msg = decodeOrTyped(() => decodeMessage(type, payload), WireError);
      if (msg) t.true(canonical(msg, payload), 'a decoded payload re-encodes to the same bytes');
    }),
    runs(2),
  );
  t.pass();
});

test('every message kind: mutated, truncated and extended payloads decode canonically or throw WireError', (t) => {
  const arb = messageArb.chain((msg) => fc.tuple(fc.constant(messageTypeOf(msg)), mutated(fc.constant(encodeMessage(msg)))));
  fc.assert(
    fc.property(arb, ([type, payload]) => {
      const msg = decodeOrTyped(() => decodeMessage(type, payload), WireError);
      if (msg) t.true(canonical(msg, payload), 'a decoded payload re-encodes to the same bytes');
    }),
    runs(2),
  );
  t.pass();
});

test('a payload of one type decoded as another decodes canonically or throws WireError', (t) => {
  fc.assert(
    fc.property(messageArb, typeArb, (msg, otherType) => {
      const payload = encodeMessage(msg);
      const back = decodeOrTyped(() => decodeMessage(otherType, payload), WireError);
      if (back) t.true(canonical(back, payload));
    }),
    runs(),
  );
  t.pass();
});

/**
 * Round trips of `arb`'s messages (counted by `label`), then mutated, truncated and extended
 * encodings: each decodes to a message that re-encodes to the same bytes, or throws WireError.
 */
function roundTripAndMutants(arb: fc.Arbitrary<WireMessage>, label: (msg: WireMessage) => string): { kinds: Record<string, number>; decodedMutants: number; refusedMutants: number } {
  const kinds: Record<string, number> = {};
  let decodedMutants = 0;
  let refusedMutants = 0;
  fc.assert(
    fc.property(arb, (msg) => {
      kinds[label(msg)] = (kinds[label(msg)] ?? 0) + 1;
      assertSame(decodeMessage(messageTypeOf(msg), encodeMessage(msg)), msg);
    }),
    runs(2),
  );
  const mutants = arb.chain((msg) => fc.tuple(fc.constant(messageTypeOf(msg)), mutated(fc.constant(encodeMessage(msg)))));
  fc.assert(
    fc.property(mutants, ([type, payload]) => {
      const msg = decodeOrTyped(() => decodeMessage(type, payload), WireError);
      if (!msg) return void refusedMutants++;
      decodedMutants++;
      if (!canonical(msg, payload)) throw new Error(`a decoded ${msg.kind} payload does not re-encode to the same bytes`);
    }),
    runs(3),
  );
  return { kinds, decodedMutants, refusedMutants };
}

test('traversal messages (14–19): round trip, and mutated, truncated and extended payloads decode canonically or throw WireError', (t) => {
  const { kinds, decodedMutants, refusedMutants } = roundTripAndMutants(traversalMessageArb, (msg) => (msg.kind === 'punch' ? `punch:${msg.phase}` : msg.kind));
  t.log(`round trips by kind ${JSON.stringify(kinds)}; mutants decoded ${decodedMutants}, refused ${refusedMutants}`);
  t.true(Object.keys(kinds).length >= 9, 'every kind and punch phase was generated');
});

test('compact block messages (20–23): round trip, and mutated, truncated and extended payloads decode canonically or throw WireError', (t) => {
  const { kinds, decodedMutants, refusedMutants } = roundTripAndMutants(compactMessageArb, (msg) => msg.kind);
  t.log(`round trips by kind ${JSON.stringify(kinds)}; mutants decoded ${decodedMutants}, refused ${refusedMutants}`);
  t.is(Object.keys(kinds).length, 4, 'every kind was generated');
  t.true(decodedMutants > 0 && refusedMutants > 0);
});

/** Random payloads of the traversal messages' own sizes (± 1) most of the time, so the field checks are reached. */
const traversalSizedBytes = fc.oneof(
  fc.constantFrom(0, 8, 9, 10, PUNCH_BYTES, 1 + 32, 1 + 16 * 32, 1 + 17 * 32).chain((n) => fc.integer({ min: Math.max(0, n - 1), max: n + 1 })).chain((n) => bytesArb(n, n)),
  bytesArb(0, 600),
);

test('traversal types: random payloads decode canonically or throw WireError', (t) => {
  let decoded = 0;
  fc.assert(
    fc.property(fc.constantFrom(...TRAVERSAL_TYPES), traversalSizedBytes, (type, payload) => {
      const msg = decodeOrTyped(() => decodeMessage(type, payload), WireError);
      if (msg) {
        decoded++;
        t.true(canonical(msg, payload));
      }
    }),
    runs(2),
  );
  t.log(`random payloads that decoded: ${decoded}`);
});

test('handshakes of every version: round trip (observed address from version 2 on), mutants decode canonically or throw WireError', (t) => {
  const versions = { 'v0-1': 0, v2: 0, later: 0 };
  let extrasSkipped = 0;
  fc.assert(
    fc.property(handshakeArb, (msg) => {
      versions[msg.version < 2 ? 'v0-1' : msg.version === 2 ? 'v2' : 'later']++;
      const payload = encodeMessage(msg);
      t.is(payload.length, msg.version < 2 ? HANDSHAKE_BYTES - 18 : HANDSHAKE_BYTES);
      assertSame(decodeMessage(MessageType.Handshake, payload), msg);
    }),
    runs(2),
  );
  fc.assert(
    fc.property(handshakeArb.chain((msg) => mutated(fc.constant(encodeMessage(msg)))), (payload) => {
      const msg = decodeOrTyped(() => decodeMessage(MessageType.Handshake, payload), WireError);
      if (msg && !encodeMessage(msg).equals(payload)) extrasSkipped++;
      if (msg) t.true(canonical(msg, payload));
    }),
    runs(2),
  );
  t.log(`handshakes by version ${JSON.stringify(versions)}; mutants of a later version whose extra bytes were skipped: ${extrasSkipped}`);
  t.true(versions['v0-1'] > 0 && versions.v2 > 0 && versions.later > 0);
});

test('unknown frame types are refused with WireError', (t) => {
  fc.assert(
    fc.property(u8Arb.filter((n) => !ALL_TYPES.includes(n as never)), bytesArb(0, 40), (type, payload) => {
      t.throws(() => decodeMessage(type, payload), { instanceOf: WireError });
    }),
    runs(0.5),
  );
});

/** Splits a buffer at random cut points (empty chunks included: a zero-length read must be harmless). */
function chunked(bytes: Buffer): fc.Arbitrary<Buffer[]> {
  return fc.array(fc.nat(bytes.length), { maxLength: 12 }).map((cuts) => {
    const points = [0, ...cuts.sort((a, b) => a - b), bytes.length];
    const chunks: Buffer[] = [];
    for (let i = 1; i < points.length; i++) chunks.push(bytes.subarray(points[i - 1], points[i]));
    return chunks;
  });
}

function feed(decoder: FrameDecoder, chunks: readonly Buffer[]): Frame[] {
  const frames: Frame[] = [];
  for (const chunk of chunks) frames.push(...decoder.push(chunk));
  return frames;
}

test('frame decoder: any chunking of a valid frame stream yields the same frames and messages', (t) => {
  const streamArb = fc.array(messageArb, { minLength: 1, maxLength: 4 }).chain((msgs) => {
    const stream = Buffer.concat(msgs.map((m) => encodeMessageFrame(m)));
    return fc.tuple(fc.constant(msgs), chunked(stream));
  });
  fc.assert(
    fc.property(streamArb, ([msgs, chunks]) => {
      const decoder = new FrameDecoder();
      const frames = feed(decoder, chunks);
      t.is(frames.length, msgs.length);
      frames.forEach((frame, i) => {
        t.is(frame.type, messageTypeOf(msgs[i]!));
        t.true(frame.payload.equals(encodeMessage(msgs[i]!)));
        assertSame(decodeMessage(frame.type, frame.payload), msgs[i]);
      });
      t.false(decoder.hasPartialFrame);
      t.is(decoder.bufferedBytes, 0);
    }),
    runs(),
  );
});

test('frame decoder: garbage that does not start with the magic throws WireError', (t) => {
  fc.assert(
    fc.property(bytesArb(1, 200).filter((b) => b[0] !== MAGIC[0]), (garbage) => {
      const decoder = new FrameDecoder();
      t.throws(() => decoder.push(garbage), { instanceOf: WireError });
      // stays failed: the connection must be dropped
      t.throws(() => decoder.push(encodeFrame(MessageType.Ping, Buffer.alloc(44))), { instanceOf: WireError });
    }),
    runs(),
  );
});

test('frame decoder: random bytes in random chunks yield frames or throw WireError, nothing else', (t) => {
  // half the streams start with the magic, so the type, length and checksum checks are reached too
  const streamArb = fc.tuple(fc.boolean(), bytesArb(0, 200)).map(([magic, rest]) => (magic ? Buffer.concat([MAGIC, rest]) : rest)).chain(chunked);
  fc.assert(
    fc.property(streamArb, (chunks) => {
      decodeOrTyped(() => feed(new FrameDecoder(), chunks), WireError);
    }),
    runs(),
  );
  t.pass();
});

test('frame decoder: mutated frame streams yield frames whose payloads decode or throw WireError', (t) => {
  const streamArb = fc
    .array(messageArb, { minLength: 1, maxLength: 3 })
    .map((msgs) => Buffer.concat(msgs.map((m) => encodeMessageFrame(m))))
    .chain((stream) => mutated(fc.constant(stream)))
    .chain(chunked);
  fc.assert(
    fc.property(streamArb, (chunks) => {
      const frames = decodeOrTyped(() => feed(new FrameDecoder({ maxPayloadBytes: 64 * 1024 }), chunks), WireError) ?? [];
      for (const frame of frames) decodeOrTyped(() => decodeMessage(frame.type, frame.payload), WireError);
    }),
    runs(),
  );
  t.pass();
});

test('frame decoder: an announced length over the limit is refused after the header, before the payload arrives', (t) => {
  fc.assert(
    fc.property(typeArb, fc.integer({ min: 1025, max: 0xffff_ffff }), (type, length) => {
      const header = Buffer.alloc(13);
      MAGIC.copy(header, 0);
      header.writeUInt8(type, 4);
      header.writeUInt32LE(length, 5);
      const decoder = new FrameDecoder({ maxPayloadBytes: 1024 });
      t.throws(() => decoder.push(header.subarray(0, 9)), { instanceOf: WireError, message: /more than the 1024 allowed/ });
    }),
    runs(0.5),
  );
});

/** Counts no payload of this size could hold, each followed by a few bytes. */
const hugeCount = fc.tuple(fc.integer({ min: 2_000, max: Number.MAX_SAFE_INTEGER }), bytesArb(0, 8));

for (const [name, decode] of [
  ['inv', decodeInv],
  ['get-data', decodeGetData],
  ['not-found', decodeNotFound],
  ['get-blocks', decodeGetBlocks],
  ['headers', decodeHeaders],
] as const) {
  test(`${name}: an item count larger than the payload is refused at once with DecodeError`, (t) => {
    fc.assert(
      fc.property(hugeCount, ([count, tail]) => {
        const start = performance.now();
        t.throws(() => decode(Buffer.concat([varintBytes(count), tail])), { instanceOf: DecodeError, message: /count/ });
        t.true(performance.now() - start < 100);
      }),
      runs(0.5),
    );
  });
}

test('regression: reject texts starting with U+FEFF (a BOM) keep it through decode', (t) => {
  const msg: WireMessage = { kind: 'reject', messageType: 3, code: '\uFEFF', reason: '\uFEFFbad tx', hash: Buffer.alloc(32) };
  assertSame(decodeMessage(MessageType.Reject, encodeMessage(msg)), msg);
  t.pass();
});
