/**
 * Cutting links in a NetnsMesh so that packets are really dropped (no RST, no ICMP): iptables
 * DROP rules inside the hosts' namespaces for a partition between groups, the bridge port taken
 * down for one host's link. This kernel has no sch_netem/sch_prio, so `tc` cannot do it; and
 * iptables may be the nft or the legacy flavour, whichever this kernel and package accept.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type LabHost, NetnsMesh } from './netns.js';

const execFileAsync = promisify(execFile);

const IPTABLES_CANDIDATES = ['iptables', 'iptables-nft', 'iptables-legacy'] as const;
/** Seconds iptables waits for the xtables lock: other namespaces' rules may be being written. */
const XTABLES_WAIT_SEC = '10';

/** The first iptables that can add and delete a DROP rule in `host`'s namespace, or undefined. */
export async function findIptables(mesh: NetnsMesh, host: LabHost): Promise<string | undefined> {
  for (const cmd of IPTABLES_CANDIDATES) {
    try {
      await mesh.run(host, cmd, ['-w', XTABLES_WAIT_SEC, '-A', 'INPUT', '-s', '192.0.2.1', '-j', 'DROP']);
      await mesh.run(host, cmd, ['-w', XTABLES_WAIT_SEC, '-D', 'INPUT', '-s', '192.0.2.1', '-j', 'DROP']);
      return cmd;
    } catch {
      // not installed, or this kernel lacks its backend: try the next one
    }
  }
  return undefined;
}

/**
 * Why iptables-based cuts cannot run here (probed in a throwaway one-host lab), or undefined when
 * they can: a test that needs them skips with this reason instead of passing without a cut.
 */
export async function iptablesSkipReason(): Promise<string | undefined> {
  const mesh = await NetnsMesh.create({ hosts: 1, subnet: '10.96.250', tag: 'ipt' });
  try {
    const found = await findIptables(mesh, mesh.hosts[0]!);
    return found === undefined ? `no iptables that can add DROP rules here (tried ${IPTABLES_CANDIDATES.join(', ')}; apt-get install iptables)` : undefined;
  } finally {
    await mesh.destroy();
  }
}

export class Firewall {
  constructor(
    private readonly mesh: NetnsMesh,
    private readonly iptables: string,
  ) {}

  /** Drops every packet (TCP, UDP, ARP-resolved IP alike) between any host of `a` and any of `b`, both ways. */
  async partition(a: readonly LabHost[], b: readonly LabHost[]): Promise<void> {
    const cut = async (host: LabHost, others: readonly LabHost[]): Promise<void> => {
      for (const other of others) {
        await this.mesh.run(host, this.iptables, ['-w', XTABLES_WAIT_SEC, '-A', 'INPUT', '-s', other.ip, '-j', 'DROP']);
        await this.mesh.run(host, this.iptables, ['-w', XTABLES_WAIT_SEC, '-A', 'OUTPUT', '-d', other.ip, '-j', 'DROP']);
      }
    };
    await Promise.all([...a.map((h) => cut(h, b)), ...b.map((h) => cut(h, a))]);
  }

  /** Removes every rule the partition added (the namespaces are the lab's own: nothing else is in them). */
  async heal(hosts: readonly LabHost[]): Promise<void> {
    await Promise.all(
      hosts.map(async (host) => {
        await this.mesh.run(host, this.iptables, ['-w', XTABLES_WAIT_SEC, '-F', 'INPUT']);
        await this.mesh.run(host, this.iptables, ['-w', XTABLES_WAIT_SEC, '-F', 'OUTPUT']);
      }),
    );
  }
}

/** Takes `host`'s bridge port down (true) or up: its cable is pulled, packets both ways are lost. */
export async function setLinkDown(mesh: NetnsMesh, host: LabHost, down: boolean): Promise<void> {
  const port = `p${mesh.hosts.indexOf(host) + 1}`;
  await execFileAsync('ip', ['-n', mesh.bridgeNs, 'link', 'set', port, down ? 'down' : 'up']);
}
