/**
 * Slowloris and liveness: the handshake deadline does not move for trickled bytes, liveness is
 * answering pings (not sending bytes), and a started frame must complete within frameTimeoutMs.
 */
import test from 'ava';
import { encodeMessageFrame } from '../../../src/p2p/wire/index.js';
import { buildBlock, makeKey } from '../../helpers/fixtures.js';
import { startNode, waitFor } from './net-helpers.js';
import { RawPeer } from './raw-peer.js';

const genesis = buildBlock({ miner: makeKey() });
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Collects the close reasons the node reports, by the raw peer's local port. */
function closeReasons(node: Awaited<ReturnType<typeof startNode>>): Map<number, string> {
  const reasons = new Map<number, string>();
  node.net.on('peer:closed', (address, reason) => reasons.set(Number(address.split(':').at(-1)), reason));
  return reasons;
}

/** Writes `bytes` one at a time every `everyMs` until done or the socket closes. */
async function trickle(raw: RawPeer, bytes: Buffer, everyMs: number): Promise<void> {
  for (const byte of bytes) {
    if (raw.closed) return;
    raw.socket.write(Buffer.from([byte]));
    await sleep(everyMs);
  }
}

test('a peer that never sends a byte is dropped at the handshake deadline, without a ban', async (t) => {
  const handshakeTimeoutMs = 400;
  const node = await startNode(t, { genesis, config: { handshakeTimeoutMs } });
  const reasons = closeReasons(node);
  const openedAt = Date.now();
  const raw = await RawPeer.connect(node.net.tcpPort);
  const port = raw.socket.localPort!;
  raw.autoAck = false; // a silent peer: not even the ack
  t.teardown(() => raw.destroy());
  await raw.waitClosed(3_000);
  const after = raw.closedAtMs - openedAt;
  t.true(after >= handshakeTimeoutMs - 20 && after < handshakeTimeoutMs + 1_000, `dropped after ${after} ms`);
  t.regex(reasons.get(port) ?? '', /^handshake-timeout: /);
  t.deepEqual(node.net.discouraged(), []);
});

test('a handshake trickled a byte at a time is dropped at the handshake deadline, not kept alive by its bytes', async (t) => {
  const handshakeTimeoutMs = 500;
  const node = await startNode(t, { genesis, config: { handshakeTimeoutMs } });
  const reasons = closeReasons(node);
  const raw = await RawPeer.connect(node.net.tcpPort);
  const port = raw.socket.localPort!;
  t.teardown(() => raw.destroy());
  const openedAt = Date.now();
  const frame = encodeMessageFrame(raw.handshake({ genesisHash: genesis.hash }));
  raw.autoAck = false;
  void trickle(raw, frame, 20); // 145 bytes × 20 ms ≈ 3 s: would finish long after the deadline
  await raw.waitClosed(3_000);
  const after = raw.closedAtMs - openedAt;
  t.true(after < handshakeTimeoutMs + 500, `dropped after ${after} ms`);
  t.regex(reasons.get(port) ?? '', /^handshake-timeout: /);
  t.false(node.net.peers().some((p) => p.ready));
});

test('after a valid handshake, bytes without pongs do not keep a peer: it is dropped at the ping timeout', async (t) => {
  const peerTimeoutMs = 600;
  const node = await startNode(t, { genesis, config: { peerTimeoutMs, pingIntervalMs: 100, frameTimeoutMs: 20_000 } });
  const reasons = closeReasons(node);
  const raw = await RawPeer.connect(node.net.tcpPort);
  const port = raw.socket.localPort!;
  t.teardown(() => raw.destroy());
  raw.answerPings = false;
  raw.sendHandshake({ genesisHash: genesis.hash });
  await waitFor(() => node.net.peers().some((p) => p.ready), 'the raw peer to be ready');
  const readyAt = Date.now();
  // a frame that never ends: one byte every 20 ms, well inside any silence timer
  const frame = encodeMessageFrame({ kind: 'inv', items: Array.from({ length: 200 }, () => ({ type: 'tx' as const, hash: Buffer.alloc(32, 9) })) });
  void trickle(raw, frame, 20);
  await raw.waitClosed(5_000);
  const after = raw.closedAtMs - readyAt;
  t.true(after >= peerTimeoutMs - 50 && after < peerTimeoutMs + 600, `dropped ${after} ms after ready`);
  t.regex(reasons.get(port) ?? '', /^ping-timeout: /);
  t.true(raw.has('ping'));
  t.deepEqual(node.net.discouraged(), [], 'a dead or slow peer is not banned');
});

