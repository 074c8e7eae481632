/**
 * Home-router lab for NAT tests: a LAN host behind a router namespace that masquerades to a WAN
 * host and runs a real miniupnpd (UPnP IGDv1/IGDv2, NAT-PMP). A TypeScript port of
 * shared/lab/upnp-lab.sh `up`/`down`; every namespace and file belongs to this process.
 *
 *   [wan]  eth0 7.7.7.2   --veth--  [router] wan0 7.7.7.1 (MASQUERADE + miniupnpd) lan0 192.168.77.1  --veth--  [lan] eth0 192.168.77.2
 *
 * Pitfalls kept from the shell reference: miniupnpd refuses to forward when its WAN address is
 * private/reserved (hence 7.7.7.0/24, which exists only inside these namespaces), and Debian's
 * miniupnpd-iptables drives *legacy* x_tables, so every rule is made with iptables-legacy.
 */
import { execFile, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { threadId } from 'node:worker_threads';
import { labSkipReason } from './netns.js';
import { setTimeout as sleep } from 'node:timers/promises';

const execFileAsync = promisify(execFile);

export type RouterMode = 'igdv1' | 'igdv2' | 'natpmp-only' | 'off';

export interface RouterLabOptions {
  mode: RouterMode;
  /** First three octets of the WAN /24; must not be private/reserved (see above). */
  wanNet?: string;
  lanNet?: string;
  /** miniupnpd secure_mode: clients may only map ports to their own address (default true). */
  secureMode?: boolean;
}

const IPT = 'iptables-legacy';
const UPNP_HTTP_PORT = 5000;
const NATPMP_PORT = 5351;
const READY_TIMEOUT_MS = 10_000;
const READY_POLL_MS = 50;
const STOP_WAIT_MS = 3_000;

/** The router lab's miniupnpd mode, as a config fragment (null: miniupnpd is not started). */
function modeConfig(mode: RouterMode): string[] | null {
  switch (mode) {
    case 'igdv1':
      return ['enable_upnp=yes', 'enable_natpmp=yes', 'force_igd_desc_v1=yes'];
    case 'igdv2':
      return ['enable_upnp=yes', 'enable_natpmp=yes'];
    case 'natpmp-only':
      return ['enable_upnp=no', 'enable_natpmp=yes'];
    case 'off':
      return null;
  }
}

async function run(command: string, args: readonly string[], timeoutMs = 30_000): Promise<string> {
  const { stdout } = await execFileAsync(command, [...args], { timeout: timeoutMs });
  return stdout;
}

async function nsExists(name: string): Promise<boolean> {
  return (await run('ip', ['netns', 'list'])).split('\n').some((line) => line.split(' ')[0] === name);
}


export class RouterLab {
  private readonly children = new Set<ChildProcess>();
  private miniupnpd: ChildProcess | undefined;

  private constructor(
    readonly mode: RouterMode,
    private readonly secureMode: boolean,
    readonly dir: string,
    readonly ns: { readonly lan: string; readonly router: string; readonly wan: string },
    readonly ips: { readonly routerWan: string; readonly wanHost: string; readonly routerLan: string; readonly lanHost: string; readonly lanNet: string },
  ) {}

  get leaseFile(): string {
    return join(this.dir, 'upnp.leases');
  }

  get miniupnpdLog(): string {
    return join(this.dir, 'miniupnpd.log');
  }

  static async create(options: RouterLabOptions): Promise<RouterLab> {
    const wanNet = options.wanNet ?? '7.7.7';
    const lanNet = options.lanNet ?? '192.168.77';
    // Per-process and per-worker-thread names (ava runs test files as threads of one process)
    // keep concurrent lab files (and a crashed run's leftovers) apart.
    const prefix = `kn${process.pid % 100000}t${threadId}`;
    const ns = { lan: `${prefix}lan`, router: `${prefix}rt`, wan: `${prefix}wan` };
    const ips = { routerWan: `${wanNet}.1`, wanHost: `${wanNet}.2`, routerLan: `${lanNet}.1`, lanHost: `${lanNet}.2`, lanNet: `${lanNet}.0/24` };
    const dir = await mkdtemp(join(tmpdir(), 'kadchain-router-lab-'));
    const lab = new RouterLab(options.mode, options.secureMode ?? true, dir, ns, ips);
    try {
      await lab.up();
    } catch (err) {
      await lab.destroy();
      throw err;
    }
    return lab;
  }

  private async up(): Promise<void> {
    const { ns, ips } = this;
    for (const name of [ns.wan, ns.router, ns.lan]) {
      if (await nsExists(name)) await this.deleteNamespace(name); // leftover of a crashed run with our pid
      await run('ip', ['netns', 'add', name]);
      await run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    }
    await run('ip', ['link', 'add', 'wan0', 'netns', ns.router, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns.wan]);
    await run('ip', ['link', 'add', 'lan0', 'netns', ns.router, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns.lan]);
    const addr = async (name: string, ip: string, dev: string): Promise<void> => {
      await run('ip', ['-n', name, 'addr', 'add', `${ip}/24`, 'dev', dev]);
      await run('ip', ['-n', name, 'link', 'set', dev, 'up']);
    };
    await addr(ns.router, ips.routerWan, 'wan0');
    await addr(ns.router, ips.routerLan, 'lan0');
    await addr(ns.wan, ips.wanHost, 'eth0');
    await addr(ns.lan, ips.lanHost, 'eth0');
    await run('ip', ['-n', ns.lan, 'route', 'add', 'default', 'via', ips.routerLan]);
    // The WAN host gets no route to the LAN: only port mappings can reach it.
    await this.inRouter('sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
    await this.ipt(['-t', 'nat', '-A', 'POSTROUTING', '-s', ips.lanNet, '-o', 'wan0', '-j', 'MASQUERADE']);
    // The chains miniupnpd expects (Debian's iptables_init.sh would make them with nft iptables).
    await this.ipt(['-t', 'nat', '-N', 'MINIUPNPD']);
    await this.ipt(['-t', 'nat', '-I', 'PREROUTING', '-i', 'wan0', '-j', 'MINIUPNPD']);
    await this.ipt(['-t', 'mangle', '-N', 'MINIUPNPD']);
    await this.ipt(['-t', 'mangle', '-I', 'PREROUTING', '-i', 'wan0', '-j', 'MINIUPNPD']);
    await this.ipt(['-t', 'filter', '-N', 'MINIUPNPD']);
    await this.ipt(['-t', 'filter', '-I', 'FORWARD', '-i', 'wan0', '!', '-o', 'wan0', '-j', 'MINIUPNPD']);
    await this.ipt(['-t', 'nat', '-N', 'MINIUPNPD-POSTROUTING']);
    await this.ipt(['-t', 'nat', '-I', 'POSTROUTING', '-o', 'wan0', '-j', 'MINIUPNPD-POSTROUTING']);
    await this.startMiniupnpd();
  }

  private async startMiniupnpd(): Promise<void> {
    const mode = modeConfig(this.mode);
    if (mode === null) return;
    const conf = join(this.dir, 'miniupnpd.conf');
    await writeFile(
      conf,
      [
        'ext_ifname=wan0',
        'listening_ip=lan0',
        `http_port=${UPNP_HTTP_PORT}`,
        ...mode,
        `secure_mode=${this.secureMode ? 'yes' : 'no'}`,
        'ext_perform_stun=no',
        'ipv6_disable=yes',
        'system_uptime=yes',
        'notify_interval=60',
        'clean_ruleset_interval=600',
        'uuid=3d3cec3a-8cf0-11e0-98ee-001a6bd2d07b',
        `lease_file=${this.leaseFile}`,
        `allow 1024-65535 ${this.ips.lanNet} 1024-65535`,
        'deny 0-65535 0.0.0.0/0 0-65535',
        '',
      ].join('\n'),
    );
    const log = openSync(this.miniupnpdLog, 'a');
    // -d: foreground, logs to stderr. `ip netns exec` execs, so the child's pid is miniupnpd's.
    const child = spawn('ip', ['netns', 'exec', this.ns.router, '/usr/sbin/miniupnpd', '-f', conf, '-d', '-P', join(this.dir, 'miniupnpd.pid')], {
      stdio: ['ignore', log, log],
    });
    closeSync(log); // the child holds its own copy
    this.miniupnpd = child;
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    await this.waitReady(this.mode === 'natpmp-only' ? [] : [UPNP_HTTP_PORT], [NATPMP_PORT]);
  }

  private async waitReady(tcpPorts: number[], udpPorts: number[]): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (this.miniupnpd?.exitCode !== null) break;
      const tcp = await this.inRouter('ss', ['-Hltn']);
      const udp = await this.inRouter('ss', ['-Hlun']);
      const listening = (out: string, port: number): boolean => out.split('\n').some((line) => line.split(/\s+/)[3]?.endsWith(`:${port}`));
      if (tcpPorts.every((p) => listening(tcp, p)) && udpPorts.every((p) => listening(udp, p))) return;
      await sleep(READY_POLL_MS);
    }
    const log = await readFile(this.miniupnpdLog, 'utf8').catch(() => '');
    throw new Error(`miniupnpd (${this.mode}) did not become ready: ${log.slice(-2000)}`);
  }

  private inRouter(command: string, args: readonly string[]): Promise<string> {
    return run('ip', ['netns', 'exec', this.ns.router, command, ...args]);
  }

  private async ipt(args: readonly string[]): Promise<void> {
    await this.inRouter(IPT, ['-w', ...args]);
  }

  /** Starts a process inside one of the lab's namespaces; destroy() kills it. */
  spawn(nsName: string, command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', nsName, command, ...args], { stdio: 'pipe', ...options });
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  /** Runs a command inside a lab namespace to completion; rejects on a non-zero exit. */
  exec(nsName: string, command: string, args: readonly string[], timeoutMs = 30_000): Promise<{ stdout: string; stderr: string }> {
    return execFileAsync('ip', ['netns', 'exec', nsName, command, ...args], { timeout: timeoutMs });
  }

  /** miniupnpd's lease file: one line per live mapping ("TCP:9000:192.168.77.2:9000:…"). */
  async leases(): Promise<string[]> {
    const text = await readFile(this.leaseFile, 'utf8').catch(() => '');
    return text.split('\n').filter((line) => line.trim() !== '');
  }

  /** The router's DNAT rules made by miniupnpd (what actually forwards packets). */
  async forwardingRules(): Promise<string[]> {
    const out = await this.inRouter(IPT, ['-w', '-t', 'nat', '-S', 'MINIUPNPD']);
    return out.split('\n').filter((line) => line.startsWith('-A MINIUPNPD'));
  }

  /** `upnpc -l` from the LAN host (UPnP modes only); talks to the router's description directly. */
  async upnpcList(): Promise<string> {
    const desc = `http://${this.ips.routerLan}:${UPNP_HTTP_PORT}/rootDesc.xml`;
    const { stdout } = await this.exec(this.ns.lan, 'upnpc', ['-u', desc, '-l'], 15_000);
    return stdout;
  }

  private async deleteNamespace(name: string): Promise<void> {
    const pids = (await run('ip', ['netns', 'pids', name]).catch(() => '')).split('\n').filter(Boolean);
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL'); // started by this lab (namespace names carry our pid)
      } catch {
        // already gone
      }
    }
    await run('ip', ['netns', 'del', name]).catch(() => undefined);
  }

  async destroy(): Promise<void> {
    const daemon = this.miniupnpd;
    if (daemon && daemon.exitCode === null && daemon.signalCode === null) {
      const exited = new Promise<void>((resolve) => daemon.once('exit', () => resolve()));
      daemon.kill('SIGTERM'); // lets miniupnpd remove its rules and write nothing half-way
      await Promise.race([exited, sleep(STOP_WAIT_MS)]);
    }
    for (const child of this.children) child.kill('SIGKILL');
    this.children.clear();
    for (const name of [this.ns.lan, this.ns.router, this.ns.wan]) {
      if (await nsExists(name)) await this.deleteNamespace(name);
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Why the router lab cannot run here (not root, no namespaces, miniupnpd tools missing), or undefined. */
export async function routerLabSkipReason(): Promise<string | undefined> {
  const netns = await labSkipReason();
  if (netns) return netns;
  for (const tool of ['miniupnpd', 'iptables-legacy', 'upnpc']) {
    try {
      await promisify(execFile)('sh', ['-c', `command -v ${tool} || test -x /usr/sbin/${tool}`]);
    } catch {
      return `${tool} is missing; install with: apt-get install -y --no-install-recommends miniupnpd miniupnpd-iptables miniupnpc iptables`;
    }
  }
  return undefined;
}
