import test from 'ava';
import { hash256 } from '../../../src/primitives/hash.js';
import { FRAME_HEADER_BYTES, FRAME_SPLIT_MIN_PAYLOAD_BYTES, MAGIC, MAX_PAYLOAD_BYTES, MessageType } from '../../../src/p2p/wire/constants.js';
import { WireError } from '../../../src/p2p/wire/errors.js';
import { type Frame, FrameDecoder, encodeFrame, encodeFrameHeader } from '../../../src/p2p/wire/frame.js';
import { encodeMessageFrameParts } from '../../../src/p2p/wire/messages/index.js';

function payloadOf(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

function sameFrames(t: import('ava').ExecutionContext, actual: Frame[], expected: { type: number; payload: Buffer }[]): void {
  t.is(actual.length, expected.length);
  expected.forEach((e, i) => {
    t.is(actual[i].type, e.type, `frame ${i} type`);
    t.true(actual[i].payload.equals(e.payload), `frame ${i} payload`);
  });
}

function headerWith(type: number, length: number, payload = Buffer.alloc(0)): Buffer {
  const h = Buffer.alloc(FRAME_HEADER_BYTES);
  MAGIC.copy(h, 0);
  h.writeUInt8(type, 4);
  h.writeUInt32LE(length, 5);
  hash256(payload).copy(h, 9, 0, 4);
  return h;
}

test('encodeFrame lays out magic, type, LE length, checksum, payload', (t) => {
  const payload = Buffer.from('hello');
  const frame = encodeFrame(MessageType.Ping, payload);
  t.true(frame.subarray(0, 4).equals(MAGIC));
  t.is(frame[4], MessageType.Ping);
  t.is(frame.readUInt32LE(5), 5);
  t.true(frame.subarray(9, 13).equals(hash256(payload).subarray(0, 4)));
  t.true(frame.subarray(13).equals(payload));
});

test('encodeFrame refuses unknown types and oversize payloads', (t) => {
  t.throws(() => encodeFrame(0, Buffer.alloc(0)), { instanceOf: RangeError });
  t.throws(() => encodeFrame(200, Buffer.alloc(0)), { instanceOf: RangeError });
  t.throws(() => encodeFrame(MessageType.Block, Buffer.alloc(11), 10), { instanceOf: RangeError });
});

test('encodeMessageFrameParts: a small payload is one frame buffer; from FRAME_SPLIT_MIN_PAYLOAD_BYTES on, header + the payload itself, the same bytes', (t) => {
  const small = encodeMessageFrameParts({ kind: 'block', encoded: payloadOf(FRAME_SPLIT_MIN_PAYLOAD_BYTES - 1, 7) });
  t.is(small.length, 1);
  t.true(small[0].equals(encodeFrame(MessageType.Block, payloadOf(FRAME_SPLIT_MIN_PAYLOAD_BYTES - 1, 7))));
  const encoded = payloadOf(FRAME_SPLIT_MIN_PAYLOAD_BYTES, 8);
  const parts = encodeMessageFrameParts({ kind: 'block', encoded });
  t.is(parts.length, 2);
  t.is(parts[1], encoded, 'the stored bytes go out as they are, not copied');
  t.true(Buffer.concat(parts).equals(encodeFrame(MessageType.Block, encoded)));
  t.true(encodeFrameHeader(MessageType.Block, encoded).equals(encodeFrame(MessageType.Block, encoded).subarray(0, FRAME_HEADER_BYTES)));
  t.throws(() => encodeFrameHeader(200, encoded), { instanceOf: RangeError });
  t.throws(() => encodeFrameHeader(MessageType.Block, encoded, FRAME_SPLIT_MIN_PAYLOAD_BYTES - 1), { instanceOf: RangeError });
});

test('round trip of one frame, including an empty payload', (t) => {
  const decoder = new FrameDecoder();
  const frames = decoder.push(Buffer.concat([encodeFrame(MessageType.HandshakeAck, Buffer.alloc(0)), encodeFrame(MessageType.Inv, payloadOf(100, 1))]));
  sameFrames(t, frames, [
    { type: MessageType.HandshakeAck, payload: Buffer.alloc(0) },
    { type: MessageType.Inv, payload: payloadOf(100, 1) },
  ]);
  t.is(decoder.bufferedBytes, 0);
});

test('a stream fed one byte at a time yields every frame once, in order', (t) => {
  const expected = [
    { type: MessageType.Handshake, payload: payloadOf(132, 2) },
    { type: MessageType.Ping, payload: payloadOf(44, 3) },
    { type: MessageType.Block, payload: payloadOf(5000, 4) },
  ];
  const stream = Buffer.concat(expected.map((f) => encodeFrame(f.type, f.payload)));
  const decoder = new FrameDecoder();
  const frames: Frame[] = [];
  for (let i = 0; i < stream.length; i++) frames.push(...decoder.push(stream.subarray(i, i + 1)));
  sameFrames(t, frames, expected);
  t.is(decoder.bufferedBytes, 0);
});

test('many frames packed in one chunk all come out of one push', (t) => {
  const expected = Array.from({ length: 500 }, (_, i) => ({ type: i % 2 ? MessageType.Transaction : MessageType.Inv, payload: payloadOf(i % 37, i) }));
  const decoder = new FrameDecoder();
  const frames = decoder.push(Buffer.concat(expected.map((f) => encodeFrame(f.type, f.payload))));
  sameFrames(t, frames, expected);
});

test('two frames split at every possible offset decode identically', (t) => {
  const expected = [
    { type: MessageType.GetData, payload: payloadOf(40, 5) },
    { type: MessageType.Pong, payload: payloadOf(44, 6) },
  ];
  const stream = Buffer.concat(expected.map((f) => encodeFrame(f.type, f.payload)));
  for (let cut = 0; cut <= stream.length; cut++) {
    for (const second of [stream.length, Math.min(stream.length, cut + 7)]) {
      const decoder = new FrameDecoder();
      const frames = [...decoder.push(stream.subarray(0, cut)), ...decoder.push(stream.subarray(cut, second)), ...decoder.push(stream.subarray(second))];
      t.is(frames.length, 2, `cut at ${cut}/${second}`);
      sameFrames(t, frames, expected);
    }
  }
});

test('a large frame in many small chunks decodes in linear time', (t) => {
  const payload = payloadOf(MAX_PAYLOAD_BYTES, 9);
  const stream = encodeFrame(MessageType.Block, payload);
  const decoder = new FrameDecoder();
  const frames: Frame[] = [];
  const started = process.hrtime.bigint();
  for (let i = 0; i < stream.length; i += 64) frames.push(...decoder.push(stream.subarray(i, i + 64)));
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  t.is(frames.length, 1);
  t.true(frames[0].payload.equals(payload));
  // 65,537 chunks: a quadratic decoder copies ~140 GB here; linear takes well under a second
  t.true(elapsedMs < 5_000, `took ${elapsedMs} ms`);
});

test('an oversize length is rejected from the header alone, before any payload arrives', (t) => {
  const decoder = new FrameDecoder();
  const header = headerWith(MessageType.Block, MAX_PAYLOAD_BYTES + 1);
  // the first 9 bytes (magic, type, length) are enough to refuse
  const err = t.throws(() => decoder.push(header.subarray(0, 9)), { instanceOf: WireError });
  t.is(err?.code, 'oversize');
  t.is(decoder.bufferedBytes, 0);
  // the decoder stays failed
  t.is(t.throws(() => decoder.push(Buffer.alloc(1)), { instanceOf: WireError })?.code, 'oversize');
});

test('a length at exactly the cap is accepted', (t) => {
  const decoder = new FrameDecoder({ maxPayloadBytes: 16 });
  const frames = decoder.push(encodeFrame(MessageType.Inv, payloadOf(16, 1), 16));
  t.is(frames.length, 1);
  t.is(t.throws(() => new FrameDecoder({ maxPayloadBytes: 16 }).push(headerWith(MessageType.Inv, 17)), { instanceOf: WireError })?.code, 'oversize');
});

test('the limit is settable: nextFrame() hands out one frame before the next header is checked, so a limit raised in between applies to it', (t) => {
  const small = encodeFrame(MessageType.HandshakeAck, payloadOf(97, 1));
  const big = encodeFrame(MessageType.Block, payloadOf(100_000, 2));
  const decoder = new FrameDecoder({ maxPayloadBytes: 1_024 });
  t.is(decoder.maxPayloadBytes, 1_024);
  decoder.feed(Buffer.concat([small, big])); // both in one chunk, as a session's first frame may follow the ack that opens it
  const first = decoder.nextFrame();
  t.is(first?.type, MessageType.HandshakeAck);
  decoder.maxPayloadBytes = MAX_PAYLOAD_BYTES;
  const second = decoder.nextFrame();
  t.is(second?.type, MessageType.Block);
  t.true(second?.payload.equals(payloadOf(100_000, 2)));
  t.is(decoder.nextFrame(), undefined);
  t.is(decoder.bufferedBytes, 0);

  // push() decodes the whole chunk at once: the 1 KiB limit still holds for the big frame
  const batch = new FrameDecoder({ maxPayloadBytes: 1_024 });
  const err = t.throws(() => batch.push(Buffer.concat([small, big])), { instanceOf: WireError });
  t.is(err?.code, 'oversize');
  t.log(err?.message);
  t.is(t.throws(() => batch.nextFrame(), { instanceOf: WireError })?.code, 'oversize', 'a failed decoder stays failed');
  t.is(t.throws(() => batch.feed(small), { instanceOf: WireError })?.code, 'oversize');
});

test('a lowered limit refuses the next header; bad limits are refused', (t) => {
  const decoder = new FrameDecoder();
  decoder.maxPayloadBytes = 16;
  t.is(t.throws(() => decoder.push(headerWith(MessageType.Inv, 17).subarray(0, 9)), { instanceOf: WireError })?.code, 'oversize');
  for (const bad of [-1, 1.5, Number.NaN, 2 ** 32]) {
    t.throws(() => new FrameDecoder({ maxPayloadBytes: bad }), { instanceOf: RangeError });
    t.throws(() => {
      new FrameDecoder().maxPayloadBytes = bad;
    }, { instanceOf: RangeError });
  }
});

test('bad magic is rejected as soon as the first differing byte arrives', (t) => {
  const decoder = new FrameDecoder();
  t.deepEqual(decoder.push(MAGIC.subarray(0, 2)), []);
  const err = t.throws(() => decoder.push(Buffer.from([0x00])), { instanceOf: WireError });
  t.is(err?.code, 'bad-magic');
  const http = Buffer.from('GET / HTTP/1.1\r\n\r\n');
  t.is(t.throws(() => new FrameDecoder().push(http), { instanceOf: WireError })?.code, 'bad-magic');
});

test('bad magic after a valid frame is still caught', (t) => {
  const decoder = new FrameDecoder();
  const good = encodeFrame(MessageType.Ping, payloadOf(44, 1));
  t.is(t.throws(() => decoder.push(Buffer.concat([good, Buffer.from('junkjunkjunkjunk')])), { instanceOf: WireError })?.code, 'bad-magic');
});

test('a corrupted payload fails the checksum', (t) => {
  const frame = encodeFrame(MessageType.Transaction, payloadOf(200, 3));
  frame[FRAME_HEADER_BYTES + 100] ^= 0x01;
  t.is(t.throws(() => new FrameDecoder().push(frame), { instanceOf: WireError })?.code, 'bad-checksum');
  const badSum = encodeFrame(MessageType.Transaction, payloadOf(200, 3));
  badSum[10] ^= 0xff;
  t.is(t.throws(() => new FrameDecoder().push(badSum), { instanceOf: WireError })?.code, 'bad-checksum');
});

test('unknown and reserved types are rejected after five bytes', (t) => {
  for (const type of [0, 24, 255]) {
    const decoder = new FrameDecoder();
    const err = t.throws(() => decoder.push(headerWith(type, 0).subarray(0, 5)), { instanceOf: WireError });
    t.is(err?.code, 'unknown-type', `type ${type}`);
  }
});

test('Uint8Array chunks are accepted', (t) => {
  const frame = encodeFrame(MessageType.Ping, payloadOf(44, 1));
  const frames = new FrameDecoder().push(new Uint8Array(frame));
  t.is(frames.length, 1);
  t.true(frames[0].payload.equals(payloadOf(44, 1)));
});

test('hasPartialFrame is true from a frame\'s first byte until its last, and false between frames', (t) => {
  const a = encodeFrame(MessageType.Ping, payloadOf(44, 1));
  const b = encodeFrame(MessageType.Inv, payloadOf(100, 2));
  const decoder = new FrameDecoder();
  t.false(decoder.hasPartialFrame, 'nothing received yet');
  t.is(decoder.push(a.subarray(0, 1)).length, 0);
  t.true(decoder.hasPartialFrame, 'one byte of the magic');
  t.is(decoder.push(a.subarray(1, FRAME_HEADER_BYTES)).length, 0);
  t.true(decoder.hasPartialFrame, 'the whole header, no payload yet');
  t.is(decoder.push(a.subarray(FRAME_HEADER_BYTES, a.length - 1)).length, 0);
  t.true(decoder.hasPartialFrame, 'all but the last payload byte');
  t.is(decoder.push(a.subarray(a.length - 1)).length, 1);
  t.false(decoder.hasPartialFrame, 'frame complete');
  // one chunk that completes nothing partial but starts the next frame
  t.is(decoder.push(Buffer.concat([b, a.subarray(0, 5)])).length, 1);
  t.true(decoder.hasPartialFrame, 'the next frame has begun');
  t.is(decoder.push(a.subarray(5)).length, 1);
  t.false(decoder.hasPartialFrame);
});
