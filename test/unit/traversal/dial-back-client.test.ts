/**
 * The requester's side of the reachability check: only the asked peer's answer counts, only
 * the probe proves a success, and what it keeps pending is bounded. Timers are real (the grace
 * is 2 s, the answer timeout 8 s): the tests that need them wait.
 */
import test from 'ava';
import { DIAL_BACK_ANSWER_TIMEOUT_MS, DIAL_BACK_PROBE_GRACE_MS, MAX_PENDING_DIAL_BACKS } from '../../../src/p2p/traversal/constants.js';
import { DialBackClient } from '../../../src/p2p/traversal/dial-back-client.js';
import type { CheckResult } from '../../../src/p2p/traversal/reachability.js';
import type { DialBackMessage, WireMessage } from '../../../src/p2p/wire/index.js';
import { silentLogger } from '../../../src/util/logger.js';
import { FakePeer, nodeId, nodeIdHex, waitFor } from './fakes.js';

function setup(options: { port?: number; shouldAsk?: (id: string) => boolean } = {}) {
  const results: CheckResult[] = [];
  const asked: string[] = [];
  const client = new DialBackClient({
    checkPort: () => options.port ?? 9000,
    shouldAsk: (id) => options.shouldAsk?.(id) ?? true,
    noteAsked: (id) => void asked.push(id),
    onResult: (r) => void results.push(r),
    logger: silentLogger(),
  });
  return { client, results, asked };
}

const request = (peer: FakePeer): DialBackMessage => {
  const msg = peer.sent.find((m): m is DialBackMessage => (m as WireMessage).kind === 'dial-back');
  if (msg === undefined) throw new Error('no dial-back sent');
  return msg;
};

test('asks a peer with its check port and a random nonce; the probe with that nonce → reached', (t) => {
  const { client, results, asked } = setup({ port: 9123 });
  const peer = new FakePeer('8.8.8.8', nodeId(1));
  client.maybeAsk(peer.asPeer());
  const msg = request(peer);
  t.is(msg.port, 9123);
  t.deepEqual(asked, [nodeIdHex(1)]);
  t.false(client.onProbe(msg.nonce + 1n), 'an unknown nonce proves nothing');
  t.deepEqual(results, []);
  t.true(client.onProbe(msg.nonce));
  t.deepEqual(results, [{ peerId: nodeIdHex(1), peerIp: '8.8.8.8', port: 9123, outcome: 'reached', inbound: false }]);
  t.is(client.pendingCount, 0);
  t.false(client.onProbe(msg.nonce), 'a replayed probe counts once');
  t.is(results.length, 1);
});

test('only the asked peer may answer for its nonce', (t) => {
  const { client, results } = setup();
  const asked = new FakePeer('8.8.8.8', nodeId(1));
  const other = new FakePeer('9.9.9.9', nodeId(2));
  client.maybeAsk(asked.asPeer());
  const { nonce } = request(asked);
  client.onResult(other.asPeer(), { kind: 'dial-back-result', nonce, status: 'connect-failed' });
  client.onResult(new FakePeer('8.8.8.8', undefined).asPeer(), { kind: 'dial-back-result', nonce, status: 'connect-failed' });
  t.deepEqual(results, [], 'another peer, or an unproven one, cannot make us record a failure');
  t.is(client.pendingCount, 1);
  client.onResult(asked.asPeer(), { kind: 'dial-back-result', nonce, status: 'connect-failed' });
  t.deepEqual(results.map((r) => r.outcome), ['failed']);
});

test('refused and bad-port → refused (no verdict either way)', (t) => {
  const { client, results } = setup();
  const a = new FakePeer('8.8.8.8', nodeId(1));
  const b = new FakePeer('9.9.9.9', nodeId(2));
  client.maybeAsk(a.asPeer());
  client.maybeAsk(b.asPeer());
  client.onResult(a.asPeer(), { kind: 'dial-back-result', nonce: request(a).nonce, status: 'refused' });
  client.onResult(b.asPeer(), { kind: 'dial-back-result', nonce: request(b).nonce, status: 'bad-port' });
  t.deepEqual(results.map((r) => r.outcome), ['refused', 'refused']);
});

test(`'connected' without the probe → failed after the grace (${DIAL_BACK_PROBE_GRACE_MS} ms); a probe within the grace → reached`, async (t) => {
  const { client, results } = setup();
  const liar = new FakePeer('8.8.8.8', nodeId(1));
  const honest = new FakePeer('9.9.9.9', nodeId(2));
  client.maybeAsk(liar.asPeer());
  client.maybeAsk(honest.asPeer());
  const startedMs = Date.now();
  client.onResult(liar.asPeer(), { kind: 'dial-back-result', nonce: request(liar).nonce, status: 'connected' });
  client.onResult(honest.asPeer(), { kind: 'dial-back-result', nonce: request(honest).nonce, status: 'connected' });
  t.deepEqual(results, [], 'a claim alone decides nothing yet');
  t.true(client.onProbe(request(honest).nonce), 'the probe arriving after the claim still counts');
  await waitFor(() => results.length === 2, 'the liar\'s grace to end');
  t.log(`'connected' without a probe became failed after ${Date.now() - startedMs} ms`);
  t.deepEqual(results.map((r) => `${r.peerIp} ${r.outcome}`), ['9.9.9.9 reached', '8.8.8.8 failed']);
  t.true(Date.now() - startedMs >= DIAL_BACK_PROBE_GRACE_MS - 50);
});

