/**
 * A Peer on one end of a real loopback socket, the other end a client that never reads (or
 * reads and counts): the send buffer is bounded, and rejects are rate-limited.
 */
import { once } from 'node:events';
import type { Socket } from 'node:net';
import test, { type ExecutionContext } from 'ava';
import { REJECTS_BURST, REJECTS_PER_SEC } from '../../../src/p2p/constants.js';
import { Peer } from '../../../src/p2p/peer.js';
import { FrameDecoder, MessageType, decodeMessage, type WireMessage } from '../../../src/p2p/wire/index.js';
import { ZERO_HASH } from '../../../src/primitives/hash.js';
import { loopbackPeer } from '../../helpers/loopback-peer.js';
import { waitFor } from './net-helpers.js';

async function peerPair(t: ExecutionContext, options: { maxSendBufferBytes?: number; now?: () => number } = {}): Promise<{ peer: Peer; client: Socket }> {
  const { peer, remote } = await loopbackPeer(t, options);
  return { peer, client: remote };
}

const bigInv = (n: number): WireMessage => ({ kind: 'inv', items: Array.from({ length: 1_000 }, (_, i) => ({ type: 'tx' as const, hash: Buffer.alloc(32, (n + i) & 0xff) })) });

test('a peer that does not read is dropped once its unsent bytes pass maxSendBufferBytes, and they are freed', async (t) => {
  const maxSendBufferBytes = 512 * 1024;
  const { peer, client } = await peerPair(t, { maxSendBufferBytes });
  client.pause(); // never reads: the kernel buffers fill, then ours
  peer.start();
  let peak = 0;
  let sent = 0;
  const closed = once(peer, 'close');
  // 33 KB per inv; the loop yields now and then so the kernel can take what it will
  for (let i = 0; i < 2_000 && !peer.isClosed; i++) {
    peer.send(bigInv(i));
    sent += 33_000;
    peak = Math.max(peak, peer.sendBufferBytes);
    if (i % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  t.true(peer.isClosed, `still open after ${sent} bytes offered`);
  const [reason] = (await closed) as [string];
  t.is(peer.disconnectCode, 'send-buffer-full');
  t.regex(reason, /^send-buffer-full: /);
  t.true(peak <= maxSendBufferBytes + 34_000, `buffer peaked at ${peak} bytes`);
  t.true(sent < 64 * 1024 * 1024, 'dropped long before the loop ran out');
  t.false(peer.send({ kind: 'ping', nonce: 1n, bestHeight: 0, chainWork: 0n }), 'nothing is queued after the drop');
});

test('a reading peer gets the same traffic without being dropped', async (t) => {
  const { peer, client } = await peerPair(t, { maxSendBufferBytes: 512 * 1024 });
  let received = 0;
  client.on('data', (chunk: Buffer) => (received += chunk.length));
  peer.start();
  for (let i = 0; i < 200; i++) await peer.sendPaced(bigInv(i)); // backpressure honoured, as the relay does for blocks
  await waitFor(() => received >= 200 * 33_000, 'the client to read it all');
  t.false(peer.isClosed);
});

test('corked sends stay queued until uncork, then arrive whole and in order (a served batch of blocks in one writev)', async (t) => {
  const { peer, client } = await peerPair(t);
  const decoder = new FrameDecoder();
  const blocks: Buffer[] = [];
  client.on('data', (chunk: Buffer) => {
    for (const f of decoder.push(chunk)) if (f.type === MessageType.Block) blocks.push(Buffer.from(f.payload));
  });
  peer.start();
  const sent = Array.from({ length: 10 }, (_, i) => Buffer.alloc(7_000 + i, i)); // past FRAME_SPLIT_MIN_PAYLOAD_BYTES: header + payload each
  peer.cork();
  for (const encoded of sent) peer.send({ kind: 'block', encoded });
  t.true(peer.sendBufferBytes >= 70_000, `corked: ${peer.sendBufferBytes} bytes held`);
  peer.uncork();
  await waitFor(() => blocks.length === sent.length, 'the batch to arrive');
  t.deepEqual(blocks, sent);
});

test('drained() resolves when the buffer drains, and when the session closes under a peer that never reads', async (t) => {
  const reading = await peerPair(t);
  reading.client.resume();
  reading.peer.start();
  for (let i = 0; i < 5; i++) reading.peer.send(bigInv(i));
  await reading.peer.drained();
  t.is(reading.peer.sendBufferBytes, 0);
  const { peer, client } = await peerPair(t);
  client.pause();
  peer.start();
  while (peer.sendBufferBytes === 0 && !peer.isClosed) {
    for (let i = 0; i < 50; i++) peer.send(bigInv(i)); // until the kernel's buffers are full and ours holds the rest
    await new Promise((resolve) => setImmediate(resolve));
  }
  const waiting = peer.drained();
  peer.disconnect('send-buffer-full', 'test');
  await waiting;
  t.true(peer.isClosed);
  t.is(peer.listenerCount('close'), 0, 'the wait removed its listener');
});

test('rejects are rate-limited per peer: a burst, then REJECTS_PER_SEC', async (t) => {
  let now = 1_000_000;
  const { peer, client } = await peerPair(t, { now: () => now });
  const decoder = new FrameDecoder();
  const rejects: WireMessage[] = [];
  client.on('data', (chunk: Buffer) => {
    for (const f of decoder.push(chunk)) {
      const msg = decodeMessage(f.type, f.payload);
      if (msg.kind === 'reject') rejects.push(msg);
    }
  });
  peer.start();
  const long = 'é'.repeat(300); // 600 bytes of UTF-8: cut to the 256-byte limit, not refused by the encoder
  let accepted = 0;
  for (let i = 0; i < 200; i++) if (peer.sendReject(MessageType.Transaction, 'bad-fee', long, ZERO_HASH)) accepted++;
  t.is(accepted, REJECTS_BURST);
  now += 1_000;
  for (let i = 0; i < 200; i++) if (peer.sendReject(MessageType.Transaction, 'bad-fee', long, ZERO_HASH)) accepted++;
  t.is(accepted, REJECTS_BURST + REJECTS_PER_SEC);
  await waitFor(() => rejects.length === accepted, 'the rejects to arrive');
  const first = rejects[0] as Extract<WireMessage, { kind: 'reject' }>;
  t.is(first.code, 'bad-fee');
  t.is(Buffer.byteLength(first.reason), 256);
  t.false(peer.isClosed, 'rate-limiting rejects is not a reason to drop anyone');
});
