/**
 * NAT traversal inside real nodes on loopback (P2PNetwork, PeerSet, Peer): the dial-back check
 * end to end, a bare probe connection, the peer set's hooks for punching, and a punch's
 * signalling through a real relay. 127.0.0.1 counts as a public address here (TEST_ADDRESSES).
 */
import test from 'ava';
import { connect as tcpConnect, type Socket } from 'node:net';
import { resolveP2PConfig } from '../../../src/p2p/config.js';
import { nodeKeyFromPrivateKey } from '../../../src/p2p/discovery/node-key.js';
import { PeerSet } from '../../../src/p2p/peers.js';
import { ZERO_HASH } from '../../../src/primitives/hash.js';
import { generatePrivateKey } from '../../../src/primitives/secp256k1.js';
import { silentLogger } from '../../../src/util/logger.js';
import { buildBlock, makeKey } from '../../helpers/fixtures.js';
import { FAST_CONFIG, TEST_ADDRESSES, connect, startNode, waitFor } from '../p2p/net-helpers.js';
import { RawPeer } from '../p2p/raw-peer.js';

const genesis = buildBlock({ miner: makeKey() });

test('dial-back end to end: each node asks the other, the probe comes back on a new inbound connection, both are public', async (t) => {
  const a = await startNode(t, { genesis });
  const b = await startNode(t, { genesis });
  const events: string[] = [];
  a.net.on('reachability', (s) => void events.push(s.status));
  await connect(a, b);
  await waitFor(() => a.net.traversalState().reachability.status === 'public' && b.net.traversalState().reachability.status === 'public', 'both verdicts');
  const sa = a.net.traversalState();
  t.log(`A: ${sa.reachability.reason}; served for B: ${JSON.stringify(sa.served.dialBacks)}`);
  t.is(sa.reachability.port, a.net.tcpPort, 'the listen port was checked');
  t.like(b.net.traversalState().served.dialBacks, { served: 1, connected: 1 });
  t.deepEqual(events, ['public']);
  t.deepEqual(a.net.discouraged(), [], 'the probe connection cost nobody anything');
  t.is(a.net.peers().filter((p) => p.ready).length, 1, 'the probe connection is gone; the session stays');
});

test('a bare probe connection is closed without discouraging its address', async (t) => {
  const a = await startNode(t, { genesis });
  const raw = await RawPeer.connect(a.net.tcpPort);
  t.teardown(() => raw.destroy());
  raw.send({ kind: 'probe', nonce: 5n });
  await raw.waitClosed();
  t.deepEqual(a.net.discouraged(), []);
  t.is(a.net.traversalState().reachability.successes, 0, 'a nonce we never sent proves nothing');
});

test('PeerSet hooks: attachPunched makes an outbound session marked with the relay; byNodeId finds it once ready; punchRoom counts it, and at most half the outbound slots may be punched', async (t) => {
  const b = await startNode(t, { genesis });
  const key = nodeKeyFromPrivateKey(generatePrivateKey());
  const config = resolveP2PConfig({ ...FAST_CONFIG, maxOutbound: 4 });
  const set = new PeerSet({ config, nodeKey: key, status: () => ({ genesisHash: ZERO_HASH, bestHeight: 0, chainWork: 0n }), logger: silentLogger(), classifyAddress: TEST_ADDRESSES });
  await set.start();
  t.teardown(() => set.stop());
  t.is(set.punchRoom(), 2, 'half of 4 outbound slots');
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = tcpConnect({ host: '127.0.0.1', port: b.net.tcpPort }, () => resolve(s));
    s.once('error', reject);
  });
  const relayHex = 'cd'.repeat(32);
  const peer = set.attachPunched(socket, relayHex);
  t.is(peer.direction, 'outbound');
  t.is(set.punchRoom(), 1, 'a punched session takes a slot of the punched half');
  const bHex = b.key.nodeId.toString('hex');
  t.is(set.byNodeId(bHex), undefined, 'not before the ack proved it');
  await waitFor(() => peer.isReady, 'the punched session to be ready');
  t.is(set.byNodeId(bHex), peer);
  t.deepEqual(set.peers()[0]?.punched, { relay: relayHex }, 'cli peers shows the relay');
  peer.close('test');
  t.is(set.byNodeId(bHex), undefined);
  t.is(set.punchRoom(), 2);
  const one = new PeerSet({ config: resolveP2PConfig({ ...FAST_CONFIG, maxOutbound: 1 }), nodeKey: key, status: () => ({ genesisHash: ZERO_HASH, bestHeight: 0, chainWork: 0n }), logger: silentLogger(), classifyAddress: TEST_ADDRESSES });
  t.is(one.punchRoom(), 1, 'with one outbound slot, that one may be punched');
});

