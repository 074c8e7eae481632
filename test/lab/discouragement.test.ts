/**
 * Issue #8 with real processes and real non-local addresses: a misbehaving address is
 * discouraged, then only accepted while inbound slots are free, and evicted first when they run
 * out. Every integration test runs on 127.0.0.1, which (like private addresses) is exempt from
 * discouragement by design, so this runs in network namespaces on 198.51.100.0/24 (TEST-NET-2,
 * which classifyAddress calls public); the range exists only inside the namespaces.
 *
 *   h1 198.51.100.11  V, the victim: p2p.maxInbound 2
 *   h2 198.51.100.12  the attacker's address: a raw socket sending HTTP, then a real node
 *   h3, h4            honest nodes
 *
 * Every node runs --no-discovery --no-upnp: connections come only from addpeer, so V's inbound
 * slots are counted exactly.
 */
import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { type LabHost, NetnsMesh, labSkipReason } from './netns.js';

const CLI_BIN = fileURLToPath(new URL('../../../bin/cli.js', import.meta.url));
const GARBAGE_CLIENT = fileURLToPath(new URL('./garbage-client.js', import.meta.url));
/** TEST-NET-2: public to classifyAddress, routed nowhere outside these namespaces. */
const PUBLIC_SUBNET = '198.51.100';
const HOST_COUNT = 4;
const P2P_PORT = 9000;
const RPC_PORT = 9100;
const MAX_INBOUND = 2;
const POLL_INTERVAL_MS = 200;
const WAIT_TIMEOUT_MS = 15_000;
/** Long enough for the evicted host-2 node's manual redial (backoff starts at 1 s) to be tried and refused. */
const REDIAL_WINDOW_MS = 3_500;
const PINO_WARN = 40;
const DISCOURAGED_FULL = 'the address is discouraged (it misbehaved) and every inbound slot is taken';

interface LabNode {
  host: LabHost;
  configFile: string;
  output: () => string;
}

interface PeerRow {
  address: string;
  direction: 'inbound' | 'outbound';
  ready: boolean;
  discouraged: boolean;
}

interface PeersResult {
  peers: PeerRow[];
  discouraged: Array<{ key: string; reason: string }>;
  manual: Array<{ address: string; state: string; lastError: string | null }>;
}

type LogLine = Record<string, unknown> & { level: number; msg: string };

