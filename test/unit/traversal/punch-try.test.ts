/**
 * One punch try as a state machine, driven directly: its states, its deadlines (real timers:
 * the signal timeout is 5 s, the ready timeout 10 s), and what a failure leaves behind.
 */
import test from 'ava';
import type { Socket } from 'node:net';
import { PUNCH_READY_TIMEOUT_MS, PUNCH_SIGNAL_TIMEOUT_MS } from '../../../src/p2p/traversal/constants.js';
import { PunchTry, type PunchRole } from '../../../src/p2p/traversal/punch-try.js';
import type { SimultaneousOpenOptions } from '../../../src/p2p/traversal/simultaneous-open.js';
import type { PunchMessage } from '../../../src/p2p/wire/index.js';
import { silentLogger } from '../../../src/util/logger.js';
import { FakePeer, nodeId, nodeIdHex, tick, waitFor } from './fakes.js';
import { fakeSocket } from './punch-harness.js';

const FAR = 0x20;

function makeTry(role: PunchRole, options: { dial?: (o: SimultaneousOpenOptions) => Promise<Socket>; session?: FakePeer; far?: { ip: string; port: number } } = {}) {
  const relay = new FakePeer('9.9.9.9', nodeId(1));
  const session = options.session ?? new FakePeer('5.5.5.5', undefined);
  session.ready = false;
  const dials: SimultaneousOpenOptions[] = [];
  const sockets: Array<ReturnType<typeof fakeSocket>> = [];
  const attempt = new PunchTry({
    role,
    attemptId: 5n,
    farIdHex: nodeIdHex(FAR),
    relay: relay.asPeer(),
    localPort: 50_000,
    far: role === 'responder' ? (options.far ?? { ip: '6.6.6.6', port: 42_000 }) : undefined,
    dial: (o) => {
      dials.push(o);
      if (options.dial) return options.dial(o);
      const s = fakeSocket();
      sockets.push(s);
      return Promise.resolve(s);
    },
    attach: () => session.asPeer(),
    logger: silentLogger(),
  });
  return { attempt, relay, session, dials, sockets };
}

const msg = (phase: PunchMessage['phase'], over: Partial<PunchMessage> = {}): PunchMessage => ({
  kind: 'punch', hop: 'from-relay', phase, reason: 'none', attemptId: 5n, nodeId: nodeId(FAR), ip: '5.5.5.5', port: 41_000, ...over,
});

function becomeReady(session: FakePeer, as: number): void {
  session.provenNodeId = nodeId(as);
  session.ready = true;
  session.emit('ready');
}

test('initiator states: awaiting-accept → waiting → dialing → handshaking → done', async (t) => {
  const { attempt, relay, session } = makeTry('initiator');
  t.is(attempt.state, 'awaiting-accept');
  t.is(attempt.relayIdHex, nodeIdHex(1));
  attempt.start();
  t.like(relay.punches()[0], { phase: 'connect', port: 50_000, ip: '::', hop: 'to-relay' });
  attempt.onMessage(msg('sync')); // out of order: ignored
  t.is(attempt.state, 'awaiting-accept');
  attempt.onMessage(msg('accept'));
  t.is(attempt.state, 'waiting');
  attempt.onMessage(msg('accept', { ip: '1.2.3.4' })); // a repeated accept cannot redirect the dial
  await waitFor(() => attempt.state === 'handshaking', 'the dial');
  becomeReady(session, FAR);
  const outcome = await attempt.result;
  t.is(attempt.state, 'done');
  t.like(outcome, { ok: true, address: '5.5.5.5:41000' });
  t.is(relay.punches().filter((m) => m.phase === 'sync').length, 1, 'one sync');
});

test('responder states: awaiting-sync → dialing (at once) → handshaking → done', async (t) => {
  const { attempt, relay, session, dials } = makeTry('responder');
  t.is(attempt.state, 'awaiting-sync');
  attempt.start();
  t.like(relay.punches()[0], { phase: 'accept', port: 50_000 });
  attempt.onMessage(msg('accept'));
  t.is(attempt.state, 'awaiting-sync', 'an accept means nothing to a responder');
  attempt.onMessage(msg('sync', { ip: '1.2.3.4', port: 1 }));
  await waitFor(() => attempt.state === 'handshaking', 'the dial');
  t.like(dials[0], { host: '6.6.6.6', port: 42_000, localPort: 50_000 }, 'the address from the connect (as the relay saw it), not from the sync');
  becomeReady(session, FAR);
  t.like(await attempt.result, { ok: true, rttMs: undefined });
});

test(`no accept within ${PUNCH_SIGNAL_TIMEOUT_MS} ms → fails with a reason; nothing dialled`, async (t) => {
  const { attempt, dials } = makeTry('initiator');
  const startedMs = Date.now();
  attempt.start();
  const outcome = await attempt.result;
  t.log(`gave up after ${Date.now() - startedMs} ms`);
  t.like(outcome, { ok: false, refusal: undefined, reason: `the far end did not accept within ${PUNCH_SIGNAL_TIMEOUT_MS} ms` });
  t.is(dials.length, 0);
  attempt.onMessage(msg('accept'));
  await tick();
  t.is(dials.length, 0, 'a late accept does nothing');
});

