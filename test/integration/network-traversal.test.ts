/**
 * NAT traversal as an operator sees it, on real node processes over loopback: `cli nat` shows
 * the address peers see and a `public` verdict once their dial-backs reach each other, and
 * `cli punch` fails fast, with its reason and exit code 1, where no punch can help.
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { cli, waitFor } from './harness.js';
import { addPeer, startNetNode, waitConnected, type NetNode } from './network-harness.js';

const PUBLIC_TIMEOUT_MS = 30_000;

interface NatJson {
  enabled: boolean;
  traversal: {
    observed: { ip: string | null; confirmed: boolean; agreeingPeers: number; observers: number; reason: string };
    reachability: { status: string; reason: string; successes: number; failures: number; lastCheckAt: string | null; port: number | null };
    punch: { punches: number; failures: number; lastFailure: { nodeId: string; reason: string; at: string } | null };
  };
}

async function natJson(node: NetNode): Promise<NatJson> {
  const result = await cli(node.setup, ['nat', '--json']);
  if (result.code !== 0) throw new Error(`cli nat --json failed (${result.code}): ${result.stderr}`);
  return JSON.parse(result.stdout) as NatJson;
}

test('two nodes on loopback: each is public at 127.0.0.1; cli punch refuses a connected node and an unknown one, with reasons and exit 1', async (t) => {
  const a = await startNetNode(t, {}, ['--no-discovery']);
  const b = await startNetNode(t, {}, ['--no-discovery']);
  const upMs = Date.now();
  await addPeer(a, b);
  await waitConnected(a, b);

  let last: Record<string, NatJson> = {};
  try {
    await waitFor(
      'both nodes to report reachability "public"',
      async () => {
        last = { a: await natJson(a), b: await natJson(b) };
        return Object.values(last).every((n) => n.traversal.reachability.status === 'public');
      },
      PUBLIC_TIMEOUT_MS,
      500,
    );
  } catch (err) {
    t.log('last cli nat --json of each node:', JSON.stringify(last, null, 2));
    t.log('node A log (traversal lines):', traversalLog(a));
    t.log('node B log (traversal lines):', traversalLog(b));
    throw err;
  }
  t.log(`both public ${Date.now() - upMs} ms after addpeer`);
  for (const [name, n] of Object.entries(last)) {
    t.is(n.enabled, false, `${name}: UPnP is off in these tests, and traversal is there anyway`);
    t.is(n.traversal.observed.ip, '127.0.0.1', `${name}: the peer saw us at 127.0.0.1`);
    t.true(n.traversal.reachability.successes >= 1, `${name}: a dial-back reached it`);
    t.regex(n.traversal.reachability.lastCheckAt ?? '', /^\d{4}-\d\d-\d\dT/, `${name}: the check time is an ISO time`);
    t.log(`${name}: observed ${n.traversal.observed.ip} (${n.traversal.observed.reason}); reachability ${n.traversal.reachability.status} (${n.traversal.reachability.reason})`);
  }

  t.log(`$ ./kadchain nat --json (traversal part)\n${JSON.stringify((await natJson(a)).traversal, null, 2)}`);
  const text = await cli(a.setup, ['nat']);
  t.is(text.code, 0);
  t.log(`$ ./kadchain nat\n${text.stdout}`);
  t.regex(text.stdout, /^NAT port mapping is off \(--no-upnp or conf "nat": \{"upnp": false\}\)$/m);
  t.regex(text.stdout, /^external address \(seen by peers\): 127\.0\.0\.1 — unconfirmed: only 1 peer has seen 127\.0\.0\.1; 2 must agree$/m);
  t.regex(text.stdout, /^reachability: public — 1 peer reached us at 127\.0\.0\.1:\d+ directly$/m);
  const info = await cli(a.setup, ['getinfo']);
  t.log(`$ ./kadchain getinfo | grep nat\n${info.stdout.split('\n').filter((l) => l.startsWith('nat:')).join('\n')}`);
  t.regex(info.stdout, /^nat: UPnP off; public at 127\.0\.0\.1 \(unconfirmed\)$/m);

  // Already connected: the core refuses at once, before asking any relay.
  let started = Date.now();
  const connected = await cli(a.setup, ['punch', b.nodeId]);
  const connectedMs = Date.now() - started;
  t.log(`$ ./kadchain punch ${b.nodeId}  (exit ${connected.code}, ${connectedMs} ms)\n${connected.stdout}`);
  t.is(connected.code, 1);
  t.is(connected.stdout, `hole punching to ${b.nodeId.slice(0, 16)} failed after 0 attempts: already connected to node ${b.nodeId.slice(0, 16)}`);

  // Unknown id: the only peer (B) is asked to relay and is not connected to it.
  const stranger = randomBytes(32).toString('hex');
  started = Date.now();
  const unknown = await cli(a.setup, ['punch', stranger]);
  const unknownMs = Date.now() - started;
  t.log(`$ ./kadchain punch ${stranger}  (exit ${unknown.code}, ${unknownMs} ms)\n${unknown.stdout}`);
  t.is(unknown.code, 1);
  t.regex(unknown.stdout, new RegExp(`^hole punching to ${stranger.slice(0, 16)} failed after 0 attempts: no connected peer is connected to node ${stranger.slice(0, 16)}`));

  const json = await cli(a.setup, ['punch', stranger, '--json']);
  t.is(json.code, 1);
  t.like(JSON.parse(json.stdout), { nodeId: stranger, ok: false, attempts: 0, address: null });

  // Bad input never reaches the core: usage-like RPC errors, one line each.
  const short = await cli(a.setup, ['punch', 'abcd']);
  t.is(short.code, 1);
  t.regex(short.stderr, /must be a node id of 64 hex digits .* \(4 characters\)/);
  t.log(`$ ./kadchain punch abcd  (exit ${short.code})\n${short.stderr}`);
  const own = await cli(a.setup, ['punch', a.nodeId]);
  t.log(`$ ./kadchain punch <own id>  (exit ${own.code})\n${own.stderr}`);
  t.is(own.code, 1);
  t.regex(own.stderr, /this node's own/);

  const after = await natJson(a);
  t.log(`punch stats of A: ${JSON.stringify(after.traversal.punch)}`);
  t.is(after.traversal.punch.lastFailure?.nodeId, stranger, 'the last failure names the unknown id');
});

/**
 * Loopback has no NAT to swallow the first SYN: it reaches a port with no socket yet and is reset
 * at once, so the two SYNs cross only if both ends dial within the same fraction of a millisecond.
 * A punch here therefore usually fails, after PUNCH_MAX_TRIES tries through the relay; the lab
 * (test/lab/) proves the success case through real NATs. Either way what the operator sees must
 * be true: a success shows the link marked punched via the relay on both ends; a failure shows
 * three tries, a reason naming the simultaneous open, and the failure in `cli nat`.
 */
