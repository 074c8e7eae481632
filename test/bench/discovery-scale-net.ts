/**
 * A discovery network at scale on this machine: the bootstrap node in a process of its own, the
 * other N - 1 nodes spread over `processes` processes (one per core by default), every node a
 * real UDP socket with production timers. With `distinctIps` node i binds its own loopback
 * address 127.0.x.y (Linux routes all of 127.0.0.0/8 to lo), so per-address rules see one node
 * per IP as on the internet; without it every node is on 127.0.0.1 (CGNAT: many nodes behind
 * one address). Shared by the bench and the CI test.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { type HostCommand, type HostMessage, type HostReport, MIN_TABLE_SIZE } from './discovery-scale-host.js';
import { TYPE_NAMES, type TypeCounts, spread, sumTraffic } from './discovery-scale-traffic.js';

export { MIN_TABLE_SIZE };
const BOOT_HOST = '127.0.0.1';
const FIRST_TCP_PORT = 20_000;
/** Addresses per third octet used for nodes (x.y with y in 1…250). */
const HOSTS_PER_OCTET = 250;

export interface ScaleOptions {
  readonly nodes: number;
  readonly distinctIps: boolean;
  readonly giveUpMs: number;
  /** Processes hosting the non-bootstrap nodes; default: one per core. */
  readonly processes?: number;
}

export interface ScaleResult {
  readonly nodes: number;
  readonly distinctIps: boolean;
  readonly processes: number;
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
  readonly bootstrapCpuMs: number;
  readonly bootstrapPacketsReceived: number;
  readonly bootstrapTableSize: number;
  /** CPU time of the processes hosting every node but the bootstrap. */
  readonly nodesCpuMs: number;
  /** The worst event-loop lag of the node processes (late timers make answers look lost). */
  readonly eventLoopDelayP99Ms: number;
  readonly dropped: Record<string, number>;
  /** Datagrams sent per node (bootstrap excluded) by type, until that node had MIN_TABLE_SIZE entries and after. */
  readonly perNodeSent: { readonly start: TypeCounts; readonly after: TypeCounts };
  /** What the bootstrap sent and received by type (start = before its own table had MIN_TABLE_SIZE entries). */
  readonly bootstrapTraffic: ReturnType<typeof sumTraffic>;
  /** ms after go, over the nodes: first pong and first neighbours from the bootstrap, first MIN_TABLE_SIZE entries. */
  readonly timeline: Record<'bootPongMs' | 'bootNeighboursMs' | 'reachedMs', ReturnType<typeof spread>>;
  /** The three nodes that reached MIN_TABLE_SIZE last (or never): their timeline and datagrams sent before. */
  readonly slowest: unknown[];
  readonly stuck: unknown[];
}

const perNode = (c: TypeCounts, n: number): TypeCounts =>
  Object.fromEntries(TYPE_NAMES.map((name) => [name, Math.round((10 * c[name]) / Math.max(1, n)) / 10])) as TypeCounts;
const total = (c: TypeCounts): number => TYPE_NAMES.reduce((sum, name) => sum + c[name], 0);

/** Node i's address: 127.0.1.1, 127.0.1.2, … (127.0.0.x left alone), or 127.0.0.1 for all. */
export function nodeHost(i: number, distinctIps: boolean): string {
  if (!distinctIps) return '127.0.0.1';
  return `127.0.${1 + Math.floor(i / HOSTS_PER_OCTET)}.${1 + (i % HOSTS_PER_OCTET)}`;
}

class Host {
  private readonly child: ChildProcess;
  private readonly waiting: Array<(msg: HostMessage) => boolean> = [];
  healthy = false;
  onHealthy: () => void = () => {};