test('a frame started but not completed within frameTimeoutMs drops the peer', async (t) => {
  const frameTimeoutMs = 500;
  const node = await startNode(t, { genesis, config: { peerTimeoutMs: 20_000, pingIntervalMs: 10_000, frameTimeoutMs } });
  const reasons = closeReasons(node);
  const raw = await RawPeer.connect(node.net.tcpPort);
  const port = raw.socket.localPort!;
  t.teardown(() => raw.destroy());
  raw.sendHandshake({ genesisHash: genesis.hash });
  await waitFor(() => node.net.peers().some((p) => p.ready), 'the raw peer to be ready');
  await raw.waitFor('ping'); // sent at once on ready; answered before we start trickling
  await sleep(50);
  const frame = encodeMessageFrame({ kind: 'ping', nonce: 5n, bestHeight: 0, chainWork: 0n });
  const startedAt = Date.now();
  void trickle(raw, frame, 40); // 57 bytes × 40 ms ≈ 2.3 s
  await raw.waitClosed(3_000);
  const after = raw.closedAtMs - startedAt;
  t.true(after >= frameTimeoutMs - 50 && after < frameTimeoutMs + 500, `dropped ${after} ms after the frame began`);
  t.regex(reasons.get(port) ?? '', /^frame-timeout: /);
  t.deepEqual(node.net.discouraged(), []);
});

test('frames that each complete within frameTimeoutMs are fine, however long the peer stays', async (t) => {
  const frameTimeoutMs = 1_000;
  const node = await startNode(t, { genesis, config: { peerTimeoutMs: 20_000, pingIntervalMs: 10_000, frameTimeoutMs } });
  const raw = await RawPeer.connect(node.net.tcpPort);
  t.teardown(() => raw.destroy());
  raw.sendHandshake({ genesisHash: genesis.hash });
  await waitFor(() => node.net.peers().some((p) => p.ready), 'the raw peer to be ready');
  await raw.waitFor('ping');
  await sleep(50);
  const before = raw.received.filter((m) => m.kind === 'pong').length;
  const startedAt = Date.now();
  for (let i = 0; i < 6; i++) {
    // each ping frame over ~285 ms (57 bytes × 5 ms), 6 in a row: 1.7 s in all, more than frameTimeoutMs
    await trickle(raw, encodeMessageFrame({ kind: 'ping', nonce: BigInt(i + 10), bestHeight: 0, chainWork: 0n }), 5);
  }
  t.true(Date.now() - startedAt > frameTimeoutMs, 'the frames together took longer than one frame may');
  await waitFor(() => raw.received.filter((m) => m.kind === 'pong').length >= before + 6, 'pongs to the 6 trickled pings');
  t.false(raw.closed);
});

test('a peer that keeps sending whole messages but never answers our ping is dropped at the ping timeout', async (t) => {
  const peerTimeoutMs = 600;
  const node = await startNode(t, { genesis, config: { peerTimeoutMs, pingIntervalMs: 100 } });
  const reasons = closeReasons(node);
  const raw = await RawPeer.connect(node.net.tcpPort);
  const port = raw.socket.localPort!;
  t.teardown(() => raw.destroy());
  raw.answerPings = false;
  raw.sendHandshake({ genesisHash: genesis.hash });
  await waitFor(() => node.net.peers().some((p) => p.ready), 'the raw peer to be ready');
  const readyAt = Date.now();
  let nonce = 100n;
  while (!raw.closed && Date.now() - readyAt < 3_000) {
    raw.send({ kind: 'ping', nonce: nonce++, bestHeight: 0, chainWork: 0n }); // the node answers these; we never answer its own
    await sleep(50);
  }
  t.true(raw.closed);
  const after = raw.closedAtMs - readyAt;
  t.true(after >= peerTimeoutMs - 50 && after < peerTimeoutMs + 600, `dropped ${after} ms after ready`);
  t.true(raw.has('pong'), 'the node answered our pings meanwhile');
  t.regex(reasons.get(port) ?? '', /^ping-timeout: /);
});
