import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findCommand } from '../../../src/cli/commands.js';
import { format } from '../../../src/cli/format.js';
import { formatNat, natSummary } from '../../../src/cli/format-nat.js';
import { formatPeers } from '../../../src/cli/format-peers.js';
import { formatPunch, formatTraversal, reachabilityName, traversalSummary } from '../../../src/cli/format-traversal.js';
import { type CliIo, parseCommandArgs, runCli } from '../../../src/cli/main.js';
import type { JsonValue } from '../../../src/rpc/json.js';
import { toJsonSafe } from '../../../src/rpc/json.js';
import { writeCookie } from '../../../src/rpc/cookie.js';
import { traversalView } from '../../../src/rpc/methods/traversal-view.js';
import { RpcServer } from '../../../src/rpc/server.js';
import { silentLogger } from '../../../src/util/logger.js';
import { type TraversalOverrides, traversalState } from '../../helpers/traversal-state.js';

const FAR = 'cd'.repeat(32);
const RELAY = 'ef'.repeat(32);

/** What the RPC sends for a traversal state: the same conversion the node does. */
const view = (over: TraversalOverrides = {}): JsonValue => toJsonSafe(traversalView(traversalState(over)));

const behindNat: TraversalOverrides = {
  observed: { ip: '7.7.7.2', confirmed: true, agreeingPeers: 2, agreeingGroups: 2, observers: 2, portPreservation: 'yes', portSamples: { preserved: 3, changed: 0 }, reason: '2 peers in 2 networks agree on 7.7.7.2' },
  reachability: { status: 'behind-nat-port-preserving', reason: '2 peers could not dial 7.7.7.2:9000 and the NAT keeps port numbers: hole punching can work', failures: 2, lastCheckAtMs: Date.UTC(2030, 0, 2, 3, 4, 5), port: 9000 },
  punch: { punches: 3, attempts: 3, successes: 3, firstAttemptSuccesses: 3 },
};

const upnpOff = { enabled: false, searching: false, gatewayFound: false, protocol: null, externalIp: null, mappedPorts: [], doubleNat: false, reachable: false, externalEndpoint: null };

test('every reachability status has its human name, in cli nat and in the getinfo summary', (t) => {
  const names: Record<string, string> = {
    public: 'public',
    mapped: 'mapped (UPnP/NAT-PMP)',
    'behind-nat-port-preserving': 'behind NAT (port-preserving)',
    'behind-nat-symmetric': 'behind NAT (symmetric / unknown)',
    unknown: 'unknown',
  };
  for (const [status, name] of Object.entries(names)) {
    t.is(reachabilityName(status), name);
    const v = view({ ...behindNat, reachability: { ...behindNat.reachability, status: status as 'public', reason: `because ${status}` } });
    t.true(formatTraversal(v).includes(`reachability: ${name} — because ${status}`), status);
    t.is(traversalSummary(v), `${name} at 7.7.7.2 (confirmed)`);
  }
  t.is(reachabilityName(null), 'unknown', 'an absent status reads unknown');
});

test('cli nat with UPnP off still shows the whole traversal section, one fact a line', (t) => {
  const result = { ...upnpOff, traversal: view({ ...behindNat, punch: { ...behindNat.punch, accepted: 2, acceptedSuccesses: 1 } }) };
  const out = formatNat(toJsonSafe(result));
  t.log(out);
  t.is(
    out,
    [
      'NAT port mapping is off (--no-upnp or conf "nat": {"upnp": false})',
      'external address (seen by peers): 7.7.7.2 — confirmed by 2 peers in 2 networks',
      'port preservation: yes (3 of 3 connections kept their port): hole punching can work',
      'reachability: behind NAT (port-preserving) — 2 peers could not dial 7.7.7.2:9000 and the NAT keeps port numbers: hole punching can work',
      'dial-back checks: 0 peers reached us, 2 could not (port 9000, last 2030-01-02T03:04:05.000Z)',
      'hole punching: 3 punches, 3 direct links (3 on the first try), 0 failed; 2 asked by other nodes (1 direct)',
      'served to peers: 0 dial-backs (0 connected, 0 failed, 0 refused), 0 punch messages relayed (0 refused)',
    ].join('\n'),
  );
  t.is(natSummary(toJsonSafe(result)), 'UPnP off; behind NAT (port-preserving) at 7.7.7.2 (confirmed)');
  t.is(format.getinfo(toJsonSafe({ height: 1, nat: result })), 'height: 1\nnat: UPnP off; behind NAT (port-preserving) at 7.7.7.2 (confirmed)');
});

