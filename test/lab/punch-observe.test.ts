/**
 * Issue 10, what a node learns and what it lends (test/lab/punch-lab.ts, one lab with P as the
 * only public peer, shared by the serial tests): with one peer's observation a home node's
 * external address is unconfirmed and says so; dial-back requests sent to P by a scripted peer
 * on host X (dial-back-client.ts) make P dial only X's own IP — a listener on a third host T
 * gets nothing, the core's counters see no SYN from P elsewhere — and a flood is refused.
 * Root only; each failure prints node logs, `cli nat --json`, `cli peers --json`, conntrack.
 */
import test from 'ava';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { P2P_PORT, PUNCH_TOOLS, punchLabSkipReason } from './punch-lab.js';
import { SharedLab, guarded } from './punch-context.js';
import { waitUntil } from './punch-node.js';

const DIAL_BACK_CLIENT = fileURLToPath(new URL('./dial-back-client.js', import.meta.url));
const SETTLE_TIMEOUT_MS = 20_000;
const CONNECT_TIMEOUT_MS = 20_000;
/** How long H1 keeps being asked whether the lone observation stays unconfirmed. */
const UNCONFIRMED_HOLD_MS = 3_000;
/** Dial-back requests X sends at once: more than any per-requester rate limit should allow. */
const DIAL_BACK_REQUESTS = 16;
const DIAL_BACK_BASE_PORT = 47001;
const DIAL_BACK_TIMEOUT_MS = 20_000;
/** After X's report, SYNs still in flight through the core. */
const COUNTER_SETTLE_MS = 500;

const skipReason = await punchLabSkipReason();
if (skipReason) console.log(`punch lab (observed address, dial-back) tests skipped: ${skipReason}`);
const labTest = skipReason ? test.skip : test.serial;

const shared = new SharedLab({ tag: 'o' }, false);
test.after.always(() => shared.destroy());

labTest('only one public peer: H1 reports its observed address as unconfirmed and says so', async (t) => {
  const { lab, pub } = await shared.get();
  await guarded(t, lab, async () => {
    const h1 = await lab.start('h1', 'H1', { bootstrap: [pub.p] });
    await waitUntil('H1 connected to P', CONNECT_TIMEOUT_MS, async () => (await h1.linkTo(pub.p)) !== undefined);
    const seen = await waitUntil('H1 to report the address P observes', SETTLE_TIMEOUT_MS, async () => (await h1.traversal()).observed.ip === lab.topo.wanIp('h1')).catch((err: Error) => err);
    t.false(seen instanceof Error, seen instanceof Error ? seen.message : '');
    const until = Date.now() + UNCONFIRMED_HOLD_MS;
    let tr = await h1.traversal().catch(() => undefined);
    while (tr !== undefined && !tr.observed.confirmed && Date.now() < until) {
      await sleep(200);
      tr = await h1.traversal();
    }
    t.log(`H1 with P alone: ${JSON.stringify(tr)}`);
    t.is(tr?.observed.ip, lab.topo.wanIp('h1'));
    t.false(tr?.observed.confirmed ?? true, 'one peer\'s observation is not confirmed');
    t.is(tr?.observed.agreeingPeers, 1);
    t.regex(tr?.observed.reason ?? '', /confirm|agree|peer|one|only|1/i, 'the reason says it is unconfirmed and why');
    await lab.stop(h1);
  });
});

interface DialBackReport {
  ready: boolean;
  results: Array<{ nonce: string; port: number; status: string }>;
  probes: Array<{ port: number; remote: string; frames: Array<{ kind: string; nonce?: string }>; error?: string }>;
  closedByNode: boolean;
  received: string[];
  rejects: string[];
  error: string | null;
}

labTest('dial-back cannot be aimed at a third party: P dials only the requester\'s own IP, a host T gets nothing, and a flood is refused', async (t) => {
  const { lab, pub } = await shared.get();
  await guarded(t, lab, async () => {
    const ports = Array.from({ length: DIAL_BACK_REQUESTS }, (_, i) => DIAL_BACK_BASE_PORT + i);
    await lab.topo.watchSyns('p', ['x', 't'], `${ports[0]}:${ports[ports.length - 1]}`);
    // T listens on every port X asks for: a dial-back aimed anywhere but X would land here.
    const tListener = lab.topo.spawn('t', process.execPath, [PUNCH_TOOLS, 'listen', ports.join(','), String(DIAL_BACK_TIMEOUT_MS + 5_000)]);
    let tOut = '';
    tListener.stdout?.on('data', (d: Buffer) => (tOut += d.toString()));
    await waitUntil('the listener on T', 5_000, async () => tOut.includes('listening'));
    const { stdout } = await lab.topo.exec('x', process.execPath, [DIAL_BACK_CLIENT, pub.p.host.ip, String(P2P_PORT), String(DIAL_BACK_BASE_PORT), String(DIAL_BACK_REQUESTS), String(DIAL_BACK_TIMEOUT_MS)], DIAL_BACK_TIMEOUT_MS + 10_000);
    const report = JSON.parse(stdout.trim()) as DialBackReport;
    await sleep(COUNTER_SETTLE_MS);
    const syns = await lab.topo.synCounts();
    const tConnections = tOut.split('\n').filter((l) => l.includes('"remote"'));
    const statuses = report.results.map((r) => r.status);
    const count = (s: string): number => statuses.filter((x) => x === s).length;
    t.log(`X's report: ready ${report.ready}, results ${JSON.stringify(statuses)}, probes ${report.probes.length}, closed by P ${report.closedByNode}, error ${report.error}, received ${report.received.join(',')}, rejects ${report.rejects.join(' ')}`);
    t.log(`SYNs from P through the core to ports ${ports[0]}–${ports[ports.length - 1]}: ${JSON.stringify(Object.fromEntries(syns))}; connections on T: ${tConnections.length}`);
    t.true(report.ready, 'X completed the handshake with P');
    t.is(tConnections.length, 0, 'T received no connection');
    t.is(syns.get('p>t'), 0, 'P sent no SYN to T');
    t.is(syns.get('p>other'), 0, 'P dialled nobody but X');
    t.is(report.results.length, DIAL_BACK_REQUESTS, `every request answered (error: ${report.error})`);
    t.true(count('connected') >= 1, 'the first requests are served');
    t.true(count('refused') >= 1, 'requests beyond the rate limit are refused');
    const byNonce = new Map(report.results.map((r) => [r.nonce, r]));
    for (const probe of report.probes) {
      t.is(probe.remote.split(':')[0], pub.p.host.ip, 'the dial-back comes from P');
      t.is(probe.frames[0]?.kind, 'probe', `port ${probe.port}: the dial-back's frame is a probe (${JSON.stringify(probe.frames)})`);
      const result = byNonce.get(probe.frames[0]?.nonce ?? '');
      t.is(result?.port, probe.port, 'the probe carries the nonce of the request for its port');
    }
    const probed = report.probes.filter((p) => p.frames[0]?.kind === 'probe').length;
    t.is(probed, count('connected'), 'one probe per "connected" result');
    t.true((syns.get('p>x') ?? 0) >= count('connected'), 'the probes went to X');
  });
});