test('a punch through a real relay to a node that is reachable: the relay forwards it, the far end refuses (it can be dialled directly), one try, nobody discouraged', async (t) => {
  const r = await startNode(t, { genesis });
  const a = await startNode(t, { genesis });
  const b = await startNode(t, { genesis });
  await connect(a, r);
  await connect(b, r);
  await waitFor(() => b.net.traversalState().reachability.status === 'public', 'B to know it is reachable (R dialled it back)');
  const result = await a.net.punch(b.key.nodeId.toString('hex'));
  t.log(`result: ${JSON.stringify(result)}`);
  const relayed = r.net.traversalState().served.relayed;
  t.log(`relayed by R: ${relayed}; A stats: ${JSON.stringify(a.net.traversalState().punch)}; B stats: ${JSON.stringify(b.net.traversalState().punch)}`);
  t.false(result.ok);
  t.is(result.attempts, 1, 'a refusal of the far end ends the punch');
  t.is(result.relay, r.key.nodeId.toString('hex'));
  t.is(result.reason, 'refused: not-wanted');
  t.is(relayed, 2, 'the connect there and the refusal back');
  t.like(a.net.traversalState().punch, { punches: 1, attempts: 1, failures: 1, successes: 0 });
  t.like(b.net.traversalState().punch, { accepted: 0, attempts: 0 });
  t.deepEqual([a, b, r].map((n) => n.net.discouraged().length), [0, 0, 0]);
});

test('cli punch: a target no connected peer knows → no try, a reason; an already connected one → refused at once', async (t) => {
  const a = await startNode(t, { genesis });
  const b = await startNode(t, { genesis });
  await connect(a, b);
  const unknown = await a.net.punch('ee'.repeat(32));
  t.like(unknown, { ok: false, attempts: 0 });
  t.regex(unknown.reason ?? '', /no connected peer is connected to node eeeeeeee/);
  const known = await a.net.punch(b.key.nodeId.toString('hex'));
  t.like(known, { ok: false, attempts: 0 });
  t.regex(known.reason ?? '', /already connected/);
});

// A dial-back probe is an inbound connection like any other until its first frame: on a node
// whose inbound slots are full it would evict an inbound peer (or be refused, and the asked
// peer's 'connected' would count as a failure). So such a node does not ask; its verdict stays
// what its last checks said (a node with full inbound slots is evidently reachable).
test('a node whose inbound slots are full asks for no dial-back: the probe would evict an inbound peer before it shows it is a probe', async (t) => {
  const a = await startNode(t, { genesis, config: { maxInbound: 1 } });
  const c = await startNode(t, { genesis });
  let closed = 0;
  a.net.on('peer:closed', () => void closed++);
  // C dials A and takes its only inbound slot; A must not ask C (or anyone) to dial it back now.
  await connect(c, a);
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const served = c.net.traversalState().served.dialBacks;
  t.log(`C served ${served.served} dial-backs for A; A closed ${closed} connections`);
  t.is(served.served, 0, 'A did not ask');
  t.is(closed, 0, 'no inbound peer evicted');
  t.is(a.net.traversalState().reachability.failures, 0);
});
