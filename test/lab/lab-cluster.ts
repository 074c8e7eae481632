/**
 * Real nodes in the namespaces of a NetnsMesh, reached over RPC through a Unix-socket bridge
 * (rpc-bridge.ts) so the test can poll them cheaply: start, call, wait, count their sockets.
 * Logs go to files in the lab's temp dir, kept when the test fails.
 */
import { type ChildProcess } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readCookie } from '../../src/rpc/cookie.js';
import { fileURLToPath } from 'node:url';
import { publicKeyToAddress } from '../../src/primitives/address.js';
import { generatePrivateKey, publicKeyOf } from '../../src/primitives/secp256k1.js';
import { type LabHost, NetnsMesh } from './netns.js';

const CLI_BIN = fileURLToPath(new URL('../../../bin/cli.js', import.meta.url));
const RPC_BRIDGE = fileURLToPath(new URL('./rpc-bridge.js', import.meta.url));
export const P2P_PORT = 9000;
const RPC_PORT = 9100;
const RPC_TIMEOUT_MS = 30_000;
const POLL_INTERVAL_MS = 100;
const START_TIMEOUT_MS = 60_000;
/** pino's numeric levels. */
const PINO_WARN = 40;
const PINO_ERROR = 50;
/** Of the first non-JSON line of a node's output, this much names the problem (a stack trace's first line fits). */
const FOREIGN_LINE_SHOWN_CHARS = 160;

export class RpcFailure extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export interface PeerRow {
  nodeId: string | null;
  address: string;
  direction: 'inbound' | 'outbound';
  ready: boolean;
  height: number;
  /** ISO time the session was opened: a session replaced by a new one has a new one. */
  connectedSince: string;
}

export interface Info {
  height: number | null;
  tip: string | null;
  mempoolSize: number;
  peers: number;
  nodeId: string;
  tcpPort: number;
  udpPort: number | null;
}

export interface Balance {
  confirmed: bigint;
  immature: bigint;
  unconfirmed: bigint;
}

export interface PoolTx {
  txid: string;
  inputs: string[];
  outputs: Array<{ address: string; amount: number }>;
}

/** One TCP socket of a node process, as `ss` shows it. */
export interface SocketRow {
  state: string;
  local: string;
  peer: string;
}

export class LabNode {
  private cookie: string | undefined;

  constructor(
    readonly index: number,
    readonly host: LabHost,
    readonly dataDir: string,
    readonly socketPath: string,
    readonly logFile: string,
    readonly child: ChildProcess,
  ) {}

