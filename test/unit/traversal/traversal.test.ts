/**
 * The facade, over a fake peer set: how messages are routed, how dial-back answers become the
 * verdict (and its event), and what a node behind a port-preserving NAT does with it: poll
 * relays for candidates, punch the ones it should start, within the puncher's limits.
 */
import test, { type ExecutionContext } from 'ava';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { MAX_PUNCHES_PER_CANDIDATE_LIST, PUNCHES_PER_RELAY_BURST } from '../../../src/p2p/traversal/constants.js';
import type { ReachabilityState } from '../../../src/p2p/traversal/reachability.js';
import { Traversal } from '../../../src/p2p/traversal/traversal.js';
import { FrameDecoder, decodeMessage, type DialBackMessage, type PunchMessage, type WireMessage } from '../../../src/p2p/wire/index.js';
import { silentLogger } from '../../../src/util/logger.js';
import { FakePeer, FakePeers, nodeId, nodeIdHex, tick, waitFor } from './fakes.js';

const OWN = 0x10;

function setup(t: ExecutionContext) {
  const peers = new FakePeers();
  const traversal = new Traversal({ peers, ownIdHex: nodeIdHex(OWN), listenPort: () => 9000, logger: silentLogger() });
  const verdicts: ReachabilityState[] = [];
  traversal.on('reachability', (s) => void verdicts.push(s));
  t.teardown(() => traversal.stop());
  return { peers, traversal, verdicts };
}

const dialBacks = (p: FakePeer): DialBackMessage[] => p.sent.filter((m): m is DialBackMessage => (m as WireMessage).kind === 'dial-back');
const kinds = (p: FakePeer): string[] => p.sent.map((m) => (m as WireMessage).kind);

/** Two outbound public peers in distinct /16s that see us at 7.7.7.7 on the very port we dialled from. */
function observers(peers: FakePeers): FakePeer[] {
  return [1, 2].map((n) => {
    const p = peers.add(new FakePeer(`${10 * n + 1}.${n}.1.1`, nodeId(n), { listenPort: 9000, observed: { ip: '7.7.7.7', port: 50_000 + n } }));
    p.localPort = 50_000 + n;
    return p;
  });
}

/** Brings the node to 'behind-nat-port-preserving': both observers' dial-backs fail. */
function behindPortPreservingNat(s: ReturnType<typeof setup>): FakePeer[] {
  s.traversal.start();
  const relays = observers(s.peers);
  for (const r of relays) s.traversal.onPeerReady(r.asPeer());
  for (const r of relays) {
    const [ask] = dialBacks(r);
    if (ask === undefined) throw new Error('no dial-back asked');
    s.traversal.onMessage(r.asPeer(), { kind: 'dial-back-result', nonce: ask.nonce, status: 'connect-failed' });
  }
  return relays;
}

test('dial-back failures from two peers + a port-preserving NAT → the verdict, its event, and polling the relays for candidates', (t) => {
  const s = setup(t);
  const relays = behindPortPreservingNat(s);
  t.deepEqual(relays.map((r) => dialBacks(r)[0]?.port), [9000, 9000], 'our listen port is what is checked');
  t.deepEqual(s.verdicts.map((v) => v.status), ['behind-nat-port-preserving']);
  t.log(s.verdicts[0]?.reason);
  t.is(s.traversal.state().reachability.status, 'behind-nat-port-preserving');
  t.is(s.traversal.state().observed.portPreservation, 'yes');
  for (const r of relays) t.true(kinds(r).includes('get-punch-candidates'), 'each dialable peer is asked for candidates');
});

test('candidates: only ids above ours are punched (the lower id starts), not ones already connected, through the relay that listed them', async (t) => {
  const s = setup(t);
  const [relay, other] = behindPortPreservingNat(s);
  s.peers.add(new FakePeer('4.4.4.4', nodeId(0x30))); // already connected
  const before = relay!.punches().length;
  s.traversal.onMessage(relay!.asPeer(), { kind: 'punch-candidates', nodeIds: [nodeId(0x05), nodeId(0x10), nodeId(0x20), nodeId(0x30)] });
  await waitFor(() => relay!.punches().length > before, 'a connect');
  await new Promise((resolve) => setTimeout(resolve, 100));
  const connects = relay!.punches().filter((m) => m.phase === 'connect');
  t.deepEqual(connects.map((m) => m.nodeId.toString('hex')), [nodeIdHex(0x20)]);
  t.deepEqual(other!.punches(), [], 'the listing relay is tried first');
  t.true(s.traversal.state().punch.punches === 1);
});

test('an unasked punch-candidates answer is ignored, and an answer counts once', async (t) => {
  const s = setup(t);
  s.traversal.start();
  const stranger = s.peers.add(new FakePeer('8.8.8.8', nodeId(1)));
  s.traversal.onMessage(stranger.asPeer(), { kind: 'punch-candidates', nodeIds: [nodeId(0x20)] });
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.deepEqual(stranger.punches(), []);
  t.is(s.traversal.state().punch.punches, 0);
});

