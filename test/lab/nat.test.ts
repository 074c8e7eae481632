/**
 * NAT traversal against a real miniupnpd (test/lab/router.ts): for each router mode a NatService
 * on the LAN host maps a TCP+UDP echo server, the WAN host reaches it through the router's
 * external address, and after a clean stop the mappings are gone. Needs root; skipped with the
 * reason otherwise. apt: miniupnpd miniupnpd-iptables miniupnpc iptables.
 */
import test, { type ExecutionContext } from 'ava';
import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { NO_GATEWAY_MESSAGE, type NatState } from '../../src/p2p/nat/index.js';
import { RouterLab, type RouterMode, routerLabSkipReason } from './router.js';

const PROBE = fileURLToPath(new URL('./nat-probe.js', import.meta.url));
const ECHO_CLIENT = fileURLToPath(new URL('./echo-client.js', import.meta.url));
const PORT = 9000;
const OTHER_LAN_HOST = '192.168.77.3';
const PROBE_START_TIMEOUT_MS = 15_000;
/** discovery timeout (2 s) plus process start-up: "start-up not delayed by more than a couple of seconds". */
const NO_GATEWAY_BOUND_MS = 3_000;

const skipReason = await routerLabSkipReason();
if (skipReason) console.log(`NAT lab tests skipped: ${skipReason}`);
const labTest = skipReason ? test.skip : test.serial;

interface Probe {
  readonly state: NatState & { startMs: number };
  readonly stderr: () => string;
  stop(): Promise<{ stopMs: number; state: NatState }>;
}

function waitForLine(child: ChildProcess, prefix: string, timeoutMs: number, lines: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${prefix}" line from the probe within ${timeoutMs} ms`)), timeoutMs);
    const check = (): void => {
      const line = lines.find((l) => l.startsWith(prefix));
      if (line === undefined) return;
      clearTimeout(timer);
      resolve(line.slice(prefix.length));
    };
    child.stdout?.on('data', () => setImmediate(check));
    // 'close', not 'exit': a child that prints its last line and exits at once can be reported as
    // exited before that line has been read from the pipe (CI saw "exited (0) before printing").
    child.once('close', (code) => {
      setImmediate(() => {
        check();
        reject(new Error(`the probe exited (${code}) before printing "${prefix}"`));
      });
    });
    check();
  });
}

async function startProbe(lab: RouterLab): Promise<Probe> {
  const child = lab.spawn(lab.ns.lan, process.execPath, [PROBE, String(PORT)]);
  // Its stdio fully read and the process gone: registered now, so it cannot be missed.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const lines: string[] = [];
  let stderr = '';
  if (child.stdout) createInterface({ input: child.stdout }).on('line', (line) => lines.push(line));
  child.stderr?.on('data', (data: Buffer) => (stderr += data.toString()));
  const state = JSON.parse(await waitForLine(child, 'STATE ', PROBE_START_TIMEOUT_MS, lines)) as NatState & { startMs: number };
  return {
    state,
    stderr: () => stderr,
    async stop() {
      child.stdin?.end('stop\n');
      const stopped = JSON.parse(await waitForLine(child, 'STOPPED ', PROBE_START_TIMEOUT_MS, lines)) as { stopMs: number; state: NatState };
      await closed; // all of stderr has been read
      return stopped;
    },
  };
}

/** One echo round trip from the WAN host; the reply, or undefined when nothing answered. */
async function echoFromWan(lab: RouterLab, proto: 'tcp' | 'udp', port: number, message: string): Promise<string | undefined> {
  try {
    const { stdout } = await lab.exec(lab.ns.wan, process.execPath, [ECHO_CLIENT, proto, lab.ips.routerWan, String(port), message], 10_000);
    return stdout.trim();
  } catch {
    return undefined;
  }
}

async function withLab(t: ExecutionContext, mode: RouterMode, body: (lab: RouterLab) => Promise<void>, secureMode = true): Promise<void> {
  const lab = await RouterLab.create({ mode, secureMode });
  try {
    await body(lab);
  } catch (err) {
    t.log(`miniupnpd log: ${await readFile(lab.miniupnpdLog, 'utf8').catch(() => '')}`);
    throw err;
  } finally {
    await lab.destroy();
  }
}

const EXPECTED_PROTOCOL = { igdv1: 'upnp-igdv1', igdv2: 'upnp-igdv2', 'natpmp-only': 'nat-pmp' } as const;

