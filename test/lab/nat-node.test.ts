/**
 * NAT end to end with real nodes (test/lab/router.ts): `cli start` on the LAN host behind a real
 * miniupnpd maps its TCP+UDP port; a node on the WAN host that bootstraps from the router's
 * external address finds it over UDP, dials it over TCP and syncs its chain. A clean `cli stop`
 * removes the mappings and the WAN host can no longer connect. With the router's UPnP/NAT-PMP
 * off the node still answers RPC at once and logs the one info line. Root only; skipped with
 * the reason otherwise. apt: miniupnpd miniupnpd-iptables miniupnpc iptables.
 */
import test, { type ExecutionContext } from 'ava';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NO_GATEWAY_MESSAGE } from '../../src/p2p/nat/index.js';
import { RouterLab, type RouterMode, routerLabSkipReason } from './router.js';
import { setTimeout as sleep } from 'node:timers/promises';

const CLI_BIN = fileURLToPath(new URL('../../../bin/cli.js', import.meta.url));
const P2P_PORT = 9000;
const RPC_PORT = 9100;
const EASY_POW_BITS = '0x207fffff';
const GENESIS_REWARD = 1000;
const POLL_INTERVAL_MS = 100;
const RPC_READY_TIMEOUT_MS = 15_000;
const MAPPING_TIMEOUT_MS = 15_000;
const SYNC_TIMEOUT_MS = 30_000;
const EXIT_TIMEOUT_MS = 15_000;
/** "start-up not delayed by more than a couple of seconds": getinfo answers this soon after the node starts. */
const OFF_RPC_BOUND_MS = 3_000;
const CONNECT_TIMEOUT_MS = 2_000;
/** Another LAN host (secure_mode off lets upnpc map for it). */
const OTHER_LAN_HOST = '192.168.77.3';

const skipReason = await routerLabSkipReason();
if (skipReason) console.log(`NAT node lab tests skipped: ${skipReason}`);
const labTest = skipReason ? test.skip : test.serial;


interface LabNode {
  readonly ns: string;
  readonly configFile: string;
  readonly child: ChildProcess;
  readonly spawnedMs: number;
  output(): string;
  exited: Promise<number | null>;
}

interface NatJson {
  enabled: boolean;
  searching: boolean;
  gatewayFound: boolean;
  protocol: string | null;
  externalIp: string | null;
  mappedPorts: Array<{ protocol: string; internal: number; external: number; leaseExpiresAt: string | null }>;
  doubleNat: boolean;
  reachable: boolean;
  externalEndpoint: { ip: string; tcpPort: number; udpPort: number } | null;
}

interface InfoJson {
  height: number | null;
  tip: string | null;
  nodeId: string;
  nat: NatJson;
}

interface PeerJson {
  nodeId: string | null;
  address: string;
  listenPort: number | null;
  direction: string;
  ready: boolean;
}

class NodeLab {
  private constructor(
    readonly lab: RouterLab,
    private readonly root: string,
  ) {}

  static async create(mode: RouterMode, secureMode = true): Promise<NodeLab> {
    const lab = await RouterLab.create({ mode, secureMode });
    return new NodeLab(lab, await mkdtemp(join(tmpdir(), 'kadchain-nat-node-')));
  }

  /** `cli start` in a namespace; the WAN node refuses inbound peers, so any peer it has, it dialled. */
  async start(ns: string, name: string, args: readonly string[], config: Record<string, unknown> = {}): Promise<LabNode> {
    const configFile = join(this.root, `${name}.json`);
    const base = { dataDir: join(this.root, name), port: P2P_PORT, rpcPort: RPC_PORT, logLevel: 'debug', chain: { powBits: EASY_POW_BITS }, txpool: { size: 1000 } };
    await writeFile(configFile, JSON.stringify({ ...base, ...config }));
    const child = this.lab.spawn(ns, process.execPath, [CLI_BIN, 'start', '--config', configFile, '--port', String(P2P_PORT), '--listen-host', '0.0.0.0', ...args]);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    // 'close' (exited and its output read to the end), not 'exit': the tests read the log after it.
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    return { ns, configFile, child, spawnedMs: Date.now(), output: () => output, exited };
  }

  async cli(node: LabNode, args: readonly string[]): Promise<string> {
    return (await this.lab.exec(node.ns, process.execPath, [CLI_BIN, ...args, '--config', node.configFile])).stdout.trim();
  }

  async json<T>(node: LabNode, args: readonly string[]): Promise<T> {
    return JSON.parse(await this.cli(node, [...args, '--json'])) as T;
  }