  constructor() {
    const script = fileURLToPath(new URL('./discovery-scale-host.js', import.meta.url));
    // DISCO_PROF_DIR=/tmp/p: each process writes a CPU profile there (where the time goes when a target is missed).
    const profDir = process.env.DISCO_PROF_DIR;
    const execArgv = profDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profDir}`];
    this.child = fork(script, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv });
    this.child.on('message', (msg: HostMessage) => {
      if ('healthy' in msg) {
        this.healthy = msg.healthy;
        this.onHealthy();
      }
      const at = this.waiting.findIndex((w) => w(msg));
      if (at >= 0) this.waiting.splice(at, 1);
    });
  }

  send(cmd: HostCommand): void {
    this.child.send(cmd);
  }

  ready(cmd: HostCommand): Promise<number[]> {
    return new Promise((resolve) => {
      this.waiting.push((msg) => ('ready' in msg ? (resolve(msg.ready), true) : false));
      this.send(cmd);
    });
  }

  report(): Promise<HostReport> {
    return new Promise((resolve) => {
      this.waiting.push((msg) => ('report' in msg ? (resolve(msg.report), true) : false));
      this.send({ cmd: 'report' });
    });
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill();
  }
}

export async function runScale(options: ScaleOptions): Promise<ScaleResult> {
  const processes = Math.max(1, options.processes ?? availableParallelism());
  const boot = new Host();
  const hosts = Array.from({ length: processes }, () => new Host());
  try {
    const [bootPort] = await boot.ready({ cmd: 'init', hosts: [BOOT_HOST], firstTcpPort: FIRST_TCP_PORT });
    await Promise.all(
      hosts.map((h, p) => {
        const mine = Array.from({ length: options.nodes - 1 }, (_, i) => i).filter((i) => i % processes === p);
        return h.ready({ cmd: 'init', hosts: mine.map((i) => nodeHost(i, options.distinctIps)), firstTcpPort: FIRST_TCP_PORT + 1 + p * options.nodes, bootstrap: { host: BOOT_HOST, port: bootPort } });
      }),
    );
    const startMs = performance.now();
    const done = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), options.giveUpMs);
      for (const h of hosts) {
        h.onHealthy = () => {
          if (!hosts.every((x) => x.healthy)) return;
          clearTimeout(timer);
          resolve(true);
        };
      }
      boot.send({ cmd: 'go' });
      for (const h of hosts) h.send({ cmd: 'go' });
    });
    const ms = Math.round(performance.now() - startMs);
    const bootReport = await boot.report();
    const reports = await Promise.all(hosts.map((h) => h.report()));
    const sizes = reports.flatMap((r) => r.tableSizes).sort((a, b) => a - b);
    const traffic = reports.flatMap((r) => r.traffic);
    const { sent } = sumTraffic(traffic);
    const dropped: Record<string, number> = {};
    for (const r of reports) for (const [code, count] of Object.entries(r.dropped)) dropped[code] = (dropped[code] ?? 0) + count;
    return {
      nodes: options.nodes,
      distinctIps: options.distinctIps,
      processes,
      msToAllHave8: done ? ms : null,
      stuckNodes: sizes.filter((s) => s < MIN_TABLE_SIZE).length,
      tableSizeMin: sizes[0] ?? 0,
      tableSizeMedian: sizes[Math.floor(sizes.length / 2)] ?? 0,
      packetsSent: reports.reduce((sum, r) => sum + r.packetsSent, bootReport.packetsSent),
      packetsReceived: reports.reduce((sum, r) => sum + r.packetsReceived, bootReport.packetsReceived),
      latePongs: reports.reduce((sum, r) => sum + r.latePongs, bootReport.latePongs),
      udpRcvbufDrops: [bootReport, ...reports].some((r) => r.udpRcvbufDrops === null) ? null : [bootReport, ...reports].reduce((sum, r) => sum + (r.udpRcvbufDrops ?? 0), 0),
      bootstrapCpuMs: bootReport.cpuMs,
      bootstrapPacketsReceived: bootReport.packetsReceived,
      bootstrapTableSize: bootReport.tableSizes[0] ?? 0,
      nodesCpuMs: reports.reduce((sum, r) => sum + r.cpuMs, 0),
      eventLoopDelayP99Ms: Math.max(...reports.map((r) => r.eventLoopDelayP99Ms)),
      dropped,
      perNodeSent: { start: perNode(sent.start, traffic.length), after: perNode(sent.after, traffic.length) },
      bootstrapTraffic: sumTraffic(bootReport.traffic),
      timeline: {
        bootPongMs: spread(traffic.map((x) => x.bootPongMs)),
        bootNeighboursMs: spread(traffic.map((x) => x.bootNeighboursMs)),
        reachedMs: spread(traffic.map((x) => x.reachedMs)),
      },
      slowest: [...traffic]
        .sort((a, b) => (b.reachedMs ?? Number.MAX_SAFE_INTEGER) - (a.reachedMs ?? Number.MAX_SAFE_INTEGER))
        .slice(0, 3)
        .map((x) => ({ bootPongMs: x.bootPongMs, bootNeighboursMs: x.bootNeighboursMs, reachedMs: x.reachedMs, sentStart: total(x.sent.start), receivedStart: total(x.received.start) })),
      stuck: reports.flatMap((r) => r.stuck).slice(0, 3),
    };
  } finally {
    boot.kill();
    for (const h of hosts) h.kill();
  }
}
