/**
 * Network-namespace lab for tests: N hosts on one Linux bridge that lives in its own namespace,
 * so the host's own network is never touched and all traffic stays between namespaces this
 * process created. Modelled on shared/lab/mesh.sh. Needs root and iproute2.
 */
import { execFile, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { promisify } from 'node:util';
import { threadId } from 'node:worker_threads';

const execFileAsync = promisify(execFile);

/** Why lab tests cannot run here, or undefined when they can. */
export async function labSkipReason(): Promise<string | undefined> {
  if (process.platform !== 'linux') return 'network-lab tests need Linux network namespaces';
  if (process.getuid?.() !== 0) return 'network-lab tests need root (they create network namespaces)';
  try {
    await execFileAsync('ip', ['-V']);
  } catch {
    return 'network-lab tests need iproute2 ("ip"); install it with: apt-get install iproute2';
  }
  // Per thread too: ava runs the lab files as threads of one process, all probing at once.
  const probe = `kcprobe${process.pid}t${threadId}`;
  try {
    await execFileAsync('ip', ['netns', 'add', probe]);
    await execFileAsync('ip', ['netns', 'del', probe]);
  } catch (err) {
    return `cannot create network namespaces here: ${(err as Error).message.split('\n')[0]}`;
  }
  return undefined;
}

async function ip(...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('ip', args);
  return stdout;
}

export interface LabHost {
  readonly name: string;
  readonly ip: string;
}

export interface MeshOptions {
  hosts: number;
  /** First three octets of the lab /24; exists only inside the namespaces. */
  subnet?: string;
  /** Added to the namespace prefix: several meshes of one test file (one thread) apart. */
  tag?: string;
}

/** A bridge namespace plus `hosts` namespaces, each with one veth into the bridge. */
export class NetnsMesh {
  private readonly children = new Set<ChildProcess>();

  private constructor(
    readonly prefix: string,
    readonly bridgeNs: string,
    readonly hosts: readonly LabHost[],
  ) {}

  static async create(options: MeshOptions): Promise<NetnsMesh> {
    const subnet = options.subnet ?? '10.99.0';
    // A per-process (and per-worker-thread: ava runs test files as threads of one process) prefix
    // keeps parallel test files (and leftovers of a crashed run) apart.
    const prefix = `kc${process.pid % 100000}t${threadId}${options.tag ?? ''}`;
    const bridgeNs = `${prefix}br`;
    const hosts: LabHost[] = [];
    for (let i = 1; i <= options.hosts; i++) hosts.push({ name: `${prefix}h${i}`, ip: `${subnet}.${10 + i}` });
    const mesh = new NetnsMesh(prefix, bridgeNs, hosts);
    try {
      await ip('netns', 'add', bridgeNs);
      await ip('-n', bridgeNs, 'link', 'set', 'lo', 'up');
      await ip('-n', bridgeNs, 'link', 'add', 'br0', 'type', 'bridge');
      await ip('-n', bridgeNs, 'link', 'set', 'br0', 'up');
      for (const [index, host] of hosts.entries()) {
        const port = `p${index + 1}`;
        await ip('netns', 'add', host.name);
        await ip('-n', host.name, 'link', 'set', 'lo', 'up');
        await ip('link', 'add', 'eth0', 'netns', host.name, 'type', 'veth', 'peer', 'name', port, 'netns', bridgeNs);
        await ip('-n', bridgeNs, 'link', 'set', port, 'master', 'br0', 'up');
        await ip('-n', host.name, 'addr', 'add', `${host.ip}/24`, 'dev', 'eth0');
        await ip('-n', host.name, 'link', 'set', 'eth0', 'up');
      }
    } catch (err) {
      await mesh.destroy();
      throw err;
    }
    return mesh;
  }

  /** Starts a process inside a host's namespace; it is killed by destroy(). */
  spawn(host: LabHost, command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', host.name, command, ...args], { stdio: 'pipe', ...options });
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  /**
   * Caps what `host` sends at `rateMbit` (a token-bucket qdisc on its eth0: an uplink such as a
   * home line or a rented server's). The burst allows ~50 ms at that rate, at least 64 KB (a
   * veth hands the qdisc segments of up to 64 KB); packets wait up to 100 ms, then TCP sees drops.
   */
  async limitUplink(host: LabHost, rateMbit: number): Promise<void> {
    const burstKb = Math.max(64, Math.ceil((rateMbit * 1000 * 0.05) / 8));
    await this.run(host, 'tc', ['qdisc', 'replace', 'dev', 'eth0', 'root', 'tbf', 'rate', `${rateMbit}mbit`, 'burst', `${burstKb}kb`, 'latency', '100ms']);
  }

  /** Runs a command inside a host's namespace to completion. */
  async run(host: LabHost, command: string, args: readonly string[], timeoutMs = 30_000): Promise<{ stdout: string; stderr: string }> {
    return execFileAsync('ip', ['netns', 'exec', host.name, command, ...args], { timeout: timeoutMs });
  }

  async destroy(): Promise<void> {
    for (const child of this.children) child.kill('SIGKILL');
    this.children.clear();
    const existing = new Set((await ip('netns', 'list')).split('\n').map((line) => line.split(' ')[0]));
    for (const ns of [...this.hosts.map((h) => h.name), this.bridgeNs]) {
      if (!existing.has(ns)) continue;
      // Anything still running inside was started by this lab.
      const pids = (await ip('netns', 'pids', ns)).split('\n').filter(Boolean);
      for (const pid of pids) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await ip('netns', 'del', ns).catch(() => undefined);
    }
  }
}
