/**
 * One process of the discovery-scale bench: hosts a slice of the nodes (or the bootstrap alone),
 * each a real UDP socket, so the bench uses every core and the bootstrap's CPU time is its own.
 * Driven over IPC by discovery-scale-net.ts: init → ready, go → status updates, report → figures.
 */
import { readFile } from 'node:fs/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { generatePrivateKey } from '../../src/primitives/secp256k1.js';
import { nodeKeyFromPrivateKey } from '../../src/p2p/discovery/node-key.js';
import { Discovery } from '../../src/p2p/discovery/service.js';
import { createLogger, flushLogsSync, silentLogger } from '../../src/util/logger.js';
import { type NodeTraffic, countingSocket, newTraffic } from './discovery-scale-traffic.js';
/** DISCO_DEBUG_LOG=/tmp/x: every node logs at debug to /tmp/x.<pid> (bound `n` = its index), for finding out why a node is stuck. */
const debugLog = process.env.DISCO_DEBUG_LOG === undefined ? undefined : createLogger({ level: 'debug', dest: `${process.env.DISCO_DEBUG_LOG}.${process.pid}`, pretty: false });

export const MIN_TABLE_SIZE = 8;
const POLL_MS = 20;

export interface HostInit {
  readonly cmd: 'init';
  readonly hosts: readonly string[];
  readonly firstTcpPort: number;
  /** Absent for the bootstrap's own process. */
  readonly bootstrap?: { readonly host: string; readonly port: number };
}

export type HostCommand = HostInit | { readonly cmd: 'go' } | { readonly cmd: 'report' };

export interface HostReport {
  readonly cpuMs: number;
  readonly tableSizes: number[];
  readonly packetsSent: number;
  readonly packetsReceived: number;
  readonly latePongs: number;
  /** Datagrams the kernel dropped on this process's sockets (full receive buffer); null off Linux. */
  readonly udpRcvbufDrops: number | null;
  readonly dropped: Record<string, number>;
  readonly eventLoopDelayP99Ms: number;
  readonly eventLoopDelayMaxMs: number;
  /** A few nodes still below MIN_TABLE_SIZE: their counters and what they know. */
  readonly stuck: unknown[];
  /** Each node's datagrams by type and phase, and its start timeline (discovery-scale-traffic.ts). */
  readonly traffic: NodeTraffic[];
}

export type HostMessage = { readonly ready: number[] } | { readonly healthy: boolean } | { readonly report: HostReport };

const nodes: Discovery[] = [];
const traffic: NodeTraffic[] = [];
let goMs = performance.now();
const sinceGo = (): number => Math.round(performance.now() - goMs);
const lag = monitorEventLoopDelay({ resolution: 10 });
let cpuAtGo = process.cpuUsage();
let poll: NodeJS.Timeout | undefined;

function send(msg: HostMessage): Promise<void> {
  return new Promise((resolve) => process.send?.(msg, () => resolve()));
}

async function init(msg: HostInit): Promise<void> {
  const boot = msg.bootstrap === undefined ? undefined : `${msg.bootstrap.host}:${msg.bootstrap.port}`;
  msg.hosts.forEach((host, i) => {
    const counts = newTraffic();
    traffic.push(counts);
    nodes.push(
      new Discovery({
        nodeKey: nodeKeyFromPrivateKey(generatePrivateKey()),
        bindHost: host,
        udpPort: 0,
        tcpPort: msg.firstTcpPort + i,
        advertisedIp: host,
        bootstrap: msg.bootstrap === undefined ? [] : [msg.bootstrap],
        logger: debugLog?.child({ n: i }) ?? silentLogger(),
        socketFactory: countingSocket(counts, sinceGo, boot),
      }),
    );
  });
  // The bootstrap binds at init (the others need its port); the rest bind and start together at go.
  if (msg.bootstrap === undefined) await Promise.all(nodes.map((n) => n.start()));
  await send({ ready: nodes.map((n) => n.udpPort) });
}

async function go(): Promise<void> {
  lag.enable();
  goMs = performance.now();
  cpuAtGo = process.cpuUsage();
  await Promise.all(nodes.filter((n) => n.udpPort === 0).map((n) => n.start()));
  let healthy: boolean | undefined;
  const check = (): void => {
    nodes.forEach((n, i) => {
      if (n.tableSize >= MIN_TABLE_SIZE) traffic[i].reachedMs ??= sinceGo();
    });
    const now = nodes.every((n) => n.tableSize >= MIN_TABLE_SIZE);
    if (now !== healthy) void send({ healthy: now });
    healthy = now;
  };
  check();
  poll = setInterval(check, POLL_MS);
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
    if (ports.has(parseInt(cols[1].split(':')[1], 16))) drops += Number(cols[12]);
  }
  return drops;
}

async function report(): Promise<void> {
  clearInterval(poll);
  lag.disable();
  const cpu = process.cpuUsage(cpuAtGo);
  const dropped: Record<string, number> = {};
  for (const n of nodes) for (const [code, count] of Object.entries(n.stats.dropped)) if (count > 0) dropped[code] = (dropped[code] ?? 0) + count;
  const stuck = nodes
    .filter((n) => n.tableSize < MIN_TABLE_SIZE)
    .slice(0, 3)
    .map((n) => ({ i: nodes.indexOf(n), pid: process.pid, stats: n.stats, knows: n.knownNodes(MIN_TABLE_SIZE).map((k) => `${k.endpoint.ip}:${k.endpoint.udpPort}`) }));
  await send({
    report: {
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
      tableSizes: nodes.map((n) => n.tableSize),
      packetsSent: nodes.reduce((sum, n) => sum + n.stats.packetsSent, 0),
      packetsReceived: nodes.reduce((sum, n) => sum + n.stats.packetsReceived, 0),
      latePongs: nodes.reduce((sum, n) => sum + n.stats.latePongs, 0),
      udpRcvbufDrops: await rcvbufDrops(new Set(nodes.map((n) => n.udpPort))),
      dropped,
      eventLoopDelayP99Ms: Math.round(lag.percentile(99) / 1e6),
      eventLoopDelayMaxMs: Math.round(lag.max / 1e6),
      stuck,
      traffic,
    },
  });
  await Promise.all(nodes.map((n) => n.stop()));
  flushLogsSync();
  process.exit(0);
}

process.on('message', (msg: HostCommand) => {
  if (msg.cmd === 'init') void init(msg);
  else if (msg.cmd === 'go') void go();
  else void report();
});
process.on('disconnect', () => void Promise.all(nodes.map((n) => n.stop())).then(() => process.exit(0)));
