import test from 'ava';
import { disabledNodeNatState } from '../../../src/node/nat-state.js';
import type { PeerInfo } from '../../../src/p2p/peer-info.js';
import type { PunchResult } from '../../../src/p2p/traversal/index.js';
import type { RpcNetwork } from '../../../src/rpc/context.js';
import { RpcParamError } from '../../../src/rpc/errors.js';
import { toJsonSafe } from '../../../src/rpc/json.js';
import { natMethods, natView } from '../../../src/rpc/methods/nat.js';
import { networkMethods } from '../../../src/rpc/methods/network.js';
import { silentLogger } from '../../../src/util/logger.js';
import { freshTraversalState, traversalState } from '../../helpers/traversal-state.js';
import { idleSyncStatus } from '../../helpers/sync-status.js';

const OWN = Buffer.alloc(32, 7);
const FAR = 'ab'.repeat(32);
const RELAY = 'cd'.repeat(32);

interface FakeNetwork {
  network: RpcNetwork;
  punched: string[];
  peers: PeerInfo[];
  result: { current: PunchResult };
}

function fakeNetwork(): FakeNetwork {
  const punched: string[] = [];
  const peers: PeerInfo[] = [];
  const result = { current: { ok: true, attempts: 1, relay: RELAY, reason: undefined, address: '8.8.8.2:40123', ms: 35 } as PunchResult };
  const network: RpcNetwork = {
    nodeId: OWN,
    listenHost: '0.0.0.0',
    tcpPort: 9000,
    udpPort: undefined,
    peers: () => peers,
    bans: () => [],
    discouraged: () => [],
    manualPeers: () => [],
    ban: () => {
      throw new Error('not in this test');
    },
    unban: () => false,
    clearBans: () => 0,
    addPeer: () => undefined,
    removePeer: () => false,
    nat: disabledNodeNatState,
    traversal: () => traversalState({
      observed: { ip: '7.7.7.2', confirmed: true, agreeingPeers: 2, agreeingGroups: 2, observers: 3, disagreeingPeers: 1, portPreservation: 'yes', portSamples: { preserved: 3, changed: 0 }, reason: '2 peers in 2 networks agree on 7.7.7.2' },
      reachability: { status: 'behind-nat-port-preserving', reason: 'r', successes: 0, failures: 2, lastCheckAtMs: Date.UTC(2030, 0, 2, 3, 4, 5), port: 9000 },
      punch: { punches: 2, attempts: 4, successes: 1, firstAttemptSuccesses: 0, failures: 1, lastFailure: { nodeId: FAR, reason: 'the far end did not accept within 5000 ms', atMs: Date.UTC(2030, 0, 2, 3, 4, 6) } },
    }),
    punch: async (id) => {
      punched.push(id);
      return result.current;
    },
    syncStatus: () => idleSyncStatus(),
  };
  return { network, punched, peers, result };
}

test('natView: a fresh node\'s traversal has null for every absent value, numbers for counts', (t) => {
  const v = toJsonSafe(natView(disabledNodeNatState(), freshTraversalState())) as Record<string, unknown>;
  t.is(v['enabled'], false, 'UPnP off');
  t.deepEqual(v['traversal'], {
    observed: { ip: null, confirmed: false, agreeingPeers: 0, agreeingGroups: 0, disagreeingPeers: 0, observers: 0, portPreservation: 'unknown', udpPortPreservation: 'unknown', portSamples: { preserved: 0, changed: 0 }, reason: 'no peer has told us our address yet' },
    reachability: { status: 'unknown', reason: 'no peer has tried to dial us back yet', successes: 0, failures: 0, lastCheckAt: null, port: null },
    punch: { punches: 0, attempts: 0, successes: 0, firstAttemptSuccesses: 0, failures: 0, accepted: 0, acceptedSuccesses: 0, lastFailure: null },
    served: { dialBacks: { served: 0, connected: 0, failed: 0, refused: 0 }, relayed: 0, relayRefused: 0 },
  });
});

