/**
 * Hole-punching lab (issue 10): real nodes on the PunchTopology network — P and Q public, H1 and
 * H2 behind home routers — started with `cli start`, queried over RPC through rpc-bridge.ts, with
 * the diagnostics a failing punch test prints (node logs, `cli nat --json`, `cli peers --json`,
 * the routers' conntrack tables and rule counters). Also the bench hook `runPunchBench`.
 */
import { execFile } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { publicKeyToAddress } from '../../src/primitives/address.js';
import { generatePrivateKey, publicKeyOf } from '../../src/primitives/secp256k1.js';
import { serializeWallet } from '../../src/wallet/wallet-file.js';
import { labSkipReason } from './netns.js';
import { PunchNode, RPC_PORT, logLines, logTail, punchedLink, waitUntil } from './punch-node.js';
import { type HomeRole, type PublicRole, PunchTopology, type TopologyOptions } from './punch-topology.js';

const execFileAsync = promisify(execFile);
const CLI_BIN = fileURLToPath(new URL('../../../bin/cli.js', import.meta.url));
const RPC_BRIDGE = fileURLToPath(new URL('./rpc-bridge.js', import.meta.url));
export const PUNCH_TOOLS = fileURLToPath(new URL('./punch-tools.js', import.meta.url));
export const P2P_PORT = 9000;
const EASY_POW_BITS = '0x207fffff';
/** Generous: two cores shared with other test files, and a node start-up is ~1 s unloaded. */
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
/** Issue 10: "end up directly connected to each other … within 10 s of both being up". */
export const DIRECT_LINK_BOUND_MS = 10_000;
/** How long a round waits for the direct link before calling it failed (beyond the bound: the report shows the real time). */
const DIRECT_LINK_WAIT_MS = 25_000;
const LOG_TAIL_LINES = 25;
const LOG_TRAVERSAL_LINES = 40;
/** Log lines about NAT traversal (its component and messages), shown apart from the tail. */
const TRAVERSAL_LOG_PATTERN = /punch|travers|dial-?back|observ|reachab|probe|simultaneous|rendezvous|nat/i;

export interface StartOptions {
  /** Public nodes to bootstrap from (UDP discovery). */
  bootstrap: readonly PunchNode[];
  /** Private keys to place in the node's wallet before it starts. */
  walletKeys?: readonly Buffer[];
  /** p2p settings over the lab's defaults. */
  p2p?: Record<string, unknown>;
}

export class PunchLab {
  readonly nodes: PunchNode[] = [];
  private keep = false;

  private constructor(
    readonly topo: PunchTopology,
    readonly root: string,
  ) {}

  static async create(options: TopologyOptions): Promise<PunchLab> {
    const topo = await PunchTopology.create(options);
    const root = await mkdtemp(join(tmpdir(), 'kadchain-punch-lab-'));
    return new PunchLab(topo, root);
  }