test(`no answer within ${DIAL_BACK_ANSWER_TIMEOUT_MS} ms → no-answer`, async (t) => {
  const { client, results } = setup();
  const peer = new FakePeer('8.8.8.8', nodeId(1));
  client.maybeAsk(peer.asPeer());
  const startedMs = Date.now();
  await waitFor(() => results.length === 1, 'the answer timeout', DIAL_BACK_ANSWER_TIMEOUT_MS + 10_000);
  t.log(`no-answer after ${Date.now() - startedMs} ms`);
  t.is(results[0]?.outcome, 'no-answer');
  t.is(client.pendingCount, 0);
});

test(`one pending check per peer, at most ${MAX_PENDING_DIAL_BACKS} in all`, (t) => {
  const { client } = setup();
  const first = new FakePeer('8.8.8.8', nodeId(1));
  client.maybeAsk(first.asPeer());
  client.maybeAsk(first.asPeer());
  client.maybeAsk(new FakePeer('8.8.8.9', nodeId(1)).asPeer()); // the same node id on another connection
  t.is(client.pendingCount, 1);
  const peers = Array.from({ length: MAX_PENDING_DIAL_BACKS + 5 }, (_, i) => new FakePeer(`9.9.${i}.1`, nodeId(100 + i)));
  for (const p of peers) client.maybeAsk(p.asPeer());
  t.log(`pending after asking ${peers.length + 1} peers: ${client.pendingCount}`);
  t.is(client.pendingCount, MAX_PENDING_DIAL_BACKS);
  t.is(peers.filter((p) => p.sent.length > 0).length, MAX_PENDING_DIAL_BACKS - 1);
  client.stop();
  t.is(client.pendingCount, 0);
});

test('asks nobody when the tracker says no, when the port is 0, an unproven peer, or after stop()', (t) => {
  const never = setup({ shouldAsk: () => false });
  const p1 = new FakePeer('8.8.8.8', nodeId(1));
  never.client.maybeAsk(p1.asPeer());
  const noPort = setup({ port: 0 });
  const p2 = new FakePeer('8.8.8.8', nodeId(1));
  noPort.client.maybeAsk(p2.asPeer());
  const s = setup();
  const p3 = new FakePeer('8.8.8.8', undefined);
  s.client.maybeAsk(p3.asPeer());
  s.client.stop();
  const p4 = new FakePeer('8.8.8.8', nodeId(4));
  s.client.maybeAsk(p4.asPeer());
  t.deepEqual([p1, p2, p3, p4].map((p) => p.sent.length), [0, 0, 0, 0]);
  t.deepEqual(noPort.asked, [], 'not noted as asked when nothing was sent');
});

test('stop() drops pending checks: no late result', async (t) => {
  const { client, results } = setup();
  const peer = new FakePeer('8.8.8.8', nodeId(1));
  client.maybeAsk(peer.asPeer());
  const { nonce } = request(peer);
  client.onResult(peer.asPeer(), { kind: 'dial-back-result', nonce, status: 'connected' });
  client.stop();
  t.false(client.onProbe(nonce));
  await new Promise((resolve) => setTimeout(resolve, DIAL_BACK_PROBE_GRACE_MS + 200));
  t.deepEqual(results, []);
});

test('a question whose session closes is dropped, not counted, and that node may be asked at once on its other session (simultaneous dials keep one connection)', (t) => {
  const dropped: string[] = [];
  const askedIds = new Set<string>();
  const results: CheckResult[] = [];
  const client = new DialBackClient({
    checkPort: () => 9000,
    shouldAsk: (id) => !askedIds.has(id),
    noteAsked: (id) => void askedIds.add(id),
    onDropped: (id) => {
      dropped.push(id);
      askedIds.delete(id);
    },
    onResult: (r) => void results.push(r),
    logger: silentLogger(),
  });
  const first = new FakePeer('8.8.8.8', nodeId(1));
  const other = new FakePeer('9.9.9.9', nodeId(2));
  client.maybeAsk(first.asPeer());
  client.maybeAsk(other.asPeer());
  t.is(client.pendingCount, 2);
  client.onPeerClosed(first.asPeer());
  t.is(client.pendingCount, 1, 'only the closed session\'s question goes');
  t.deepEqual(dropped, [nodeIdHex(1)]);
  t.deepEqual(results, [], 'no result: the port was not tested');
  const second = new FakePeer('8.8.8.8', nodeId(1)); // the same node, its kept connection
  client.maybeAsk(second.asPeer());
  t.is(client.pendingCount, 2, 'asked again at once');
  t.true(client.onProbe(request(second).nonce));
  t.like(results[0], { peerId: nodeIdHex(1), outcome: 'reached' });
  client.stop();
});

test(`a repeated 'connected' claim does not extend the grace: the check fails ${DIAL_BACK_PROBE_GRACE_MS} ms after the first (a peer re-claiming within each grace held its question, and one of the ${MAX_PENDING_DIAL_BACKS} pending places, for good)`, async (t) => {
  const { client, results } = setup();
  const liar = new FakePeer('8.8.8.8', nodeId(1));
  client.maybeAsk(liar.asPeer());
  const { nonce } = request(liar);
  const startedMs = Date.now();
  const claim = (): void => client.onResult(liar.asPeer(), { kind: 'dial-back-result', nonce, status: 'connected' });
  claim();
  const reclaim = setInterval(claim, DIAL_BACK_PROBE_GRACE_MS / 4);
  try {
    await waitFor(() => results.length === 1 || Date.now() - startedMs > 2 * DIAL_BACK_PROBE_GRACE_MS, 'the grace of the first claim to end');
  } finally {
    clearInterval(reclaim);
  }
  t.log(`failed after ${Date.now() - startedMs} ms of claims every ${DIAL_BACK_PROBE_GRACE_MS / 4} ms`);
  t.deepEqual(results.map((r) => r.outcome), ['failed']);
  t.is(client.pendingCount, 0);
  t.true(Date.now() - startedMs < 2 * DIAL_BACK_PROBE_GRACE_MS);
});