  /** Polls `check` (errors count as "not yet") until it returns a value. */
  async waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      try {
        const value = await check();
        if (value !== undefined) return value;
      } catch (err) {
        last = (err as Error).message.split('\n')[0] ?? '';
      }
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${last})` : ''}`);
      await sleep(POLL_INTERVAL_MS);
    }
  }

  /** A fresh TCP connection from the WAN host; true when it was accepted. */
  async wanCanConnect(host: string, port: number): Promise<boolean> {
    const script = `const s=require('net').connect(${port},'${host}',()=>process.exit(0));s.on('error',()=>process.exit(1));setTimeout(()=>process.exit(2),${CONNECT_TIMEOUT_MS});`;
    try {
      await this.lab.exec(this.lab.ns.wan, process.execPath, ['-e', script], CONNECT_TIMEOUT_MS * 3);
      return true;
    } catch {
      return false;
    }
  }

  async destroy(): Promise<void> {
    await this.lab.destroy(); // kills the node processes still running in its namespaces
    await rm(this.root, { recursive: true, force: true });
  }
}

async function withNodeLab(t: ExecutionContext, mode: RouterMode, body: (lab: NodeLab) => Promise<void>, secureMode = true): Promise<void> {
  const lab = await NodeLab.create(mode, secureMode);
  try {
    await body(lab);
  } catch (err) {
    t.log(`miniupnpd log: ${await readFile(lab.lab.miniupnpdLog, 'utf8').catch(() => '')}`);
    throw err;
  } finally {
    await lab.destroy();
  }
}

function firstLogTimeMs(output: string): number {
  const first = output.split('\n').find((line) => line.startsWith('{'));
  if (first === undefined) throw new Error('the node logged nothing');
  return (JSON.parse(first) as { time: number }).time;
}

const EXPECTED_PROTOCOL = { igdv1: 'upnp-igdv1', igdv2: 'upnp-igdv2', 'natpmp-only': 'nat-pmp' } as const;

/**
 * The scenario of the issue on one router: map, WAN node discovers + dials + syncs, clean stop
 * unmaps. `takenTcpPort`: another LAN host already holds that external TCP port (IGDv1 only).
 */
async function mapSyncStop(t: ExecutionContext, mode: Exclude<RouterMode, 'off'>, takenTcpPort = false): Promise<void> {
  let lanNode: LabNode | undefined;
  let wanNode: LabNode | undefined;
  const expectedTcpPort = takenTcpPort ? P2P_PORT + 1 : P2P_PORT;
  try {
    await withNodeLab(t, mode, async (lab) => {
      const { ips, ns } = lab.lab;
      if (takenTcpPort) {
        const desc = `http://${ips.routerLan}:5000/rootDesc.xml`;
        await lab.lab.exec(ns.lan, 'upnpc', ['-u', desc, '-a', OTHER_LAN_HOST, '9999', String(P2P_PORT), 'TCP'], 15_000);
      }
      const lan = (lanNode = await lab.start(ns.lan, 'lan', []));
      await lab.waitFor('the LAN node answering RPC', RPC_READY_TIMEOUT_MS, async () => (await lab.json<InfoJson>(lan, ['getinfo'])).nodeId);
      const genesisAddress = /^Genesis Wallet is: (\w+)$/.exec(await lab.cli(lan, ['genesis_block']))?.[1];
      t.truthy(genesisAddress);
      const nat = await lab.waitFor('the LAN node to map both ports', MAPPING_TIMEOUT_MS, async () => {
        const state = await lab.json<NatJson>(lan, ['nat']);
        return state.mappedPorts.length === 2 && state.reachable ? state : undefined;
      });
      t.log(`${mode}: mapped ${Date.now() - lan.spawnedMs} ms after spawn; cli nat:\n${await lab.cli(lan, ['nat'])}`);
      t.is(nat.protocol, EXPECTED_PROTOCOL[mode]);
      t.is(nat.externalIp, ips.routerWan);
      t.false(nat.doubleNat);
      const external = nat.externalEndpoint!;
      t.deepEqual(external, { ip: ips.routerWan, tcpPort: expectedTcpPort, udpPort: P2P_PORT });
      t.true(nat.mappedPorts.every((m) => m.leaseExpiresAt === null || !Number.isNaN(Date.parse(m.leaseExpiresAt))));
      t.like((await lab.json<InfoJson>(lan, ['getinfo'])).nat, { enabled: true, reachable: true, protocol: EXPECTED_PROTOCOL[mode] });
      const ownLeases = async (): Promise<string[]> => (await lab.lab.leases()).filter((l) => l.includes(`:${ips.lanHost}:`));
      t.is((await ownLeases()).length, 2);

      const wan = (wanNode = await lab.start(ns.wan, 'wan', ['--no-upnp', '--bootstrap', `${external.ip}:${external.udpPort}`], { p2p: { maxInbound: 0 } }));
      const lanInfo = await lab.json<InfoJson>(lan, ['getinfo']);
      const synced = await lab.waitFor("the WAN node to sync the LAN node's chain", SYNC_TIMEOUT_MS, async () => {
        const info = await lab.json<InfoJson>(wan, ['getinfo']);
        return info.tip === lanInfo.tip ? info : undefined;
      });
      t.log(`${mode}: WAN node synced ${Date.now() - wan.spawnedMs} ms after its spawn`);
      t.is(synced.height, 0);
      t.is(await lab.cli(wan, ['balance', genesisAddress!]), `${genesisAddress} balance is ${GENESIS_REWARD}`);
      // It refuses inbound peers, so this connection is its own dial to the router's external
      // TCP port, which it learnt from discovery; the handshake names the external port too.
      const { peers } = await lab.json<{ peers: PeerJson[] }>(wan, ['peers']);
      const lanPeer = peers.find((p) => p.ready && p.nodeId === lanInfo.nodeId);
      t.like(lanPeer, { direction: 'outbound', address: `${ips.routerWan}:${expectedTcpPort}`, listenPort: expectedTcpPort });
      t.true(await lab.wanCanConnect(ips.routerWan, expectedTcpPort), 'a fresh TCP connect to the external port works while mapped');

      t.is(await lab.cli(lan, ['stop']), 'kadchain node stopping');
      const code = await Promise.race([lan.exited, sleep(EXIT_TIMEOUT_MS).then(() => 'timeout')]);
      t.is(code, 0, 'the LAN node stops cleanly');
      t.regex(lan.output(), /"msg":"removed port mappings from the router"/);
      t.deepEqual(await ownLeases(), []);
      if (!takenTcpPort) {
        t.deepEqual(await lab.lab.leases(), []);
        t.deepEqual(await lab.lab.forwardingRules(), []);
      }
      if (mode !== 'natpmp-only') t.notRegex(await lab.lab.upnpcList(), new RegExp(`(TCP|UDP)\\s+${expectedTcpPort}->${ips.lanHost.replace(/\./g, '\\.')}`));
      t.false(await lab.wanCanConnect(ips.routerWan, expectedTcpPort), 'the external port is closed after a clean stop');
    }, !takenTcpPort);
  } catch (err) {
    t.log(`LAN node log (tail): ${lanNode?.output().slice(-4000) ?? '-'}`);
    t.log(`WAN node log (tail): ${wanNode?.output().slice(-4000) ?? '-'}`);
    throw err;
  }
}