test(`many candidates: at most ${MAX_PUNCHES_PER_CANDIDATE_LIST} punched per answer, within the relay's budget, and the rest are not put in backoff for it`, async (t) => {
  const s = setup(t);
  const [relay] = behindPortPreservingNat(s);
  const ids = Array.from({ length: 8 }, (_, i) => nodeId(0x40 + i));
  s.traversal.onMessage(relay!.asPeer(), { kind: 'punch-candidates', nodeIds: ids });
  await waitFor(() => relay!.punches().length >= MAX_PUNCHES_PER_CANDIDATE_LIST, 'the first connects');
  await new Promise((resolve) => setTimeout(resolve, 100));
  const first = relay!.punches().filter((m) => m.phase === 'connect');
  t.log(`connects for 8 candidates in one answer: ${first.length}`);
  t.is(first.length, MAX_PUNCHES_PER_CANDIDATE_LIST);
  // The far ends refuse: those punches end (and back off).
  for (const c of first) s.traversal.onMessage(relay!.asPeer(), { ...c, hop: 'from-relay', phase: 'refuse', reason: 'not-wanted', ip: '::', port: 0 } satisfies PunchMessage);
  await waitFor(() => s.traversal.state().punch.failures === MAX_PUNCHES_PER_CANDIDATE_LIST, 'the refusals');
  // The next poll (every second at first) asks again; the relay lists the same 8.
  const asked = kinds(relay!).filter((k) => k === 'get-punch-candidates').length;
  await waitFor(() => kinds(relay!).filter((k) => k === 'get-punch-candidates').length > asked, 'the next poll', 5_000);
  s.traversal.onMessage(relay!.asPeer(), { kind: 'punch-candidates', nodeIds: ids });
  const budgetLeft = PUNCHES_PER_RELAY_BURST - MAX_PUNCHES_PER_CANDIDATE_LIST;
  await waitFor(() => relay!.punches().filter((m) => m.phase === 'connect').length >= MAX_PUNCHES_PER_CANDIDATE_LIST + budgetLeft, 'connects for other candidates', 5_000);
  await new Promise((resolve) => setTimeout(resolve, 100));
  const second = relay!.punches().filter((m) => m.phase === 'connect').slice(MAX_PUNCHES_PER_CANDIDATE_LIST);
  const firstIds = new Set(first.map((m) => m.nodeId.toString('hex')));
  t.deepEqual(second.filter((m) => firstIds.has(m.nodeId.toString('hex'))), [], 'the refused ones are in backoff');
  t.is(second.length, budgetLeft, "the others get their turn, as far as the relay's budget goes");
});

test('a probe with the nonce we sent → reached → public; an unknown nonce is not ours', (t) => {
  const s = setup(t);
  s.traversal.start();
  const peer = s.peers.add(new FakePeer('8.8.8.8', nodeId(1)));
  s.traversal.onPeerReady(peer.asPeer());
  const [ask] = dialBacks(peer);
  t.false(s.traversal.onProbe(12345n));
  t.true(s.traversal.onProbe(ask!.nonce));
  t.deepEqual(s.verdicts.map((v) => v.status), ['public']);
});

test('a probe from a LAN peer proves nothing about the internet when peers see us at a public address; on a LAN-only network it does', (t) => {
  const s = setup(t);
  s.traversal.start();
  // The LAN peer's session is up first (it usually is) and its probe arrives before anyone public saw us.
  const lan = s.peers.add(new FakePeer('192.168.1.20', nodeId(5), { listenPort: 9000, observed: { ip: '192.168.1.10', port: 9000 } }));
  s.traversal.onPeerReady(lan.asPeer());
  t.true(s.traversal.onProbe(dialBacks(lan)[0]!.nonce));
  t.is(s.traversal.state().reachability.status, 'public', 'seen only at a LAN address so far');
  for (const o of observers(s.peers)) s.traversal.onPeerReady(o.asPeer()); // two public peers see us at 7.7.7.7
  t.not(s.traversal.state().reachability.status, 'public', 'once peers see us at a public address, the LAN dial-back proves nothing');
  t.is(s.traversal.state().reachability.successes, 0);
  t.is(dialBacks(lan).length, 1, 'the LAN peer is not asked again and again');

  const lanOnly = setup(t);
  lanOnly.traversal.start();
  const peer = lanOnly.peers.add(new FakePeer('192.168.1.20', nodeId(5), { listenPort: 9000, observed: { ip: '192.168.1.10', port: 9000 } }));
  lanOnly.traversal.onPeerReady(peer.asPeer());
  t.true(lanOnly.traversal.onProbe(dialBacks(peer)[0]!.nonce));
  t.is(lanOnly.traversal.state().reachability.status, 'public', 'seen at a LAN address, a LAN dial-back is all there is to prove');
});

