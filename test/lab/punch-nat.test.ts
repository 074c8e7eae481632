/**
 * The punch lab's network itself (test/lab/punch-topology.ts), no node involved: with raw TCP
 * from punch-tools.ts, each kind of home router masquerades as documented — plain MASQUERADE
 * keeps source ports, --random-fully randomises them (conntrack shows it too), a double NAT of two
 * plain routers keeps them — an unsolicited SYN from the WAN is dropped (no RST), and a raw TCP
 * simultaneous open between the homes gets through exactly when both NATs keep ports. What the
 * node tests (punch.test.ts) then judge the node against. Root only; skipped with the reason.
 */
import test from 'ava';
import { setTimeout as sleep } from 'node:timers/promises';
import { P2P_PORT, PUNCH_TOOLS, punchLabSkipReason } from './punch-lab.js';
import { waitUntil } from './punch-node.js';
import { type HomeRole, PunchTopology, type Role, type TopologyOptions } from './punch-topology.js';

/** A connect that is dropped never completes, so this bounds it. */
const RAW_CONNECT_TIMEOUT_MS = 2_000;
/** Long enough for the SYN retransmitted after 1 s to cross. */
const RAW_SIMOPEN_TIMEOUT_MS = 3_000;
/** The second side of the raw simultaneous open starts this much later: the first side's SYN is dropped by the far router. */
const SIMOPEN_STAGGER_MS = 300;

const skipReason = await punchLabSkipReason();
if (skipReason) console.log(`punch lab (NAT) tests skipped: ${skipReason}`);
const labTest = skipReason ? test.skip : test.serial;

interface RawOutcome {
  ok: boolean;
  error?: string;
  remote?: string;
  seenAs?: string;
}

/** punch-tools in a namespace: its JSON lines (a non-zero exit is an outcome, not an error). */
async function rawTool(topo: PunchTopology, role: Role, args: readonly string[]): Promise<RawOutcome[]> {
  const { stdout } = await topo.exec(role, process.execPath, [PUNCH_TOOLS, ...args]).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
  const lines = stdout.split('\n').filter((l) => l.startsWith('{'));
  return lines.length === 0 ? [{ ok: false, error: 'no output' }] : lines.map((l) => JSON.parse(l) as RawOutcome);
}

const RAW_LOCAL_PORTS = [40001, 40002, 40003];

/** Where P's listener saw three connections from each home come from (local ports RAW_LOCAL_PORTS). */
async function observedSources(topo: PunchTopology): Promise<Record<HomeRole, string[]>> {
  const listener = topo.spawn('p', process.execPath, [PUNCH_TOOLS, 'listen', '40000', '10000']);
  let out = '';
  listener.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  try {
    await waitUntil('the listener on P', 5_000, async () => out.includes('listening'));
    const seen = await Promise.all(
      (['h1', 'h2'] as const).map(async (home) => {
        const results = await rawTool(topo, home, ['connect', topo.ip('p'), '40000', RAW_LOCAL_PORTS.join(','), String(RAW_CONNECT_TIMEOUT_MS)]);
        return results.map((r) => r.seenAs ?? `failed: ${r.error}`);
      }),
    );
    return { h1: seen[0]!, h2: seen[1]! };
  } finally {
    listener.kill();
  }
}

/** Both homes dial each other's WAN address from fixed ports (the second ~300 ms later). */
async function rawSimultaneousOpen(topo: PunchTopology): Promise<RawOutcome[]> {
  const a = rawTool(topo, 'h1', ['simopen', '41001', topo.wanIp('h2'), '41002', String(RAW_SIMOPEN_TIMEOUT_MS)]);
  await sleep(SIMOPEN_STAGGER_MS);
  const b = rawTool(topo, 'h2', ['simopen', '41002', topo.wanIp('h1'), '41001', String(RAW_SIMOPEN_TIMEOUT_MS)]);
  return [...(await a), ...(await b)];
}

labTest('the lab: routers masquerade like home routers (ports kept, or randomised with --random-fully), drop unsolicited SYNs, and let a raw simultaneous open through', async (t) => {
  const kinds: Array<[string, TopologyOptions]> = [
    ['plain', { tag: 'np' }],
    ['random-fully r1', { tag: 'nr', randomFully: ['r1'] }],
    ['double NAT', { tag: 'nd', doubleNat: true }],
  ];
  const topos = await Promise.all(kinds.map(([, options]) => PunchTopology.create(options)));
  try {
    await Promise.all(
      topos.map(async (topo, i) => {
        const kind = kinds[i]![0];
        const seen = await observedSources(topo);
        const keeps = (home: HomeRole): boolean => seen[home].every((s, j) => s === `${topo.wanIp(home)}:${RAW_LOCAL_PORTS[j]}`);
        t.true(seen.h1.every((s) => s.startsWith(`${topo.wanIp('h1')}:`)) && seen.h2.every((s) => s.startsWith(`${topo.wanIp('h2')}:`)), `${kind}: P sees the homes as their WAN addresses: ${JSON.stringify(seen)}`);
        t.is(keeps('h1'), kind === 'plain' || kind === 'double NAT', `${kind}: r1 keeps ports? P saw ${seen.h1.join(', ')}`);
        t.true(keeps('h2'), `${kind}: r2 keeps ports: P saw ${seen.h2.join(', ')}`);
        const conntrack = await topo.conntrack('r1');
        const mapped = /src=192\.168\.1\.2 dst=5\.5\.5\.2 sport=40001 dport=40000 .*src=5\.5\.5\.2 dst=7\.7\.7\.2 sport=40000 dport=(\d+)/.exec(conntrack);
        t.truthy(mapped, `${kind}: r1's conntrack has the mapping: ${conntrack}`);
        t.is(mapped?.[1] === '40001', kind !== 'random-fully r1', `${kind}: conntrack reply port ${mapped?.[1]}`);
        const [[unsolicited], [a, b]] = await Promise.all([
          rawTool(topo, 'p', ['connect', topo.wanIp('h1'), String(P2P_PORT), '40100', String(RAW_CONNECT_TIMEOUT_MS)]),
          rawSimultaneousOpen(topo),
        ]);
        t.false(unsolicited!.ok, `${kind}: P cannot connect to r1's WAN port`);
        t.regex(unsolicited!.error ?? '', /no connection within/, `${kind}: the SYN is dropped, not refused with a RST`);
        t.log(`${kind}: P saw h1 as ${seen.h1.join(', ')}, h2 as ${seen.h2.join(', ')}; raw simultaneous open h1: ${JSON.stringify(a)}, h2: ${JSON.stringify(b)}`);
        const punchable = kind !== 'random-fully r1';
        t.is(a?.ok, punchable, `${kind}: h1's side of the raw simultaneous open`);
        t.is(b?.ok, punchable, `${kind}: h2's side of the raw simultaneous open`);
        if (punchable) {
          t.is(a?.remote, `${topo.wanIp('h2')}:41002`);
          t.is(b?.remote, `${topo.wanIp('h1')}:41001`);
        }
        if (!t.passed) {
          for (const r of topo.routers) t.log(`${kind} ${r} conntrack:\n${await topo.conntrack(r)}\ncounters:\n${await topo.counters(r)}`);
        }
      }),
    );
  } finally {
    await Promise.all(topos.map((topo) => topo.destroy()));
  }
});

