/**
 * The prober's side of the reachability check: whom it dials (only the requester's socket IP),
 * its limits (port 0, per IP, in flight), what it writes (one probe frame) and what it
 * remembers (failed dial-backs, bounded). Dials are faked except where the socket is the point.
 */
import test from 'ava';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import {
  DIAL_BACK_PER_IP_BURST, DIAL_BACK_PER_IP_PER_SEC,
  MAX_DIAL_BACKS_IN_FLIGHT,
  MAX_DIAL_BACKS_IN_FLIGHT_PER_NETGROUP,
  MAX_UNREACHABLE_REMEMBERED,
  UNREACHABLE_MEMORY_MS,
} from '../../../src/p2p/traversal/constants.js';
import { DialBackServer } from '../../../src/p2p/traversal/dial-back-server.js';
import { dialTcp } from '../../../src/p2p/dial.js';
import { FrameDecoder, decodeMessage, type DialBackResultMessage, type WireMessage } from '../../../src/p2p/wire/index.js';
import { silentLogger } from '../../../src/util/logger.js';
import { FakePeer, nodeId, nodeIdHex, tick, waitFor } from './fakes.js';

interface Dial {
  readonly host: string;
  readonly port: number;
}

/** A server whose dials are recorded and settled by the test. */
function setup(outcome: 'fail' | 'hang' = 'fail') {
  const clock = { now: 10_000_000 };
  const dials: Dial[] = [];
  const server = new DialBackServer({
    logger: silentLogger(),
    now: () => clock.now,
    dial: (host, port) => {
      dials.push({ host, port });
      return outcome === 'fail' ? Promise.reject(new Error('ECONNREFUSED')) : new Promise<Socket>(() => undefined);
    },
  });
  return { clock, dials, server };
}

const results = (peer: FakePeer): DialBackResultMessage[] => peer.sent.filter((m): m is DialBackResultMessage => (m as WireMessage).kind === 'dial-back-result');

test('dials the requester at its socket IP and the asked port (the message has no address), answers with the nonce', async (t) => {
  const { dials, server } = setup();
  const peer = new FakePeer('7.7.7.7', nodeId(1));
  server.onRequest(peer.asPeer(), { kind: 'dial-back', nonce: 42n, port: 9000 });
  await tick();
  t.deepEqual(dials, [{ host: '7.7.7.7', port: 9000 }]);
  t.deepEqual(results(peer), [{ kind: 'dial-back-result', nonce: 42n, status: 'connect-failed' }]);
});

test('port 0 → bad-port, nothing dialled', async (t) => {
  const { dials, server } = setup();
  const peer = new FakePeer('7.7.7.7', nodeId(1));
  server.onRequest(peer.asPeer(), { kind: 'dial-back', nonce: 1n, port: 0 });
  await tick();
  t.deepEqual(dials, []);
  t.deepEqual(results(peer).map((r) => r.status), ['bad-port']);
  t.deepEqual(server.stats(), { served: 1, connected: 0, failed: 0, refused: 1 });
});

test(`per requester IP: a burst of ${DIAL_BACK_PER_IP_BURST}, then one per ${1 / DIAL_BACK_PER_IP_PER_SEC} s; node ids and ports do not matter`, async (t) => {
  const { clock, dials, server } = setup();
  const statuses: string[] = [];
  const asks = DIAL_BACK_PER_IP_BURST + 4;
  for (let i = 0; i < asks; i++) {
    const peer = new FakePeer('7.7.7.7', nodeId(100 + i)); // a host rotating node ids
    server.onRequest(peer.asPeer(), { kind: 'dial-back', nonce: BigInt(i), port: 9000 + i });
    await tick();
    statuses.push(...results(peer).map((r) => r.status));
  }
  t.log(statuses.join(' '));
  t.is(dials.length, DIAL_BACK_PER_IP_BURST);
  t.deepEqual(statuses, [...Array<string>(DIAL_BACK_PER_IP_BURST).fill('connect-failed'), ...Array<string>(4).fill('refused')]);
  const other = new FakePeer('7.7.8.8', nodeId(200));
  server.onRequest(other.asPeer(), { kind: 'dial-back', nonce: 99n, port: 9000 });
  await tick();
  t.is(dials.length, DIAL_BACK_PER_IP_BURST + 1, 'another IP has its own allowance');
  clock.now += 1_000 / DIAL_BACK_PER_IP_PER_SEC;
  const again = new FakePeer('7.7.7.7', nodeId(100));
  server.onRequest(again.asPeer(), { kind: 'dial-back', nonce: 100n, port: 9000 });
  server.onRequest(again.asPeer(), { kind: 'dial-back', nonce: 101n, port: 9000 });
  await tick();
  t.is(dials.length, DIAL_BACK_PER_IP_BURST + 2, 'one more after the refill interval, not two');
  t.deepEqual(server.stats(), { served: asks + 3, connected: 0, failed: DIAL_BACK_PER_IP_BURST + 2, refused: 5 });
});

