/**
 * A discovery network at scale on this machine: one bootstrap node in its own process, N - 1
 * nodes in this process, every node a real UDP socket. With `distinctIps` node i binds its own
 * loopback address 127.0.x.y (Linux routes all of 127.0.0.0/8 to lo), so per-address rules see
 * one node per IP as on the internet; without it every node is on 127.0.0.1 (CGNAT: many nodes
 * behind one address). Production timers throughout. Shared by the bench and the CI test.
 */
import { fork } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { generatePrivateKey } from '../../src/primitives/secp256k1.js';
import { nodeKeyFromPrivateKey } from '../../src/p2p/discovery/node-key.js';
import { Discovery } from '../../src/p2p/discovery/service.js';
import { silentLogger } from '../../src/util/logger.js';
import type { BootReport } from './discovery-scale-boot.js';

export const MIN_TABLE_SIZE = 8;
const POLL_MS = 20;
const BOOT_HOST = '127.0.0.1';
const FIRST_TCP_PORT = 20_000;
/** Addresses per third octet used for nodes (x.y with y in 1…250). */
const HOSTS_PER_OCTET = 250;

export interface ScaleOptions {
  readonly nodes: number;
  readonly distinctIps: boolean;
  readonly giveUpMs: number;
}

export interface ScaleResult {
  readonly nodes: number;
  readonly distinctIps: boolean;
  /** null: some node still had fewer than MIN_TABLE_SIZE entries at giveUpMs. */
  readonly msToAllHave8: number | null;
  readonly stuckNodes: number;
  readonly tableSizeMin: number;
  readonly tableSizeMedian: number;
  readonly packetsSent: number;
  readonly packetsReceived: number;
  /** Pongs that came after the ping timeout (a busy event loop) and still counted. */
  readonly latePongs: number;
  /** Datagrams the kernel dropped on our sockets (full receive buffer), from /proc/net/udp. */
  readonly udpRcvbufDrops: number | null;
  readonly bootstrap: BootReport;
  /** CPU time of this process (every node but the bootstrap). */
  readonly nodesCpuMs: number;
  /** How late this process's event loop ran (all nodes share it): late pongs look like lost ones. */
  readonly eventLoopDelayP99Ms: number;
  readonly eventLoopDelayMaxMs: number;
  readonly dropped: Record<string, number>;
}

/** Node i's address: 127.0.1.1, 127.0.1.2, … (127.0.0.x left alone), or 127.0.0.1 for all. */
export function nodeHost(i: number, distinctIps: boolean): string {
  if (!distinctIps) return '127.0.0.1';
  return `127.0.${1 + Math.floor(i / HOSTS_PER_OCTET)}.${1 + (i % HOSTS_PER_OCTET)}`;
}

interface BootHandle {
  readonly port: number;
  report(): Promise<BootReport>;
  kill(): void;
}

async function startBoot(): Promise<BootHandle> {
  const script = fileURLToPath(new URL('./discovery-scale-boot.js', import.meta.url));
  const child = fork(script, [BOOT_HOST], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (msg) => resolve((msg as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`bootstrap process exited with ${code} before listening`)));
  });
  return {
    port,
    report: () =>
      new Promise<BootReport>((resolve) => {
        child.once('message', (msg) => resolve(msg as BootReport));
        child.send('report');
      }),
    kill: () => child.kill(),
  };
}

/** Sum of the drops column of /proc/net/udp for sockets on `ports` (Linux only; null elsewhere). */
async function rcvbufDrops(ports: ReadonlySet<number>): Promise<number | null> {
  let text: string;
  try {
    text = await readFile('/proc/net/udp', 'utf8');
  } catch {
    return null;
  }
  let drops = 0;
  for (const line of text.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 13) continue;
    const port = parseInt(cols[1].split(':')[1], 16);
    if (ports.has(port)) drops += Number(cols[12]);
  }
  return drops;
}

export async function runScale(options: ScaleOptions): Promise<ScaleResult> {
  const boot = await startBoot();
  const nodes: Discovery[] = [];
  try {
    for (let i = 0; i < options.nodes - 1; i++) {
      const host = nodeHost(i, options.distinctIps);
      nodes.push(
        new Discovery({
          nodeKey: nodeKeyFromPrivateKey(generatePrivateKey()),
          bindHost: host,
          udpPort: 0,
          tcpPort: FIRST_TCP_PORT + i,
          advertisedIp: host,
          bootstrap: [{ host: BOOT_HOST, port: boot.port }],
          logger: silentLogger(),
        }),
      );
    }
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    const cpuAtStart = process.cpuUsage();
    const startMs = performance.now();
    await Promise.all(nodes.map((n) => n.start()));
    const healthy = (): boolean => nodes.every((n) => n.tableSize >= MIN_TABLE_SIZE);
    while (!healthy() && performance.now() - startMs < options.giveUpMs) await new Promise((r) => setTimeout(r, POLL_MS));
    const ms = Math.round(performance.now() - startMs);
    const done = healthy();
    lag.disable();
    const cpu = process.cpuUsage(cpuAtStart);
    const bootstrap = await boot.report();
    const sizes = nodes.map((n) => n.tableSize).sort((a, b) => a - b);
    const dropped: Record<string, number> = {};
    for (const n of nodes) for (const [code, count] of Object.entries(n.stats.dropped)) if (count > 0) dropped[code] = (dropped[code] ?? 0) + count;
    const ports = new Set([boot.port, ...nodes.map((n) => n.udpPort)]);
    return {
      nodes: options.nodes,
      distinctIps: options.distinctIps,
      msToAllHave8: done ? ms : null,
      stuckNodes: sizes.filter((s) => s < MIN_TABLE_SIZE).length,
      tableSizeMin: sizes[0] ?? 0,
      tableSizeMedian: sizes[Math.floor(sizes.length / 2)] ?? 0,
      packetsSent: nodes.reduce((sum, n) => sum + n.stats.packetsSent, bootstrap.packetsSent),
      packetsReceived: nodes.reduce((sum, n) => sum + n.stats.packetsReceived, bootstrap.packetsReceived),
      latePongs: nodes.reduce((sum, n) => sum + n.stats.latePongs, 0),
      udpRcvbufDrops: await rcvbufDrops(ports),
      bootstrap,
      nodesCpuMs: Math.round((cpu.user + cpu.system) / 1000),
      eventLoopDelayP99Ms: Math.round(lag.percentile(99) / 1e6),
      eventLoopDelayMaxMs: Math.round(lag.max / 1e6),
      dropped,
    };
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    boot.kill();
  }
}
