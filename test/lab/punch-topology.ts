/**
 * The hole-punching lab's network (test/lab/punch-lab.ts puts nodes on it): an "internet" core
 * namespace routing between public /24s in distinct /16s, and home networks behind Linux routers
 * that masquerade like a typical home router (no UPnP/NAT-PMP):
 *
 *   [p] 5.5.5.2   [q] 6.6.6.2   [x] 9.9.9.2   [t] 11.11.11.2     (public hosts, each its own /24)
 *        \          |             |            /
 *         ---------------- [core] ----------------   (routes, counts; .1 of every public /24)
 *              |                               |
 *     [r1] wan0 7.7.7.2                [r2] wan0 8.8.8.2          ([r3] 8.8.8.2 in front of r2
 *          lan0 192.168.1.1                 lan0 192.168.2.1        when doubleNat: r2's wan0 is
 *              |                               |                    100.64.2.2 on r3's LAN)
 *     [h1] eth0 192.168.1.2            [h2] eth0 192.168.2.2
 *
 * A router: MASQUERADE (optionally --random-fully: symmetric, port-randomising) LAN → WAN;
 * FORWARD accepts LAN → WAN and ESTABLISHED,RELATED only; INPUT on the WAN accepts
 * ESTABLISHED,RELATED and drops the rest, so an early SYN of a simultaneous open is dropped, not
 * answered with a RST. Rules are made with iptables-legacy (what router.ts and the installed
 * kernel accept in namespaces; nft iptables is tried as a fallback). Every sysctl is a namespace's
 * own (ip_forward in core and the routers); nothing touches the host's network.
 * The addresses exist only inside these namespaces.
 */