test('the forward-by-hand hint is left to older nodes without traversal; the mapping lines come first', (t) => {
  const noGateway = { ...upnpOff, enabled: true };
  t.regex(formatNat(noGateway), /forwarded by hand/, 'no traversal field: the old hint stays');
  const withTraversal = formatNat(toJsonSafe({ ...noGateway, traversal: view() }));
  t.notRegex(withTraversal, /forwarded by hand/);
  t.regex(withTraversal, /^gateway: none found \(tried UPnP IGDv1, UPnP IGDv2, NAT-PMP\)\nexternal address \(seen by peers\): unknown — no peer has told us our address yet\n/);
  t.regex(withTraversal, /\nreachability: unknown — no peer has tried to dial us back yet\nhole punching: none yet\n/);
  t.notRegex(withTraversal, /dial-back checks/, 'no check yet: no check line');
  t.is(natSummary(toJsonSafe({ ...noGateway, traversal: view() })), 'no UPnP/NAT-PMP gateway found; unknown, external address not known yet');
  const mapped = {
    ...upnpOff, enabled: true, gatewayFound: true, protocol: 'upnp-igdv2', externalIp: '7.7.7.1',
    mappedPorts: [{ protocol: 'TCP', internal: 9000, external: 9000, leaseExpiresAt: null }], reachable: true, externalEndpoint: { ip: '7.7.7.1', tcpPort: 9000, udpPort: 9000 },
  };
  const v = view({ observed: { ip: '7.7.7.1', confirmed: true, agreeingPeers: 3, agreeingGroups: 2, observers: 4, disagreeingPeers: 1 }, reachability: { status: 'mapped', reason: '1 peer reached us at 7.7.7.1:9000 through the router\'s port mapping', successes: 1, port: 9000, lastCheckAtMs: 0 } });
  const out = formatNat(toJsonSafe({ ...mapped, traversal: v }));
  t.regex(out, /^gateway: found \(UPnP IGDv2\)\n[^]*advertised to peers: 7\.7\.7\.1 \(tcp 9000, udp 9000\)\nexternal address \(seen by peers\): 7\.7\.7\.1 — confirmed by 3 peers in 2 networks; 1 other peer saw another address\n/);
  t.regex(out, /\nreachability: mapped \(UPnP\/NAT-PMP\) — 1 peer reached us/);
  t.regex(out, /\ndial-back checks: 1 peer reached us, 0 could not \(port 9000, last 1970-01-01T00:00:00\.000Z\)/);
  t.is(natSummary(toJsonSafe({ ...mapped, traversal: v })), 'UPnP IGDv2, reachable at 7.7.7.1 (tcp 9000, udp 9000); mapped (UPnP/NAT-PMP) at 7.7.7.1 (confirmed)');
});

test('an unconfirmed address says why; symmetric NATs and unknown port behaviour say what that means for punching', (t) => {
  const unconfirmed = formatTraversal(view({ observed: { ip: '7.7.7.2', confirmed: false, agreeingPeers: 1, agreeingGroups: 1, observers: 1, reason: 'only 1 peer has seen 7.7.7.2; 2 must agree' } }));
  t.is(unconfirmed[0], 'external address (seen by peers): 7.7.7.2 — unconfirmed: only 1 peer has seen 7.7.7.2; 2 must agree');
  t.is(traversalSummary(view({ observed: { ip: '7.7.7.2', confirmed: false } })), 'unknown at 7.7.7.2 (unconfirmed)');

  const symmetric = formatTraversal(view({
    observed: { ip: '7.7.7.3', confirmed: true, agreeingPeers: 2, agreeingGroups: 2, portPreservation: 'no', portSamples: { preserved: 0, changed: 2 }, udpPortPreservation: 'no' },
    reachability: { status: 'behind-nat-symmetric', reason: '2 peers could not dial 7.7.7.3:9000 and the NAT changes port numbers: hole punching will not work' },
  }));
  t.is(symmetric[1], 'port preservation: no (0 of 2 connections kept their port): symmetric NAT — the far end cannot predict our port, so hole punching cannot work from here');
  t.is(symmetric[2], 'UDP port mapping: changes with the destination (symmetric NAT for UDP)');
  t.is(symmetric[3], 'reachability: behind NAT (symmetric / unknown) — 2 peers could not dial 7.7.7.3:9000 and the NAT changes port numbers: hole punching will not work');

  t.is(formatTraversal(view())[1], 'port preservation: unknown (no connection of ours has reported it yet)');
  t.is(formatTraversal(view({ observed: { ip: '7.7.7.2', portSamples: { preserved: 1, changed: 0 } } }))[1], 'port preservation: unknown (1 of 1 connection kept its port; more samples needed)');
  t.false(formatTraversal(view()).some((l) => l.startsWith('UDP port mapping')), 'UDP is mentioned only when it changes ports');
});

test('hole punching: counts, and the last failure with the far end, time and reason', (t) => {
  const lines = formatTraversal(view({
    punch: { punches: 4, attempts: 7, successes: 1, firstAttemptSuccesses: 0, failures: 3, lastFailure: { nodeId: FAR, reason: 'the far end did not accept within 5000 ms', atMs: Date.UTC(2030, 0, 2, 3, 4, 5) } },
  }));
  t.true(lines.includes(`hole punching: 4 punches, 1 direct link (0 on the first try), 3 failed; last failure: ${FAR.slice(0, 16)} at 2030-01-02T03:04:05.000Z: the far end did not accept within 5000 ms`), lines.join('\n'));
  const one = formatTraversal(view({ punch: { punches: 1, successes: 1, firstAttemptSuccesses: 1 } }));
  t.true(one.includes('hole punching: 1 punch, 1 direct link (1 on the first try), 0 failed'));
});