test('an IPv6 requester is limited per /64: rotating addresses within its prefix buys no new allowance; another /64 has its own', async (t) => {
  const { dials, server } = setup();
  for (let i = 0; i < DIAL_BACK_PER_IP_BURST + 4; i++) {
    const peer = new FakePeer(`2001:db8:1:2::${(i + 1).toString(16)}`, nodeId(100 + i));
    server.onRequest(peer.asPeer(), { kind: 'dial-back', nonce: BigInt(i), port: 9000 });
    await tick();
  }
  t.is(dials.length, DIAL_BACK_PER_IP_BURST);
  const other = new FakePeer('2001:db8:1:3::1', nodeId(300));
  server.onRequest(other.asPeer(), { kind: 'dial-back', nonce: 999n, port: 9000 });
  await tick();
  t.is(dials.length, DIAL_BACK_PER_IP_BURST + 1);
});

test(`at most ${MAX_DIAL_BACKS_IN_FLIGHT} dials in flight for everyone together: the next is refused`, async (t) => {
  const { dials, server } = setup('hang');
  const peers = Array.from({ length: MAX_DIAL_BACKS_IN_FLIGHT + 2 }, (_, i) => new FakePeer(`${7 + i}.7.0.1`, nodeId(i))); // each in its own /16
  for (const [i, peer] of peers.entries()) server.onRequest(peer.asPeer(), { kind: 'dial-back', nonce: BigInt(i), port: 9000 });
  await tick();
  t.is(dials.length, MAX_DIAL_BACKS_IN_FLIGHT);
  t.deepEqual(peers.map((p) => results(p).map((r) => r.status).join()), [...Array(MAX_DIAL_BACKS_IN_FLIGHT).fill(''), 'refused', 'refused']);
});

test(`one /16 holds at most ${MAX_DIAL_BACKS_IN_FLIGHT_PER_NETGROUP} of the dials in flight: its addresses asking for ports that never answer leave the rest to others`, async (t) => {
  const { dials, server } = setup('hang');
  const sybils = Array.from({ length: 8 }, (_, i) => new FakePeer(`7.7.${i}.1`, nodeId(i)));
  for (const [i, peer] of sybils.entries()) server.onRequest(peer.asPeer(), { kind: 'dial-back', nonce: BigInt(i), port: 9000 });
  await tick();
  t.is(dials.length, MAX_DIAL_BACKS_IN_FLIGHT_PER_NETGROUP, 'one network: its share only');
  t.is(sybils.filter((p) => results(p).some((r) => r.status === 'refused')).length, 8 - MAX_DIAL_BACKS_IN_FLIGHT_PER_NETGROUP);
  const honest = new FakePeer('9.9.9.9', nodeId(50));
  server.onRequest(honest.asPeer(), { kind: 'dial-back', nonce: 50n, port: 9000 });
  await tick();
  t.deepEqual(dials.at(-1), { host: '9.9.9.9', port: 9000 }, 'another network is still dialled back');
  t.deepEqual(results(honest), []);
  const local = Array.from({ length: 3 }, (_, i) => new FakePeer(`192.168.1.${i + 2}`, nodeId(60 + i)));
  for (const [i, peer] of local.entries()) server.onRequest(peer.asPeer(), { kind: 'dial-back', nonce: BigInt(60 + i), port: 9000 });
  await tick();
  t.is(dials.length, MAX_DIAL_BACKS_IN_FLIGHT, 'private addresses are exempt (a local network is one group); the total cap still holds');
});

test('a failed dial-back is remembered (a punch candidate), forgotten after UNREACHABLE_MEMORY_MS, and cleared by a success', async (t) => {
  const { clock, server } = setup();
  const peer = new FakePeer('7.7.7.7', nodeId(1));
  t.false(server.wasUnreachable(nodeIdHex(1)));
  server.onRequest(peer.asPeer(), { kind: 'dial-back', nonce: 1n, port: 9000 });
  await tick();
  t.true(server.wasUnreachable(nodeIdHex(1)));
  clock.now += UNREACHABLE_MEMORY_MS - 1;
  t.true(server.wasUnreachable(nodeIdHex(1)));
  clock.now += 1;
  t.false(server.wasUnreachable(nodeIdHex(1)), 'forgotten after the memory time');

  // A later success (real sockets) clears the memory at once.
  const listener = await probeListener(t);
  let fail = true;
  const s2 = new DialBackServer({ logger: silentLogger(), now: () => clock.now, dial: (h, p, ms) => (fail ? Promise.reject(new Error('refused')) : dialTcp(h, p, ms)) });
  const local = new FakePeer('127.0.0.1', nodeId(2));
  s2.onRequest(local.asPeer(), { kind: 'dial-back', nonce: 1n, port: listener.port });
  await tick();
  t.true(s2.wasUnreachable(nodeIdHex(2)));
  fail = false;
  s2.onRequest(local.asPeer(), { kind: 'dial-back', nonce: 2n, port: listener.port });
  await waitFor(() => results(local).length === 2, 'the second answer');
  t.is(results(local)[1]?.status, 'connected');
  t.false(s2.wasUnreachable(nodeIdHex(2)));
  s2.stop();
});