for (const mode of ['igdv1', 'igdv2', 'natpmp-only'] as const) {
  labTest(`${mode} router: a LAN node maps its ports, a WAN node finds it over UDP, dials it over TCP and syncs; cli stop unmaps`, (t) => mapSyncStop(t, mode));
}

labTest('igdv1 router with external TCP 9000 taken: the node advertises the next port in discovery and the handshake', (t) => mapSyncStop(t, 'igdv1', true));

labTest('router with UPnP and NAT-PMP off: the node answers getinfo at once and logs the one info line', async (t) => {
  let lanNode: LabNode | undefined;
  try {
    await withNodeLab(t, 'off', async (lab) => {
      const lan = (lanNode = await lab.start(lab.lab.ns.lan, 'lan', []));
      const info = await lab.waitFor('the LAN node answering RPC', RPC_READY_TIMEOUT_MS, () => lab.json<InfoJson>(lan, ['getinfo']));
      // Measured from the node's first log line: launching node itself can take seconds on a loaded machine.
      const answeredMs = Date.now() - firstLogTimeMs(lan.output());
      t.log(`off: getinfo answered ${answeredMs} ms after the node's first log line, ${Date.now() - lan.spawnedMs} ms after spawn (nat: ${JSON.stringify(info.nat)})`);
      t.true(answeredMs < OFF_RPC_BOUND_MS, `getinfo answered only after ${answeredMs} ms`);
      t.true(info.nat.enabled);
      const nat = await lab.waitFor('the gateway search to end', MAPPING_TIMEOUT_MS, async () => {
        const state = await lab.json<NatJson>(lan, ['nat']);
        return state.searching ? undefined : state;
      });
      t.like(nat, { enabled: true, gatewayFound: false, reachable: false, externalEndpoint: null, mappedPorts: [] });
      t.regex(await lab.cli(lan, ['nat']), /^gateway: none found/);
      const lines = lan
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { level: number; msg: string });
      t.is(lines.filter((l) => l.level === 30 && l.msg === NO_GATEWAY_MESSAGE).length, 1, 'the info line, once');
      t.false(lan.output().includes('    at '), 'no stack trace');
      t.is(await lab.cli(lan, ['stop']), 'kadchain node stopping');
      t.is(await lan.exited, 0);
    });
  } catch (err) {
    t.log(`LAN node log (tail): ${lanNode?.output().slice(-4000) ?? '-'}`);
    throw err;
  }
});