test('nat answers with UPnP off, carrying the traversal state with ISO times', async (t) => {
  const f = fakeNetwork();
  const v = toJsonSafe(await natMethods({ network: f.network })['nat']!({})) as { enabled: boolean; traversal: Record<string, Record<string, unknown>> };
  t.is(v.enabled, false);
  t.like(v.traversal['observed'], { ip: '7.7.7.2', confirmed: true, agreeingPeers: 2, agreeingGroups: 2, disagreeingPeers: 1, observers: 3, portPreservation: 'yes', portSamples: { preserved: 3, changed: 0 } });
  t.deepEqual(v.traversal['reachability'], { status: 'behind-nat-port-preserving', reason: 'r', successes: 0, failures: 2, lastCheckAt: '2030-01-02T03:04:05.000Z', port: 9000 });
  t.deepEqual(v.traversal['punch']!['lastFailure'], { nodeId: FAR, reason: 'the far end did not accept within 5000 ms', at: '2030-01-02T03:04:06.000Z' });
  t.is(typeof v.traversal['punch']!['attempts'], 'number');
});

test('punch: the id is checked (64 hex digits, not ours) before the network is asked; bad input is one sentence', async (t) => {
  const f = fakeNetwork();
  const punch = natMethods({ network: f.network })['punch']!;
  const refused: Array<[unknown, RegExp]> = [
    [{}, /^missing parameter "nodeId"$/],
    [{ nodeId: 'zz'.repeat(32) }, /^parameter "nodeId" must be a node id of 64 hex digits \(see: \.\/kadchain peers\), got "z+" \(64 characters\)$/],
    [{ nodeId: FAR.slice(1) }, /\(63 characters\)$/],
    [{ nodeId: `${FAR}a` }, /\(65 characters\)$/],
    [{ nodeId: '' }, /must be a node id of 64 hex digits/],
    [{ nodeId: 42 }, /must be a node id of 64 hex digits \(see: \.\/kadchain peers\), got 42$/],
    [{ nodeId: FAR, extra: 1 }, /^unknown parameter "extra"/],
    [{ nodeId: OWN.toString('hex') }, /^that node id is this node's own: punch another node's id \(see: \.\/kadchain peers\)$/],
    [{ nodeId: OWN.toString('hex').toUpperCase() }, /this node's own/],
  ];
  for (const [params, message] of refused) {
    const err = await t.throwsAsync(async () => punch(params), { instanceOf: RpcParamError, message }, JSON.stringify(params));
    t.false(err?.message.includes('\n'), 'one line');
  }
  t.deepEqual(f.punched, [], 'the network was never asked');

  t.deepEqual(toJsonSafe(await punch({ nodeId: ` ${FAR.toUpperCase()} ` })), { nodeId: FAR, ok: true, attempts: 1, relay: RELAY, reason: null, address: '8.8.8.2:40123', ms: 35 });
  t.deepEqual(toJsonSafe(await punch([FAR])), { nodeId: FAR, ok: true, attempts: 1, relay: RELAY, reason: null, address: '8.8.8.2:40123', ms: 35 }, 'by position too');
  t.deepEqual(f.punched, [FAR, FAR], 'lower-case hex reaches the network');

  f.result.current = { ok: false, attempts: 0, relay: undefined, reason: `no connected peer is connected to node ${FAR.slice(0, 16)}`, address: undefined, ms: 3 };
  t.deepEqual(toJsonSafe(await punch({ nodeId: FAR })), { nodeId: FAR, ok: false, attempts: 0, relay: null, reason: `no connected peer is connected to node ${FAR.slice(0, 16)}`, address: null, ms: 3 }, 'a failure is a result, not an error');
});

test('peers rows carry punched: { relay } for a hole-punched link and null otherwise', async (t) => {
  const f = fakeNetwork();
  const base: PeerInfo = {
    nodeId: FAR, address: '8.8.8.2:40123', listenPort: 0, direction: 'outbound', ready: true, manual: false, discouraged: false,
    handshakeHeight: 1, handshakeWork: '2', bestHeight: 1, bestWork: '2', pingRttMs: 3, connectedSinceMs: Date.now(),
  };
  f.peers.push({ ...base, punched: { relay: RELAY } }, { ...base, nodeId: RELAY, address: '9.9.9.9:9000' });
  const result = toJsonSafe(await networkMethods({ network: f.network, logger: silentLogger() })['peers']!({})) as { peers: Array<Record<string, unknown>> };
  t.deepEqual(result.peers.map((p) => p['punched']), [{ relay: RELAY }, null]);
});