test('routing: dial-back is served (a real probe reaches the requester\'s socket IP), to-relay punches are relayed, candidates are answered', async (t) => {
  const s = setup(t);
  s.traversal.start();
  const frames: WireMessage[] = [];
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    const decoder = new FrameDecoder();
    socket.on('data', (chunk: Buffer) => {
      for (const f of decoder.push(chunk)) frames.push(decodeMessage(f.type, f.payload));
    });
    socket.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => {
    for (const x of sockets) x.destroy();
    server.close();
  });
  const local = s.peers.add(new FakePeer('127.0.0.1', nodeId(1), { listenPort: 0 }));
  s.traversal.onMessage(local.asPeer(), { kind: 'dial-back', nonce: 77n, port: (server.address() as AddressInfo).port });
  await waitFor(() => frames.length === 1 && local.sent.some((m) => (m as WireMessage).kind === 'dial-back-result'), 'the probe and the answer');
  t.deepEqual(frames, [{ kind: 'probe', nonce: 77n }]);
  t.like(s.traversal.state().served.dialBacks, { served: 1, connected: 1 });

  const b = s.peers.add(new FakePeer('8.8.8.2', nodeId(2)));
  s.traversal.onMessage(local.asPeer(), { kind: 'punch', hop: 'to-relay', phase: 'connect', reason: 'none', attemptId: 1n, nodeId: nodeId(2), ip: '::', port: 40_000 });
  t.like(b.punches()[0], { hop: 'from-relay', ip: '127.0.0.1', port: 40_000 });
  t.is(s.traversal.state().served.relayed, 1);

  s.traversal.onMessage(b.asPeer(), { kind: 'get-punch-candidates' });
  const answer = b.sent.find((m) => (m as WireMessage).kind === 'punch-candidates');
  t.deepEqual(answer && (answer as WireMessage).kind === 'punch-candidates' ? (answer as unknown as { nodeIds: Buffer[] }).nodeIds.map((x) => x.toString('hex')) : undefined, [nodeIdHex(1)], 'the peer with listen port 0');
});

test('a new mapped port resets the checks and asks the peers again about that port', (t) => {
  const s = setup(t);
  s.traversal.start();
  const peer = s.peers.add(new FakePeer('8.8.8.8', nodeId(1)));
  s.traversal.onPeerReady(peer.asPeer());
  const [first] = dialBacks(peer);
  s.traversal.onMessage(peer.asPeer(), { kind: 'dial-back-result', nonce: first!.nonce, status: 'connect-failed' });
  s.traversal.setMappedPort(9101);
  const asks = dialBacks(peer);
  t.deepEqual(asks.map((a) => a.port), [9000, 9101]);
  s.traversal.setMappedPort(9101);
  t.is(dialBacks(peer).length, 2, 'the same port again changes nothing');
});

test('stop(): no more asks, polls or punches', async (t) => {
  const s = setup(t);
  const [relay] = behindPortPreservingNat(s);
  s.traversal.stop();
  const sent = relay!.sent.length;
  s.traversal.onPeerReady(relay!.asPeer());
  s.traversal.onMessage(relay!.asPeer(), { kind: 'punch-candidates', nodeIds: [nodeId(0x20)] });
  await new Promise((resolve) => setTimeout(resolve, 1_300));
  await tick();
  t.is(relay!.sent.length, sent);
});

test("inbound peers' failed dial-backs do not hide us (they reached our port themselves); a success from one is proof, and outbound peers' failures decide", (t) => {
  const s = setup(t);
  s.traversal.start();
  // Two strangers from two /16s connect first, as a node starts, and answer "failed" at once.
  const strangers = [1, 2].map((n) => {
    const p = s.peers.add(new FakePeer(`${30 + n}.${n}.1.1`, nodeId(0x40 + n), { listenPort: 9000, observed: { ip: '7.7.7.7', port: 9000 } }));
    p.direction = 'inbound';
    return p;
  });
  for (const p of strangers) s.traversal.onPeerReady(p.asPeer());
  for (const p of strangers) {
    const [ask] = dialBacks(p);
    if (ask === undefined) throw new Error('no dial-back asked');
    s.traversal.onMessage(p.asPeer(), { kind: 'dial-back-result', nonce: ask.nonce, status: 'connect-failed' });
  }
  const afterStrangers = s.traversal.state().reachability;
  t.log(`after 2 inbound failures: ${afterStrangers.status} (${afterStrangers.reason})`);
  t.is(afterStrangers.status, 'unknown', 'the old code said behind-nat here, and asked nobody else for 10 minutes');
  t.deepEqual(s.verdicts, []);
  // Peers we dialled are still asked, and their failures decide.
  behindPortPreservingNat(s);
  t.is(s.traversal.state().reachability.status, 'behind-nat-port-preserving');
});