function logLines(node: LabNode): LogLine[] {
  return node
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

const skipReason = await labSkipReason();
if (skipReason !== undefined) {
  console.log(`network-lab test skipped: ${skipReason}`);
  test.skip(`a misbehaving public address is discouraged, then accepted only while slots are free (skipped: ${skipReason})`, () => undefined);
} else {
  test('a misbehaving public address is discouraged, then accepted only while inbound slots are free and evicted first', async (t) => {
    const mesh = await NetnsMesh.create({ hosts: HOST_COUNT, subnet: PUBLIC_SUBNET });
    t.teardown(() => mesh.destroy());
    const root = await mkdtemp(join(tmpdir(), 'kadchain-lab-discourage-'));
    t.teardown(() => rm(root, { recursive: true, force: true }));

    const cli = async (node: LabNode, args: readonly string[]): Promise<string> =>
      (await mesh.run(node.host, process.execPath, [CLI_BIN, ...args, '--config', node.configFile])).stdout.trim();
    const peersOf = async (node: LabNode): Promise<PeersResult> => JSON.parse(await cli(node, ['peers', '--json'])) as PeersResult;
    const waitFor = async (what: string, check: () => Promise<boolean> | boolean): Promise<void> => {
      const deadline = Date.now() + WAIT_TIMEOUT_MS;
      for (;;) {
        if (await Promise.resolve(check()).catch(() => false)) return;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await sleep(POLL_INTERVAL_MS);
      }
    };
    /** Runs the raw client in `host`'s namespace against `ip`; resolves its "closed <ms> <bytes>" line. */
    const sendGarbage = async (host: LabHost, ip: string): Promise<{ closedAfterMs: number; bytesReceived: number }> => {
      const { stdout } = await mesh.run(host, process.execPath, [GARBAGE_CLIENT, ip, String(P2P_PORT)]);
      const m = /^closed (\d+) (\d+)$/.exec(stdout.trim());
      if (!m) throw new Error(`unexpected garbage-client output: ${stdout}`);
      return { closedAfterMs: Number(m[1]), bytesReceived: Number(m[2]) };
    };

    const nodes: LabNode[] = [];
    for (const [i, host] of mesh.hosts.entries()) {
      const dataDir = join(root, `node${i + 1}`);
      const configFile = join(root, `node${i + 1}.json`);
      // V logs at debug: a repeated inbound refusal is throttled down to a debug line.
      const config = { dataDir, port: P2P_PORT, rpcPort: RPC_PORT, logLevel: i === 0 ? 'debug' : 'info', chain: { powBits: '0x207fffff' }, ...(i === 0 ? { p2p: { maxInbound: MAX_INBOUND } } : {}) };
      await writeFile(configFile, JSON.stringify(config));
      const child = mesh.spawn(host, process.execPath, [CLI_BIN, 'start', '--config', configFile, '--listen-host', '0.0.0.0', '--no-discovery', '--no-upnp']);
      let output = '';
      child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      nodes.push({ host, configFile, output: () => output });
    }
    const [victim, attacker, honest3, honest4] = nodes as [LabNode, LabNode, LabNode, LabNode];
    const vIp = victim.host.ip;
    const attackerIp = attacker.host.ip;
    for (const node of nodes) await waitFor(`${node.host.ip} answering RPC`, async () => (await peersOf(node)).peers.length === 0);

    const inboundFrom = (result: PeersResult, ip: string): PeerRow[] => result.peers.filter((p) => p.direction === 'inbound' && p.address.startsWith(`${ip}:`));
    const misbehaved = (ip: string): LogLine[] => logLines(victim).filter((l) => l.msg.startsWith('peer misbehaved') && String(l['peer']).startsWith(`${ip}:`));
    // V dials no one in this test (no discovery, no addpeer on V): every peer it lists came to it.
    const noOutbound = (result: PeersResult): void => {
      t.deepEqual(result.peers.filter((p) => p.direction === 'outbound'), [], 'V never dials anyone, host 2 included');
    };

    // 1. Garbage from V's own loopback: disconnected, never discouraged (loopback is exempt).
    await sendGarbage(victim.host, '127.0.0.1');
    await waitFor('the loopback misbehaviour logged', () => misbehaved('127.0.0.1').length === 1);
    const [loopbackLine] = misbehaved('127.0.0.1');
    t.is(loopbackLine?.msg, 'peer misbehaved; disconnected');
    t.is(loopbackLine?.['code'], 'bad-magic');
    t.is(loopbackLine?.['notDiscouraged'], 'loopback address');
    t.deepEqual((await peersOf(victim)).discouraged, [], '127.0.0.1 is not discouraged');

    // 2. Garbage from host 2's public address: disconnected and discouraged, one warn line.
    await sendGarbage(attacker.host, vIp);
    await waitFor('host 2 discouraged', async () => (await peersOf(victim)).discouraged.some((d) => d.key === attackerIp));
    const afterGarbage = await peersOf(victim);
    t.is(afterGarbage.discouraged.length, 1);
    t.regex(afterGarbage.discouraged[0]!.reason, /^bad-magic: /);
    t.deepEqual(inboundFrom(afterGarbage, attackerIp), [], 'the garbage connection is gone');
    const attackerWarns = logLines(victim).filter((l) => l.level === PINO_WARN && JSON.stringify(l).includes(attackerIp));
    t.is(attackerWarns.length, 1, `one warn line for host 2: ${JSON.stringify(attackerWarns)}`);
    t.is(attackerWarns[0]?.msg, 'peer misbehaved; disconnected and discouraged');
    t.deepEqual(attackerWarns[0]?.['discouraged'], [attackerIp]);

    // 3. While V has free inbound slots, a real node on the discouraged address is accepted.
    t.regex(await cli(attacker, ['addpeer', `${vIp}:${P2P_PORT}`]), /./);
    await waitFor('host 2\'s node connected to V', async () => inboundFrom(await peersOf(victim), attackerIp).some((p) => p.ready));
    t.true(inboundFrom(await peersOf(victim), attackerIp)[0]!.discouraged, 'V lists the host-2 node as discouraged');

    // 4. An honest node on host 3 takes the last free slot.
    await cli(honest3, ['addpeer', `${vIp}:${P2P_PORT}`]);
    await waitFor('host 3\'s node connected to V', async () => inboundFrom(await peersOf(victim), honest3.host.ip).some((p) => p.ready));
    const full = await peersOf(victim);
    t.is(full.peers.length, MAX_INBOUND, 'every inbound slot is taken');
    t.false(inboundFrom(full, honest3.host.ip)[0]!.discouraged);
    noOutbound(full);

    // 5. Slots full: a new connection from the discouraged address is refused, and evicts no one.
    const refused = await sendGarbage(attacker.host, vIp);
    t.is(refused.bytesReceived, 0, 'refused before any session starts (no handshake sent)');
    await waitFor('the refusal logged', () => logLines(victim).some((l) => l.msg === 'inbound connection refused' && l['ip'] === attackerIp));
    const refusals = logLines(victim).filter((l) => l.msg === 'inbound connection refused' && l['ip'] === attackerIp);
    t.is(refusals[0]?.['reason'], DISCOURAGED_FULL);
    t.is(refusals[0]?.level, PINO_WARN);
    const stillFull = await peersOf(victim);
    t.is(inboundFrom(stillFull, attackerIp).length, 1, 'the host-2 node keeps its slot');
    t.is(inboundFrom(stillFull, honest3.host.ip).length, 1);
    t.is(stillFull.discouraged.length, 1, 'a refused connection sent nothing, so nothing new is discouraged');
    t.false(logLines(victim).some((l) => l.msg === 'evicting an inbound peer to make room for a new one'));

    // 6. Slots full: an honest newcomer on host 4 is accepted by evicting the discouraged peer first.
    await cli(honest4, ['addpeer', `${vIp}:${P2P_PORT}`]);
    await waitFor('host 4\'s node connected to V', async () => inboundFrom(await peersOf(victim), honest4.host.ip).some((p) => p.ready));
    const evictions = logLines(victim).filter((l) => l.msg === 'evicting an inbound peer to make room for a new one');
    t.is(evictions.length, 1);
    t.true(String(evictions[0]?.['peer']).startsWith(`${attackerIp}:`), 'the discouraged host-2 node is the one evicted');
    t.is(evictions[0]?.['for'], honest4.host.ip);
    t.is(evictions[0]?.['discouraged'], true);

    // 7. The evicted host-2 node keeps redialling (addpeer) and is refused every time: full and discouraged.
    const refusalsBefore = refusals.length;
    await sleep(REDIAL_WINDOW_MS);
    const final = await peersOf(victim);
    t.deepEqual(inboundFrom(final, attackerIp), [], 'no slot for host 2');
    t.is(inboundFrom(final, honest3.host.ip).length, 1, 'the honest host-3 node kept its slot');
    t.is(inboundFrom(final, honest4.host.ip).length, 1);
    t.is(final.peers.length, MAX_INBOUND);
    noOutbound(final);
    const laterRefusals = logLines(victim).filter((l) => l.msg === 'inbound connection refused' && l['ip'] === attackerIp);
    t.true(laterRefusals.length > refusalsBefore, `the host-2 node's redial was refused (${laterRefusals.length} refusals)`);
    t.true(laterRefusals.every((l) => l['reason'] === DISCOURAGED_FULL));
    const attackerManual = (await peersOf(attacker)).manual.find((m) => m.address === `${vIp}:${P2P_PORT}`);
    t.not(attackerManual?.state, 'connected', `host 2's node cannot get back in: ${JSON.stringify(attackerManual)}`);
  });
}