test(`the unreachable memory holds at most ${MAX_UNREACHABLE_REMEMBERED} ids; the oldest go first`, async (t) => {
  const { server } = setup();
  const n = MAX_UNREACHABLE_REMEMBERED + 100;
  for (let i = 0; i < n; i++) {
    // Distinct IPs (the per-IP limit) and one at a time (the in-flight cap).
    const peer = new FakePeer(`10.${(i >> 8) & 255}.${i & 255}.1`, nodeId(i));
    server.onRequest(peer.asPeer(), { kind: 'dial-back', nonce: BigInt(i), port: 9000 });
    await tick();
  }
  let remembered = 0;
  for (let i = 0; i < n; i++) if (server.wasUnreachable(nodeIdHex(i))) remembered++;
  t.log(`remembered after ${n} failed dial-backs: ${remembered}`);
  t.is(remembered, MAX_UNREACHABLE_REMEMBERED);
  t.false(server.wasUnreachable(nodeIdHex(0)));
  t.true(server.wasUnreachable(nodeIdHex(n - 1)));
  t.is(server.stats().failed, n);
});

/** A listener on 127.0.0.1 that records what each connection sends until it closes. */
async function probeListener(t: { teardown(fn: () => void): void }, allowHalfOpen = false) {
  const conns: Array<{ frames: WireMessage[]; closed: boolean; socket: Socket }> = [];
  const server = createServer({ allowHalfOpen }, (socket) => {
    const conn = { frames: [] as WireMessage[], closed: false, socket };
    conns.push(conn);
    const decoder = new FrameDecoder();
    socket.on('data', (chunk: Buffer) => {
      for (const f of decoder.push(chunk)) conn.frames.push(decodeMessage(f.type, f.payload));
    });
    socket.on('error', () => undefined);
    socket.on('close', () => (conn.closed = true));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => {
    for (const c of conns) c.socket.destroy();
    server.close();
  });
  return { port: (server.address() as AddressInfo).port, conns };
}

test('real sockets: a success writes exactly one probe frame with the nonce, closes, and answers connected', async (t) => {
  const listener = await probeListener(t);
  const server = new DialBackServer({ logger: silentLogger() });
  t.teardown(() => server.stop());
  const peer = new FakePeer('127.0.0.1', nodeId(1));
  server.onRequest(peer.asPeer(), { kind: 'dial-back', nonce: 0xdeadbeefn, port: listener.port });
  await waitFor(() => listener.conns[0]?.closed === true && results(peer).length === 1, 'the probe connection to end');
  t.is(listener.conns.length, 1);
  t.deepEqual(listener.conns[0]?.frames, [{ kind: 'probe', nonce: 0xdeadbeefn }]);
  t.deepEqual(results(peer), [{ kind: 'dial-back-result', nonce: 0xdeadbeefn, status: 'connected' }]);
  t.false(server.wasUnreachable(nodeIdHex(1)));
  t.deepEqual(server.stats(), { served: 1, connected: 1, failed: 0, refused: 0 });
});

test('real sockets: a closed port → connect-failed, and the id is remembered as unreachable', async (t) => {
  const listener = await probeListener(t);
  const port = listener.port;
  listener.conns.length = 0;
  const closed = createServer();
  closed.listen(0, '127.0.0.1');
  await once(closed, 'listening');
  const deadPort = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const server = new DialBackServer({ logger: silentLogger() });
  t.teardown(() => server.stop());
  const peer = new FakePeer('127.0.0.1', nodeId(3));
  server.onRequest(peer.asPeer(), { kind: 'dial-back', nonce: 5n, port: deadPort });
  await waitFor(() => results(peer).length === 1, 'the answer');
  t.is(results(peer)[0]?.status, 'connect-failed');
  t.true(server.wasUnreachable(nodeIdHex(3)));
  t.is(listener.conns.length, 0, `nothing reached the open port ${port}`);
});

test('stop() destroys probe sockets still lingering and ignores later requests', async (t) => {
  const listener = await probeListener(t, true);
  const made: Socket[] = [];
  const server = new DialBackServer({ logger: silentLogger(), dial: async (h, p, ms) => {
    const s = await dialTcp(h, p, ms);
    made.push(s);
    return s;
  } });
  const peer = new FakePeer('127.0.0.1', nodeId(1));
  server.onRequest(peer.asPeer(), { kind: 'dial-back', nonce: 7n, port: listener.port });
  // The listener never closes its side: the probe socket lingers (up to DIAL_BACK_LINGER_MS).
  await waitFor(() => listener.conns[0]?.frames.length === 1, 'the probe');
  t.false(made[0]?.destroyed, 'still lingering before stop');
  server.stop();
  t.true(made[0]?.destroyed, 'destroyed by stop()');
  server.onRequest(peer.asPeer(), { kind: 'dial-back', nonce: 8n, port: listener.port });
  await tick();
  t.is(made.length, 1, 'no dial after stop');
  t.is(results(peer).length, 1, 'no answer after stop');
});