test(`a session not ready within ${PUNCH_READY_TIMEOUT_MS} ms is closed and the try fails`, async (t) => {
  const { attempt, session } = makeTry('responder');
  attempt.start();
  attempt.onMessage(msg('sync'));
  const outcome = await attempt.result;
  t.false(outcome.ok);
  t.regex(outcome.ok ? '' : outcome.reason, /was not ready within/);
  t.true(session.closed, 'no half-open session left behind');
});

test('a refusal while handshaking ends the try and closes the half-open session', async (t) => {
  const { attempt, session } = makeTry('responder');
  attempt.start();
  attempt.onMessage(msg('sync'));
  await waitFor(() => attempt.state === 'handshaking', 'the dial');
  attempt.onMessage(msg('refuse', { reason: 'not-wanted' }));
  t.like(await attempt.result, { ok: false, reason: 'refused: not-wanted', refusal: 'not-wanted' });
  t.true(session.closed);
  t.regex(session.closeReason ?? '', /^punch failed: refused: not-wanted/);
});

test('a refusal during the ½-RTT wait: no dial', async (t) => {
  const { attempt, dials } = makeTry('initiator');
  attempt.start();
  await new Promise((resolve) => setTimeout(resolve, 100)); // RTT ~100 ms: waits ~50 ms
  attempt.onMessage(msg('accept'));
  attempt.onMessage(msg('refuse', { reason: 'busy' }));
  await attempt.result;
  await new Promise((resolve) => setTimeout(resolve, 150));
  t.is(dials.length, 0);
});

test('cancel() during the dial aborts it; a socket connected after the end is destroyed', async (t) => {
  let release: ((s: Socket) => void) | undefined;
  const late = fakeSocket();
  const { attempt } = makeTry('responder', { dial: (o) => new Promise((resolve) => {
    release = resolve;
    t.false(o.signal?.aborted);
  }) });
  attempt.start();
  attempt.onMessage(msg('sync'));
  await waitFor(() => release !== undefined, 'the dial');
  attempt.cancel('shutting down');
  t.like(await attempt.result, { ok: false, reason: 'shutting down' });
  release?.(late);
  await tick();
  t.true(late.destroyedByTest, 'a late socket is not leaked');
});

test('refuse() tells the far end through the relay and ends the try', async (t) => {
  const { attempt, relay } = makeTry('initiator');
  attempt.start();
  attempt.refuse('not-wanted', 'we changed our mind');
  t.like(relay.punches().at(-1), { phase: 'refuse', reason: 'not-wanted', attemptId: 5n, hop: 'to-relay' });
  t.like(await attempt.result, { ok: false, reason: 'we changed our mind', refusal: 'not-wanted' });
});

test('an unspecified address from the relay (0.0.0.0, ::) is never dialled: it would reach our own host', async (t) => {
  for (const ip of ['0.0.0.0', '0.1.2.3', '::', '0:0::0']) {
    // The responder's address comes from the relay's connect; here the relay put an unspecified one there.
    const responder = makeTry('responder', { far: { ip, port: 8332 } });
    responder.attempt.start();
    responder.attempt.onMessage(msg('sync'));
    const r = await responder.attempt.result;
    t.like(r, { ok: false, reason: `the relay gave the unspecified address ${ip}` });
    t.deepEqual(responder.dials, [], `responder: ${ip} not dialled`);
    const initiator = makeTry('initiator');
    initiator.attempt.start();
    initiator.attempt.onMessage(msg('accept', { ip, port: 8332 }));
    const r2 = await initiator.attempt.result;
    t.false(r2.ok);
    t.deepEqual(initiator.dials, [], `initiator: ${ip} not dialled`);
  }
});

test('a far address more local than the relay\'s own is never dialled (a public relay cannot aim us at our loopback or LAN)', async (t) => {
  const cases: Array<[relayIp: string, farIp: string, dialled: boolean]> = [
    ['9.9.9.9', '127.0.0.1', false],
    ['9.9.9.9', '192.168.1.1', false],
    ['9.9.9.9', '10.0.0.8', false],
    ['9.9.9.9', '5.5.5.5', true],
    ['192.168.1.5', '192.168.1.7', true],
    ['192.168.1.5', '127.0.0.1', false],
    ['192.168.1.5', '5.5.5.5', true],
    ['127.0.0.1', '127.0.0.1', true],
  ];
  for (const [relayIp, farIp, dialled] of cases) {
    const h = makeTry('responder', { far: { ip: farIp, port: 8332 }, dial: () => Promise.reject(new Error('ECONNREFUSED (fake)')) });
    (h.relay as unknown as { ip: string }).ip = relayIp;
    h.attempt.start();
    h.attempt.onMessage(msg('sync'));
    const r = await h.attempt.result;
    t.is(h.dials.length, dialled ? 1 : 0, `relay ${relayIp}, far ${farIp}`);
    if (!dialled) t.like(r, { ok: false, reason: `the relay (${relayIp}) gave ${farIp}, an address more local than its own` });
  }
});