  /** "n3 (10.97.0.13)" */
  get label(): string {
    return `n${this.index + 1} (${this.host.ip})`;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async rpc<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    this.cookie ??= readCookie(this.dataDir);
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method, params });
    const auth = `Basic ${Buffer.from(`__cookie__:${this.cookie}`).toString('base64')}`;
    const text = await new Promise<string>((resolve, reject) => {
      const req = request(
        { socketPath: this.socketPath, path: '/', method: 'POST', agent: false, timeout: RPC_TIMEOUT_MS, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), Authorization: auth } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${this.label}: "${method}" not answered within ${RPC_TIMEOUT_MS} ms`)));
      req.on('error', reject);
      req.end(body);
    });
    const reply = JSON.parse(text) as { result?: T; error?: { code: number; message: string } };
    if (reply.error) throw new RpcFailure(reply.error.code, `${this.label} ${method}: ${reply.error.message}`);
    return reply.result as T;
  }

  info(): Promise<Info> {
    return this.rpc<Info>('getinfo');
  }

  async peers(): Promise<PeerRow[]> {
    return (await this.rpc<{ peers: PeerRow[] }>('peers')).peers;
  }

  async balance(address: string): Promise<Balance> {
    const b = await this.rpc<{ confirmed: number; immature: number; unconfirmed: number }>('balance', { address });
    return { confirmed: BigInt(b.confirmed), immature: BigInt(b.immature), unconfirmed: BigInt(b.unconfirmed) };
  }

  async mempool(): Promise<PoolTx[]> {
    return (await this.rpc<{ txs: PoolTx[] }>('mempool')).txs;
  }

  async send(from: string, to: string, amount: number): Promise<string> {
    return (await this.rpc<{ txid: string }>('send', { from, to, amount: String(amount) })).txid;
  }

  async newAddress(): Promise<string> {
    return (await this.rpc<{ address: string }>('createwallet')).address;
  }

  async mine(): Promise<{ hash: string; height: number; transactions: number }> {
    return this.rpc('mine');
  }

  async addresses(): Promise<string[]> {
    return (await this.rpc<{ addresses: string[] }>('printwallet')).addresses;
  }
}

export interface ClusterOptions {
  hosts: number;
  subnet: string;
  /** Namespace-name tag (NetnsMesh): one per cluster of a test file. */
  tag: string;
  /** Config of node i (merged over the lab's base config). */
  config?: (index: number) => Record<string, unknown>;
  /**
   * How the nodes find each other: 'discovery' (nodes 2…N bootstrap from node 1 over UDP) or
   * 'addpeer' (discovery off; every node is a manual peer of every later node: redials are the
   * manual peers' backoff, nothing else).
   */
  links?: 'discovery' | 'addpeer';
  /** Runs before node i starts, with its (created) data dir: e.g. to place a wallet file. */
  prepare?: (index: number, dataDir: string) => Promise<void>;
}

/** Nodes 2…N bootstrap from node 1; discovery does the rest. */
export class LabCluster {
  readonly nodes: LabNode[] = [];
  private keep = false;

  private constructor(
    readonly mesh: NetnsMesh,
    readonly root: string,
  ) {}

  static async start(options: ClusterOptions): Promise<LabCluster> {
    const mesh = await NetnsMesh.create({ hosts: options.hosts, subnet: options.subnet, tag: options.tag });
    const root = await mkdtemp(join(tmpdir(), 'kadchain-lab-'));
    const cluster = new LabCluster(mesh, root);
    try {
      const bootstrap = `${mesh.hosts[0]!.ip}:${P2P_PORT}`;
      for (const [i, host] of mesh.hosts.entries()) {
        const dataDir = join(root, `node${i + 1}`);
        const configFile = join(root, `node${i + 1}.json`);
        const logFile = join(root, `node${i + 1}.log`);
        const socketPath = join(root, `node${i + 1}.sock`);
        const config = {
          dataDir,
          port: P2P_PORT,
          rpcPort: RPC_PORT,
          logLevel: 'debug',
          chain: { powBits: '0x207fffff' },
          txpool: { size: 1000 },
          nat: { upnp: false },
          // Block rewards to an address of their own: by default they go to the wallet's first key,
          // which a test may use as a payee, and its balance would grow by each matured reward.
          mining: { address: publicKeyToAddress(publicKeyOf(generatePrivateKey())) },
          ...(options.config?.(i) ?? {}),
        };
        await writeFile(configFile, JSON.stringify(config));
        await mkdir(dataDir, { recursive: true, mode: 0o700 });
        await options.prepare?.(i, dataDir);
        const fd = openSync(logFile, 'a');
        const linkArgs = options.links === 'addpeer' ? ['--no-discovery'] : i === 0 ? [] : ['--bootstrap', bootstrap];
        const args = [CLI_BIN, 'start', '--config', configFile, '--listen-host', '0.0.0.0', ...linkArgs];
        const child = mesh.spawn(host, process.execPath, args, { stdio: ['ignore', fd, fd] });
        closeSync(fd);
        mesh.spawn(host, process.execPath, [RPC_BRIDGE, socketPath, String(RPC_PORT)], { stdio: 'ignore' });
        cluster.nodes.push(new LabNode(i, host, dataDir, socketPath, logFile, child));
      }
      await cluster.waitAll('every node answering RPC', START_TIMEOUT_MS, async (n) => existsSync(n.socketPath) && (await n.info()).tcpPort === P2P_PORT);
      if (options.links === 'addpeer') {
        for (const [i, node] of cluster.nodes.entries()) {
          for (const earlier of cluster.nodes.slice(0, i)) await node.rpc('addpeer', { address: `${earlier.host.ip}:${P2P_PORT}` });
        }
      }
    } catch (err) {
      await cluster.destroy();
      throw err;
    }
    return cluster;
  }

  /** Keep the temp dir (logs, data) after destroy: call when the test failed. */
  keepFiles(): void {
    this.keep = true;
  }

  async destroy(): Promise<void> {
    await this.mesh.destroy();
    if (!this.keep) await rm(this.root, { recursive: true, force: true });
  }

  /**
   * Warnings and errors in every node's log, counted by message ("n2: peer misbehaved; …" → 3):
   * honest nodes on a bad network must never find each other misbehaving, and never log an error.
   * A line that is not pino JSON (a crash's stack trace, a Node warning, `kadchain stopped: …`: the
   * node writes nothing else outside its logger) counts as an error, keyed by the first such line.
   */
  logProblems(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const node of this.nodes) {
      let foreignKey: string | undefined;
      for (const line of readFileSync(node.logFile, 'utf8').split('\n')) {
        if (line.trim() === '') continue;
        let entry: { level?: number; msg?: string; code?: string } | undefined;
        try {
          entry = JSON.parse(line) as typeof entry;
        } catch {
          entry = undefined;
        }
        if (entry === null || typeof entry !== 'object' || typeof entry.level !== 'number') {
          foreignKey ??= `error: ${node.label} wrote output not from its logger, first: ${line.slice(0, FOREIGN_LINE_SHOWN_CHARS)}`;
          counts.set(foreignKey, (counts.get(foreignKey) ?? 0) + 1);
          continue;
        }
        if (entry.level < PINO_WARN) continue;
        const key = `${entry.level >= PINO_ERROR ? 'error' : 'warn'}: ${entry.msg}${entry.code ? ` (${entry.code})` : ''}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
    return counts;
  }

  /** Polls `check` on `nodes` (default all) until it holds for each; the error names the nodes where it did not. */
  async waitAll(what: string, timeoutMs: number, check: (node: LabNode) => Promise<boolean>, nodes: readonly LabNode[] = this.nodes): Promise<number> {
    const started = Date.now();
    const deadline = started + timeoutMs;
    for (;;) {
      const ok = await Promise.all(nodes.map((n) => check(n).catch(() => false)));
      if (ok.every(Boolean)) return Date.now() - started;
      if (Date.now() > deadline) {
        const states = await Promise.all(nodes.map((n) => n.info().then((i) => `${n.label}: height ${i.height} tip ${i.tip?.slice(0, 12)} peers ${i.peers} pool ${i.mempoolSize}`, (e: Error) => `${n.label}: ${e.message}`)));
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; ${states.join('; ')}`);
      }
      await sleep(POLL_INTERVAL_MS);
    }
  }

  /** The node's own TCP sockets in its namespace, listening ones and loopback (RPC) left out. */
  async tcpSockets(node: LabNode): Promise<SocketRow[]> {
    const pid = node.child.pid;
    const { stdout } = await this.mesh.run(node.host, 'ss', ['-Htanp']);
    const rows: SocketRow[] = [];
    for (const line of stdout.split('\n')) {
      if (!line.includes(`pid=${pid},`)) continue;
      const [state, , , local, peer] = line.trim().split(/\s+/);
      if (!state || !local || !peer || state === 'LISTEN' || local.startsWith('127.') || peer.startsWith('127.')) continue;
      rows.push({ state, local, peer });
    }
    return rows;
  }
}