test('cli punch: the direct link with address, attempts, relay and time; a failure with its reason', (t) => {
  t.is(
    formatPunch({ nodeId: FAR, ok: true, attempts: 1, relay: RELAY, reason: null, address: '8.8.8.2:40123', ms: 35 }),
    `direct connection to ${FAR.slice(0, 16)} at 8.8.8.2:40123 after 1 attempt (relay ${RELAY.slice(0, 16)}, 35 ms)`,
  );
  t.is(
    formatPunch({ nodeId: FAR, ok: false, attempts: 3, relay: RELAY, reason: 'simultaneous open failed: no TCP connection', address: null, ms: 12_000 }),
    `hole punching to ${FAR.slice(0, 16)} failed after 3 attempts: simultaneous open failed: no TCP connection`,
  );
  t.is(formatPunch({ nodeId: FAR, ok: false, attempts: 0, relay: null, reason: null, address: null, ms: 1 }), `hole punching to ${FAR.slice(0, 16)} failed after 0 attempts: no reason given`);
});

test('cli peers marks punched connections with their relay, and adds the NOTE column only when one is', (t) => {
  const row = { id: FAR.slice(0, 16), address: '8.8.8.2:40123', direction: 'outbound', ready: true, height: 12, pingMs: 3, connectedForSec: 75 };
  const plain = formatPeers({ peers: [{ ...row, punched: null }], bans: [] });
  t.notRegex(plain, /NOTE|punched/);
  const out = formatPeers({ peers: [{ ...row, punched: { relay: RELAY } }, { ...row, id: RELAY.slice(0, 16), address: '9.9.9.9:9000', punched: null }], bans: [] });
  t.log(out);
  t.is(
    out,
    [
      '2 peer(s)',
      'ID                ADDRESS        DIR  HEIGHT  PING  CONNECTED  NOTE',
      `${FAR.slice(0, 16)}  8.8.8.2:40123  out      12  3 ms  1m 15s     punched via ${RELAY.slice(0, 16)}`,
      `${RELAY.slice(0, 16)}  9.9.9.9:9000   out      12  3 ms  1m 15s`,
    ].join('\n'),
  );
});

function io(): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, cwd: process.cwd(), stdout: (s) => void out.push(s), stderr: (s) => void err.push(s) };
}

test('cli punch <nodeid>: the id goes as nodeId; exit 0 on a direct link, 1 on failure; --json prints the raw result', async (t) => {
  const punch = findCommand('punch')!;
  t.deepEqual(punch.params(parseCommandArgs(punch, [FAR])), { nodeId: FAR });
  t.throws(() => parseCommandArgs(punch, []), { message: 'punch needs <nodeid> (usage: ./kadchain punch <nodeid>)' });
  const help = io();
  t.is(await runCli(['--help'], help), 0);
  t.regex(help.out[0] ?? '', /\n {2}punch +open a direct connection to a node/);
  t.regex(help.out[0] ?? '', /\n {2}nat +router port mapping \(UPnP\/NAT-PMP\), the external address peers see/);

  const dir = await mkdtemp(join(tmpdir(), 'kadchain-cli-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const results: Record<string, unknown> = {
    [FAR]: { nodeId: FAR, ok: true, attempts: 1, relay: RELAY, reason: null, address: '8.8.8.2:40123', ms: 35 },
    [RELAY]: { nodeId: RELAY, ok: false, attempts: 3, relay: FAR, reason: 'the far end did not accept within 5000 ms', address: null, ms: 15_000 },
  };
  const server = new RpcServer({ host: '127.0.0.1', port: 0, cookie: writeCookie(dir), methods: { punch: (p: unknown) => results[(p as { nodeId: string }).nodeId] }, logger: silentLogger() });
  const { port } = await server.start();
  t.teardown(() => server.stop());
  const flags = ['--rpc-port', String(port), '--datadir', dir];
  const ok = io();
  t.is(await runCli(['punch', FAR, ...flags], ok), 0);
  t.deepEqual(ok.out, [`direct connection to ${FAR.slice(0, 16)} at 8.8.8.2:40123 after 1 attempt (relay ${RELAY.slice(0, 16)}, 35 ms)`]);
  const failed = io();
  t.is(await runCli(['punch', RELAY, ...flags], failed), 1);
  t.deepEqual(failed.out, [`hole punching to ${RELAY.slice(0, 16)} failed after 3 attempts: the far end did not accept within 5000 ms`]);
  const raw = io();
  t.is(await runCli(['punch', RELAY, '--json', ...flags], raw), 1, '--json keeps the exit code');
  t.deepEqual(JSON.parse(raw.out[0] ?? ''), results[RELAY]);
});