  /** Spawns `cli start` in the role's namespace and waits until it answers RPC; `name` must be new in this lab. */
  async start(role: PublicRole | HomeRole, name: string, options: StartOptions): Promise<PunchNode> {
    const dataDir = join(this.root, name);
    const configFile = join(this.root, `${name}.json`);
    const logFile = join(this.root, `${name}.log`);
    const socketPath = join(this.root, `${name}.sock`);
    const config = {
      dataDir,
      port: P2P_PORT,
      rpcPort: RPC_PORT,
      logLevel: 'debug',
      chain: { powBits: EASY_POW_BITS },
      txpool: { size: 1000 },
      nat: { upnp: false },
      // Rewards to an address nobody spends from: balances the test checks stay exact.
      mining: { address: publicKeyToAddress(publicKeyOf(generatePrivateKey())) },
      ...(options.p2p === undefined ? {} : { p2p: options.p2p }),
    };
    await writeFile(configFile, JSON.stringify(config));
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    if (options.walletKeys !== undefined && options.walletKeys.length > 0) {
      const keys = options.walletKeys.map((privateKey) => ({ privateKey, publicKey: publicKeyOf(privateKey), address: publicKeyToAddress(publicKeyOf(privateKey)), createdAt: new Date().toISOString() }));
      await writeFile(join(dataDir, 'wallet.json'), serializeWallet(keys), { mode: 0o600 });
    }
    const fd = openSync(logFile, 'a');
    const bootstrap = options.bootstrap.flatMap((b) => ['--bootstrap', `${b.host.ip}:${P2P_PORT}`]);
    const args = [CLI_BIN, 'start', '--config', configFile, '--port', String(P2P_PORT), '--listen-host', '0.0.0.0', '--no-upnp', ...bootstrap];
    const child = this.topo.spawn(role, process.execPath, args, { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    this.topo.spawn(role, process.execPath, [RPC_BRIDGE, socketPath, String(RPC_PORT)], { stdio: 'ignore' });
    const node = new PunchNode(role, name, this.topo, this.nodes.length, { name: this.topo.ns(role), ip: this.topo.ip(role) }, dataDir, socketPath, logFile, child);
    this.nodes.push(node);
    await waitUntil(`${node.label} answering RPC`, START_TIMEOUT_MS, async () => {
      if (!node.alive) throw new Error(`${node.label} exited (${node.child.exitCode ?? node.child.signalCode}); log: ${logTail(node, LOG_TAIL_LINES)}`);
      if (!existsSync(socketPath)) return false;
      node.nodeId = (await node.info()).nodeId;
      return true;
    }, true);
    node.upAtMs = Date.now();
    return node;
  }

  /** SIGTERM (a clean stop), SIGKILL if it hangs; resolves when the process is gone. */
  async stop(node: PunchNode): Promise<void> {
    if (!node.alive) return;
    const exited = new Promise<void>((resolve) => node.child.once('exit', () => resolve()));
    node.child.kill('SIGTERM');
    const stopped = await Promise.race([exited.then(() => true), sleep(STOP_TIMEOUT_MS).then(() => false)]);
    if (!stopped) {
      node.child.kill('SIGKILL');
      await exited;
    }
  }

  /** Keep the temp dir (logs, data dirs) after destroy: call when a test failed. */
  keepFiles(): void {
    this.keep = true;
  }

  async destroy(): Promise<void> {
    await this.topo.destroy();
    if (!this.keep) await rm(this.root, { recursive: true, force: true });
  }

  /**
   * Everything a failing punch test should print: per node (default: those running) its state, `cli nat --json`,
   * `cli peers --json`, its traversal log lines and log tail; per router its conntrack table and
   * rule counters.
   */
  async diagnostics(nodes: readonly PunchNode[] = this.nodes.filter((n) => n.alive)): Promise<string> {
    const parts: string[] = [`lab files: ${this.root}${this.keep ? ' (kept)' : ''}`];
    for (const node of nodes) {
      parts.push(`===== ${node.label} nodeId ${node.nodeId.slice(0, 16)} ${node.alive ? 'running' : `exited (${node.child.exitCode ?? node.child.signalCode})`}`);
      if (node.alive) {
        parts.push(`cli nat --json: ${await node.nat().then((r) => JSON.stringify(r), (e: Error) => e.message)}`);
        parts.push(`cli peers --json: ${await node.punchPeers().then((r) => JSON.stringify(r), (e: Error) => e.message)}`);
        parts.push(`ss -tnp: ${await this.topo.exec(node.role, 'ss', ['-Htnp']).then((r) => r.stdout.trim(), (e: Error) => e.message)}`);
      }
      parts.push(`log, traversal lines (last ${LOG_TRAVERSAL_LINES}):\n${logLines(node, LOG_TRAVERSAL_LINES, TRAVERSAL_LOG_PATTERN)}`);
      parts.push(`log tail:\n${logTail(node, LOG_TAIL_LINES)}`);
    }
    for (const router of this.topo.routers) {
      parts.push(`===== router ${router} conntrack (tcp):\n${await this.topo.conntrack(router)}`);
      parts.push(`----- router ${router} iptables counters:\n${await this.topo.counters(router)}`);
    }
    return parts.join('\n');
  }
}

/** Why the punch lab cannot run here, or undefined. */
export async function punchLabSkipReason(): Promise<string | undefined> {
  const netns = await labSkipReason();
  if (netns) return netns;
  for (const tool of ['iptables-legacy', 'iptables']) {
    try {
      await execFileAsync('sh', ['-c', `command -v ${tool}`]);
      return undefined;
    } catch {
      // try the next
    }
  }
  return 'the punch lab needs iptables (NAT in router namespaces); install with: apt-get install -y iptables';
}

/** The public side of a punch lab: P with the genesis, Q bootstrapped from P, linked. */
export interface PublicPeers {
  p: PunchNode;
  q: PunchNode | undefined;
  /** P's genesis wallet address (1000 coins, spendable at once). */
  genesisAddress: string;
}

export async function startPublicPeers(lab: PunchLab, withQ: boolean): Promise<PublicPeers> {
  const p = await lab.start('p', 'P', { bootstrap: [] });
  const genesisAddress = (await p.rpc<{ address: string }>('genesis_block')).address;
  if (!withQ) return { p, q: undefined, genesisAddress };
  const q = await lab.start('q', 'Q', { bootstrap: [p] });
  await waitUntil('Q connected to P and on its genesis', START_TIMEOUT_MS, async () => (await q.linkTo(p)) !== undefined && (await q.info()).height === 0);
  return { p, q, genesisAddress };
}

/** One round of "both homes up → direct link": what the punch tests and the bench count. */
export interface RoundResult {
  ok: boolean;
  /** From both nodes answering RPC to both having the punched link (undefined: never). */
  msToDirectLink: number | undefined;
  firstAttempt: boolean;
  h1: PunchNode;
  h2: PunchNode;
  /** Why not, when !ok. */
  failure: string | undefined;
}

/** Starts H1 and H2 (fresh data dirs, bootstrap from P only) and waits for them to punch a direct link. */
export async function punchRound(lab: PunchLab, pub: PublicPeers, run: number, walletKeys: readonly Buffer[] = []): Promise<RoundResult> {
  const [h1, h2] = await Promise.all([
    lab.start('h1', `H1-${run}`, { bootstrap: [pub.p], walletKeys }),
    lab.start('h2', `H2-${run}`, { bootstrap: [pub.p] }),
  ]);
  const bothUp = Math.max(h1.upAtMs, h2.upAtMs);
  let msToDirectLink: number | undefined;
  let failure: string | undefined;
  try {
    await waitUntil('H1 and H2 punched to each other (each with a `punched` row whose address is the other router\'s WAN IP)', DIRECT_LINK_WAIT_MS, async () => {
      const [a, b] = await Promise.all([punchedLink(h1, h2), punchedLink(h2, h1)]);
      return a !== undefined && b !== undefined;
    });
    msToDirectLink = Date.now() - bothUp;
  } catch (err) {
    // What each side believed: a missing verdict or a refused check says why no punch was tried.
    const states = await Promise.all([h1, h2].map(async (n) => {
      const tr = await n.traversal().catch(() => undefined);
      if (tr === undefined) return `${n.name}: no traversal state`;
      return `${n.name}: observed ${tr.observed.ip} (${tr.observed.reason}), reachability ${tr.reachability.status} (${tr.reachability.reason}), punch ${JSON.stringify(tr.punch)}`;
    }));
    failure = `${(err as Error).message}; ${states.join('; ')}`;
  }
  const stats = await Promise.all([h1, h2].map((n) => n.traversal().then((t) => t.punch, () => undefined)));
  const firstAttempt = stats.reduce((sum, s) => sum + (s?.firstAttemptSuccesses ?? 0), 0) >= 1;
  return { ok: msToDirectLink !== undefined, msToDirectLink, firstAttempt, h1, h2, failure };
}

export interface PunchBenchResult {
  runs: number;
  successes: number;
  firstAttempt: number;
  /** null when no round succeeded. */
  medianMsToDirectLink: number | null;
  /** The slowest successful round (null when none succeeded): the issue's bound is DIRECT_LINK_BOUND_MS. */
  maxMsToDirectLink: number | null;
}

/** Median of the successful rounds' times, undefined when none succeeded. */
export function medianMs(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : Math.round((sorted[mid - 1]! + sorted[mid]!) / 2);
}

/**
 * `runs` rounds on one lab (two plain-MASQUERADE homes, same P and Q): each round starts fresh
 * H1/H2 nodes, waits for the punched link, stops them. `onRound` sees each round (for t.log or
 * diagnostics) before its nodes are stopped.
 */
export async function runPunchRounds(lab: PunchLab, pub: PublicPeers, runs: number, onRound?: (run: number, round: RoundResult) => Promise<void>): Promise<PunchBenchResult> {
  const times: number[] = [];
  let successes = 0;
  let firstAttempt = 0;
  for (let run = 1; run <= runs; run++) {
    const round = await punchRound(lab, pub, run);
    if (round.ok) {
      successes++;
      times.push(round.msToDirectLink!);
    }
    if (round.firstAttempt) firstAttempt++;
    await onRound?.(run, round);
    await Promise.all([lab.stop(round.h1), lab.stop(round.h2)]);
  }
  return { runs, successes, firstAttempt, medianMsToDirectLink: medianMs(times) ?? null, maxMsToDirectLink: times.length === 0 ? null : Math.max(...times) };
}

/** Bench hook (`npm run bench` when root): `runs` punch rounds in a fresh lab; throws when the lab cannot run here. */
export async function runPunchBench(runs: number): Promise<PunchBenchResult> {
  const skip = await punchLabSkipReason();
  if (skip !== undefined) throw new Error(`punch bench cannot run: ${skip}`);
  const lab = await PunchLab.create({ tag: 'bench' });
  try {
    const pub = await startPublicPeers(lab, true);
    return await runPunchRounds(lab, pub, runs);
  } finally {
    await lab.destroy();
  }
}