for (const mode of ['igdv1', 'igdv2', 'natpmp-only'] as const) {
  labTest(`${mode} router: the node maps TCP+UDP, the WAN host reaches it, a clean stop removes the mappings`, async (t) => {
    await withLab(t, mode, async (lab) => {
      const probe = await startProbe(lab);
      const { state } = probe;
      t.log(`start took ${state.startMs} ms via ${state.protocol}`);
      t.is(state.protocol, EXPECTED_PROTOCOL[mode]);
      t.true(state.gatewayFound);
      t.is(state.externalIp, lab.ips.routerWan);
      t.false(state.doubleNat);
      t.true(state.reachable);
      t.deepEqual(state.externalEndpoint, { ip: lab.ips.routerWan, tcpPort: PORT, udpPort: PORT });
      t.deepEqual(state.mappedPorts.map((m) => `${m.protocol} ${m.internal}->${m.external}`).sort(), [`TCP ${PORT}->${PORT}`, `UDP ${PORT}->${PORT}`]);

      const leases = await lab.leases();
      t.is(leases.length, 2, leases.join('\n'));
      t.true(leases.some((l) => l.startsWith(`TCP:${PORT}:${lab.ips.lanHost}:${PORT}:`)));
      t.true(leases.some((l) => l.startsWith(`UDP:${PORT}:${lab.ips.lanHost}:${PORT}:`)));
      if (mode !== 'natpmp-only') t.regex(await lab.upnpcList(), new RegExp(`TCP\\s+${PORT}->${lab.ips.lanHost.replace(/\./g, '\\.')}:${PORT}`));

      t.is(await echoFromWan(lab, 'tcp', PORT, 'via-nat'), `tcp-echo(${lab.ips.wanHost}): via-nat`);
      t.is(await echoFromWan(lab, 'udp', PORT, 'via-nat'), `udp-echo(${lab.ips.wanHost}): via-nat`);

      const stopped = await probe.stop();
      t.log(`stop took ${stopped.stopMs} ms`);
      t.deepEqual(stopped.state.mappedPorts, []);
      t.deepEqual(await lab.leases(), []);
      t.deepEqual(await lab.forwardingRules(), []);
      if (mode !== 'natpmp-only') t.notRegex(await lab.upnpcList(), new RegExp(`(TCP|UDP)\\s+${PORT}->`));
      t.is(await echoFromWan(lab, 'tcp', PORT, 'after-stop'), undefined);
      t.is(await echoFromWan(lab, 'udp', PORT, 'after-stop'), undefined);
    });
  });
}

labTest('igdv1 router: an external port taken by another mapping → the next free one is mapped and reachable', async (t) => {
  await withLab(t, 'igdv1', async (lab) => {
    const desc = `http://${lab.ips.routerLan}:5000/rootDesc.xml`;
    // Another LAN host (.3) already holds external TCP 9000 (secure_mode off lets upnpc map for it).
    await lab.exec(lab.ns.lan, 'upnpc', ['-u', desc, '-a', OTHER_LAN_HOST, '9999', String(PORT), 'TCP'], 15_000);
    const probe = await startProbe(lab);
    t.is(probe.state.protocol, 'upnp-igdv1');
    t.deepEqual(probe.state.externalEndpoint, { ip: lab.ips.routerWan, tcpPort: PORT + 1, udpPort: PORT });
    t.is(await echoFromWan(lab, 'tcp', PORT + 1, 'next-port'), `tcp-echo(${lab.ips.wanHost}): next-port`);
    await probe.stop();
    const leases = await lab.leases();
    t.deepEqual(leases.map((l) => l.split(':').slice(0, 4).join(':')), [`TCP:${PORT}:${OTHER_LAN_HOST}:9999`], 'only the other mapping is left');
  }, false);
});

labTest('router with UPnP and NAT-PMP off: start returns within the bound with one info line, node runs outbound-only', async (t) => {
  await withLab(t, 'off', async (lab) => {
    const probe = await startProbe(lab);
    t.log(`start took ${probe.state.startMs} ms`);
    t.true(probe.state.startMs < NO_GATEWAY_BOUND_MS, `start took ${probe.state.startMs} ms`);
    t.false(probe.state.gatewayFound);
    t.false(probe.state.reachable);
    t.is(probe.state.externalEndpoint, undefined);
    await probe.stop();
    const infoLines = probe
      .stderr()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { level: number; msg: string; err?: unknown; stack?: unknown })
      .filter((entry) => entry.level >= 30);
    t.deepEqual(infoLines.map((e) => e.msg), [NO_GATEWAY_MESSAGE]);
    t.false(probe.stderr().includes('    at '), 'no stack trace');
  });
});