test('three nodes on loopback: cli punch goes through the common peer, and a far end that is reachable refuses it (dial it directly); reported truthfully in cli punch, cli peers and cli nat', async (t) => {
  const a = await startNetNode(t, {}, ['--no-discovery']);
  const relay = await startNetNode(t, {}, ['--no-discovery']);
  const c = await startNetNode(t, {}, ['--no-discovery']);
  await addPeer(a, relay);
  await addPeer(c, relay);
  await waitConnected(a, relay);
  await waitConnected(c, relay);
  // C learns it is reachable (the relay dials it back): from then on it takes no punches.
  await waitFor('C to report reachability "public"', async () => (await natJson(c)).traversal.reachability.status === 'public', PUBLIC_TIMEOUT_MS, 500);

  const result = await cli(a.setup, ['punch', c.nodeId]);
  t.log(`$ ./kadchain punch ${c.nodeId}  (exit ${result.code})\n${result.stdout}${result.stderr}`);
  const far = c.nodeId.slice(0, 16);
  const via = relay.nodeId.slice(0, 16);
  const relayLog = traversalLog(relay);
  t.regex(relayLog, /"phase":"connect","msg":"relaying a punch message"/, 'the relay forwarded the connect');
  t.regex(relayLog, /"phase":"refuse","msg":"relaying a punch message"/, "the relay forwarded the far end's refusal");
  t.notRegex(relayLog, /"phase":"sync"/, 'no sync: nobody dialled');
  const peers = await cli(a.setup, ['peers']);
  t.log(`$ ./kadchain peers\n${peers.stdout}`);
  const nat = await cli(a.setup, ['nat']);
  t.log(`$ ./kadchain nat (A, after the punch)\n${nat.stdout}`);
  t.is(result.code, 1);
  t.is(result.stdout.trim(), `hole punching to ${far} failed after 1 attempt: refused: not-wanted`);
  t.is(peers.stdout.split('\n').find((l) => l.startsWith(far)), undefined, 'no link to the far end');
  t.notRegex(peers.stdout.split('\n').find((l) => l.startsWith(via)) ?? '', /punched/, 'the link to the relay was dialled, not punched');
  t.regex(nat.stdout, new RegExp(`^hole punching: 1 punch, 0 direct links \\(0 on the first try\\), 1 failed; last failure: ${far} at \\d{4}-.*: refused: not-wanted`, 'm'));
});

function traversalLog(node: NetNode): string {
  return node.process
    .output()
    .split('\n')
    .filter((l) => /nat-traversal|dial-back|reachab|punch|probe/i.test(l))
    .slice(-40)
    .join('\n');
}