import { execFile, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { promisify } from 'node:util';
import { threadId } from 'node:worker_threads';

const execFileAsync = promisify(execFile);

/** Seconds iptables waits for the xtables lock: other labs write rules in their namespaces at the same time. */
const XTABLES_WAIT_SEC = '10';
const IPTABLES_CANDIDATES = ['iptables-legacy', 'iptables', 'iptables-nft'] as const;
const EXEC_TIMEOUT_MS = 30_000;

export type PublicRole = 'p' | 'q' | 'x' | 't';
export type HomeRole = 'h1' | 'h2';
export type RouterRole = 'r1' | 'r2' | 'r3';
export type Role = PublicRole | HomeRole | RouterRole | 'core';

export interface TopologyOptions {
  /** Namespace-name tag: several labs of one test file (one thread) apart. */
  tag: string;
  /** MASQUERADE --random-fully on these routers (symmetric NAT). */
  randomFully?: readonly RouterRole[];
  /** A third router in front of r2 (h2 behind a double NAT). */
  doubleNat?: boolean;
}

/** Public addresses: distinct /16s, so observations from p and q count as two groups. */
export const PUBLIC_NET: Readonly<Record<PublicRole | 'r1' | 'r2wan', string>> = {
  p: '5.5.5',
  q: '6.6.6',
  r1: '7.7.7',
  r2wan: '8.8.8',
  x: '9.9.9',
  t: '11.11.11',
};
const HOME_NET: Readonly<Record<HomeRole, string>> = { h1: '192.168.1', h2: '192.168.2' };
/** r3's LAN (carrier-grade-NAT space) when r2 sits behind it. */
const DOUBLE_NAT_NET = '100.64.2';

export class PunchTopology {
  private readonly children = new Set<ChildProcess>();
  private readonly created: string[] = [];
  private iptablesCmd = IPTABLES_CANDIDATES[0] as string;

  private constructor(
    readonly prefix: string,
    readonly options: TopologyOptions,
  ) {}

  static async create(options: TopologyOptions): Promise<PunchTopology> {
    // Per process and worker thread (ava runs files as threads of one process) and per lab.
    const topo = new PunchTopology(`kp${process.pid % 100000}t${threadId}${options.tag}`, options);
    try {
      await topo.up();
    } catch (err) {
      await topo.destroy();
      throw err;
    }
    return topo;
  }

  ns(role: Role): string {
    return `${this.prefix}${role}`;
  }

  /** The address of a host as it sits on its own segment (a home host's is private). */
  ip(role: PublicRole | HomeRole): string {
    return role === 'h1' || role === 'h2' ? `${HOME_NET[role]}.2` : `${PUBLIC_NET[role]}.2`;
  }

  /** The public address a home's traffic leaves from (r3's when h2 is behind a double NAT). */
  wanIp(home: HomeRole): string {
    return home === 'h1' ? `${PUBLIC_NET.r1}.2` : `${PUBLIC_NET.r2wan}.2`;
  }

  /** Routers on a home's path, innermost first. */
  routersOf(home: HomeRole): RouterRole[] {
    if (home === 'h1') return ['r1'];
    return this.options.doubleNat ? ['r2', 'r3'] : ['r2'];
  }

  get routers(): RouterRole[] {
    return this.options.doubleNat ? ['r1', 'r2', 'r3'] : ['r1', 'r2'];
  }

  get iptables(): string {
    return this.iptablesCmd;
  }

  private async up(): Promise<void> {
    const core = this.ns('core');
    const all: Role[] = ['core', 'p', 'q', 'x', 't', 'h1', 'h2', ...this.routers];
    for (const role of all) await this.addNamespace(this.ns(role));
    await this.forwarding('core');
    for (const role of ['p', 'q', 'x', 't'] as const) {
      await this.link(this.ns(role), 'eth0', `${PUBLIC_NET[role]}.2`, core, `c-${role}`, `${PUBLIC_NET[role]}.1`);
    }
    await this.link(this.ns('r1'), 'wan0', `${PUBLIC_NET.r1}.2`, core, 'c-r1', `${PUBLIC_NET.r1}.1`);
    if (this.options.doubleNat) {
      await this.link(this.ns('r3'), 'wan0', `${PUBLIC_NET.r2wan}.2`, core, 'c-r3', `${PUBLIC_NET.r2wan}.1`);
      await this.link(this.ns('r2'), 'wan0', `${DOUBLE_NAT_NET}.2`, this.ns('r3'), 'lan0', `${DOUBLE_NAT_NET}.1`);
    } else {
      await this.link(this.ns('r2'), 'wan0', `${PUBLIC_NET.r2wan}.2`, core, 'c-r2', `${PUBLIC_NET.r2wan}.1`);
    }
    for (const home of ['h1', 'h2'] as const) {
      const router = home === 'h1' ? 'r1' : 'r2';
      await this.link(this.ns(home), 'eth0', `${HOME_NET[home]}.2`, this.ns(router), 'lan0', `${HOME_NET[home]}.1`);
      await this.run('ip', ['-n', this.ns(home), 'route', 'add', 'default', 'via', `${HOME_NET[home]}.1`]);
    }
    for (const role of ['p', 'q', 'x', 't'] as const) {
      await this.run('ip', ['-n', this.ns(role), 'route', 'add', 'default', 'via', `${PUBLIC_NET[role]}.1`]);
    }
    await this.run('ip', ['-n', this.ns('r1'), 'route', 'add', 'default', 'via', `${PUBLIC_NET.r1}.1`]);
    if (this.options.doubleNat) {
      await this.run('ip', ['-n', this.ns('r3'), 'route', 'add', 'default', 'via', `${PUBLIC_NET.r2wan}.1`]);
      await this.run('ip', ['-n', this.ns('r2'), 'route', 'add', 'default', 'via', `${DOUBLE_NAT_NET}.1`]);
    } else {
      await this.run('ip', ['-n', this.ns('r2'), 'route', 'add', 'default', 'via', `${PUBLIC_NET.r2wan}.1`]);
    }
    this.iptablesCmd = await this.findIptables();
    await this.homeRouter('r1', `${HOME_NET.h1}.0/24`);
    await this.homeRouter('r2', `${HOME_NET.h2}.0/24`);
    if (this.options.doubleNat) await this.homeRouter('r3', `${DOUBLE_NAT_NET}.0/24`);
  }

  private async addNamespace(name: string): Promise<void> {
    const existing = (await this.run('ip', ['netns', 'list'])).split('\n').map((line) => line.split(' ')[0]);
    if (existing.includes(name)) await deleteNamespace(name); // a crashed run's leftover with our pid
    await this.run('ip', ['netns', 'add', name]);
    this.created.push(name);
    await this.run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  }

  /** A veth between two namespaces, each end addressed in a /24. */
  private async link(nsA: string, devA: string, ipA: string, nsB: string, devB: string, ipB: string): Promise<void> {
    await this.run('ip', ['link', 'add', devA, 'netns', nsA, 'type', 'veth', 'peer', 'name', devB, 'netns', nsB]);
    for (const [ns, dev, ip] of [[nsA, devA, ipA], [nsB, devB, ipB]] as const) {
      await this.run('ip', ['-n', ns, 'addr', 'add', `${ip}/24`, 'dev', dev]);
      await this.run('ip', ['-n', ns, 'link', 'set', dev, 'up']);
    }
  }

  /** Turns IPv4 forwarding on in one namespace (its own /proc/sys/net; no sysctl binary needed: slim CI images lack procps). */
  private async forwarding(role: Role): Promise<void> {
    await this.exec(role, 'sh', ['-c', 'echo 1 > /proc/sys/net/ipv4/ip_forward']);
  }

  private async findIptables(): Promise<string> {
    const errors: string[] = [];
    for (const cmd of IPTABLES_CANDIDATES) {
      try {
        await this.exec('r1', cmd, ['-w', XTABLES_WAIT_SEC, '-t', 'nat', '-A', 'POSTROUTING', '-s', '192.0.2.1', '-j', 'MASQUERADE', '--random-fully']);
        await this.exec('r1', cmd, ['-w', XTABLES_WAIT_SEC, '-t', 'nat', '-D', 'POSTROUTING', '-s', '192.0.2.1', '-j', 'MASQUERADE', '--random-fully']);
        await this.exec('r1', cmd, ['-w', XTABLES_WAIT_SEC, '-A', 'INPUT', '-s', '192.0.2.1', '-m', 'conntrack', '--ctstate', 'ESTABLISHED', '-j', 'ACCEPT']);
        await this.exec('r1', cmd, ['-w', XTABLES_WAIT_SEC, '-D', 'INPUT', '-s', '192.0.2.1', '-m', 'conntrack', '--ctstate', 'ESTABLISHED', '-j', 'ACCEPT']);
        return cmd;
      } catch (err) {
        errors.push(`${cmd}: ${(err as Error).message.split('\n')[0]}`);
      }
    }
    throw new Error(`no iptables here can MASQUERADE --random-fully and match conntrack state in a namespace (${errors.join('; ')})`);
  }

  /** iptables in a lab namespace (never the host's). */
  async ipt(role: Role, args: readonly string[]): Promise<string> {
    return (await this.exec(role, this.iptablesCmd, ['-w', XTABLES_WAIT_SEC, ...args])).stdout;
  }

  private async homeRouter(router: RouterRole, lanNet: string): Promise<void> {
    await this.forwarding(router);
    const randomFully = this.options.randomFully?.includes(router) ? ['--random-fully'] : [];
    await this.ipt(router, ['-t', 'nat', '-A', 'POSTROUTING', '-s', lanNet, '-o', 'wan0', '-j', 'MASQUERADE', ...randomFully]);
    await this.ipt(router, ['-P', 'FORWARD', 'DROP']);
    await this.ipt(router, ['-A', 'FORWARD', '-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'ACCEPT']);
    await this.ipt(router, ['-A', 'FORWARD', '-i', 'lan0', '-o', 'wan0', '-j', 'ACCEPT']);
    await this.ipt(router, ['-A', 'INPUT', '-i', 'wan0', '-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'ACCEPT']);
    await this.ipt(router, ['-A', 'INPUT', '-i', 'wan0', '-j', 'DROP']);
  }

  /** Runs a command inside a lab namespace to completion; rejects on a non-zero exit. */
  async exec(role: Role, command: string, args: readonly string[], timeoutMs = EXEC_TIMEOUT_MS): Promise<{ stdout: string; stderr: string }> {
    return execFileAsync('ip', ['netns', 'exec', this.ns(role), command, ...args], { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
  }

  /** Starts a process inside a lab namespace (`ip netns exec` execs: the pid is the command's); destroy() kills it. */
  spawn(role: Role, command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', this.ns(role), command, ...args], { stdio: 'pipe', ...options });
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  private async run(command: string, args: readonly string[]): Promise<string> {
    return (await execFileAsync(command, [...args], { timeout: EXEC_TIMEOUT_MS })).stdout;
  }

  /**
   * Counts, in the core, the TCP connections `from` opens (SYNs without ACK) to destination ports
   * `ports` ("first:last") on each of `to` and on anyone else ("other"): who a public host dials,
   * whatever it says about it.
   */
  async watchSyns(from: PublicRole, to: readonly PublicRole[], ports: string): Promise<void> {
    const rule = (dest: string[], name: string): string[] => ['-A', 'FORWARD', '-s', this.ip(from), ...dest, '-p', 'tcp', '--syn', '--dport', ports, '-m', 'comment', '--comment', `syn:${from}>${name}`, '-j', 'ACCEPT'];
    for (const dest of to) await this.ipt('core', rule(['-d', this.ip(dest)], dest));
    await this.ipt('core', rule([], 'other'));
  }

  /** The watchSyns counters: "p>x" → packets (a retransmitted SYN counts again). */
  async synCounts(): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const line of (await this.ipt('core', ['-L', 'FORWARD', '-v', '-n', '-x'])).split('\n')) {
      const match = /^\s*(\d+)\s.*\/\* syn:(\S+) \*\//.exec(line);
      if (match) counts.set(match[2]!, Number(match[1]));
    }
    return counts;
  }

  /** A router's connection-tracking table (TCP only), or why it cannot be read. */
  async conntrack(role: RouterRole | 'core'): Promise<string> {
    try {
      const { stdout } = await this.exec(role, 'cat', ['/proc/net/nf_conntrack']);
      return stdout
        .split('\n')
        .filter((line) => line.includes(' tcp '))
        .map((line) => line.replace(/^ipv4\s+2\s+/, '').replace(/\s+/g, ' '))
        .join('\n');
    } catch (err) {
      return `(conntrack table not readable: ${(err as Error).message.split('\n')[0]})`;
    }
  }

  /** Packet counters of every rule in a namespace (filter and nat tables). */
  async counters(role: RouterRole | 'core'): Promise<string> {
    const filter = await this.ipt(role, ['-L', '-v', '-n', '-x']).catch((err: Error) => err.message);
    const nat = await this.ipt(role, ['-t', 'nat', '-L', '-v', '-n', '-x']).catch((err: Error) => err.message);
    return `${filter}\n${nat}`;
  }

  async destroy(): Promise<void> {
    for (const child of this.children) child.kill('SIGKILL');
    this.children.clear();
    for (const name of [...this.created].reverse()) await deleteNamespace(name);
    this.created.length = 0;
  }
}

/** Kills what runs inside (only this lab starts processes there: the name carries our pid) and deletes it. */
async function deleteNamespace(name: string): Promise<void> {
  const pids = await execFileAsync('ip', ['netns', 'pids', name]).then((r) => r.stdout.split('\n').filter(Boolean), () => [] as string[]);
  for (const pid of pids) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await execFileAsync('ip', ['netns', 'del', name]).catch(() => undefined);
}
