/**
 * Real node processes for integration tests: `node bin/cli.js start` children on 127.0.0.1 with
 * temp data dirs and free ports, CLI runs as separate processes, raw JSON-RPC calls with the cookie.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { readCookie } from '../../src/rpc/cookie.js';

/** bin/cli.js of this package (tests run from dist/test/integration/). */
export const CLI_BIN = fileURLToPath(new URL('../../../bin/cli.js', import.meta.url));
/** ./kadchain, as users start a node: an executable whose launcher line gives the node process its malloc setting (bin/kadchain.cjs). */
export const KADCHAIN_BIN = fileURLToPath(new URL('../../../kadchain', import.meta.url));
export const EASY_POW_BITS = '0x207fffff';
const READY_TIMEOUT_MS = 20_000;
const POLL_INTERVAL_MS = 50;
/** One readiness probe: a port held by something that accepts and never answers must not stall the wait. */
const READY_PROBE_TIMEOUT_MS = 2_000;

export interface NodeSetup {
  /** Temp dir holding config.json and the data dir. */
  root: string;
  dataDir: string;
  configFile: string;
  rpcPort: number;
  port: number;
}

export interface RunningNode {
  setup: NodeSetup;
  child: ChildProcess;
  /** stdout + stderr of the node so far (JSON log lines). */
  output: () => string;
  exited: Promise<number | null>;
  /** Resolves once the process exited and its stdout/stderr are drained: `output()` is then complete. */
  closed: Promise<void>;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

interface Teardown {
  teardown(fn: () => unknown): void;
}

/**
 * Ports handed out here come from below the kernel's ephemeral range (32768+ on Linux), so they
 * can never be the one a node's own `listen(0)` (its p2p port) picks between our probe and its
 * bind; random picks keep parallel test files apart.
 */
const FIXED_PORT_MIN = 20_000;
const FIXED_PORT_SPAN = 12_000;
const FREE_PORT_ATTEMPTS = 50;
/** Ports this test process already handed out: never given twice, even after their node stopped (a restart reuses its setup's port). */
const handedOut = new Set<number>();
/**
 * Another test file (a separate worker process) may pick the same port between our probe and the
 * node's bind; such a start is redone on a fresh RPC port this many times.
 */
const RPC_PORT_RETRIES = 3;

async function canListen(port: number): Promise<boolean> {
  const server = createServer();
  const ok = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
  if (ok) await new Promise((resolve) => server.close(resolve));
  return ok;
}

export async function freePort(): Promise<number> {
  for (let i = 0; i < FREE_PORT_ATTEMPTS; i++) {
    const port = FIXED_PORT_MIN + Math.floor(Math.random() * FIXED_PORT_SPAN);
    if (handedOut.has(port)) continue;
    if (await canListen(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port found in ${FIXED_PORT_MIN}-${FIXED_PORT_MIN + FIXED_PORT_SPAN} after ${FREE_PORT_ATTEMPTS} tries`);
}

export { sleep };

export interface SetupOverrides {
  powBits?: string;
  txpoolSize?: number;
  /** chain.coinbaseMaturity; default 1 so tests may spend a reward in the next block. */
  coinbaseMaturity?: number;
  /** Extra txpool settings (policy limits). */
  txpool?: Record<string, number>;
  /** TCP+UDP port; default 0 (any free port: read the real ones from getinfo). */
  port?: number;
  /** UDP discovery; default off, so a test's topology is exactly the addpeer calls it makes. */
  discovery?: boolean;
  bootstrap?: readonly string[];
  p2p?: { pingIntervalMs?: number; peerTimeoutMs?: number; maxOutbound?: number; maxInbound?: number; banDurationSec?: number };
}

/** A temp dir with a config file (easy PoW, 127.0.0.1 only, unless told otherwise); removed after the test. */
export async function createNodeSetup(t: Teardown, overrides: SetupOverrides = {}): Promise<NodeSetup> {
  const root = await mkdtemp(join(tmpdir(), 'kadchain-it-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  const setup: NodeSetup = { root, dataDir: join(root, 'data'), configFile: join(root, 'config.json'), rpcPort: await freePort(), port: overrides.port ?? 0 };
  const config = {
    dataDir: setup.dataDir,
    port: setup.port,
    listenHost: '127.0.0.1',
    bootstrap: overrides.bootstrap ?? [],
    rpcPort: setup.rpcPort,
    logLevel: 'debug',
    chain: { powBits: overrides.powBits ?? EASY_POW_BITS, coinbaseMaturity: overrides.coinbaseMaturity ?? 1 },
    txpool: { size: overrides.txpoolSize ?? 2, ...overrides.txpool },
    p2p: { discovery: overrides.discovery ?? false, ...overrides.p2p },
    // No router port mapping: there is no gateway here, and tests must not wait on SSDP.
    nat: { upnp: false },
  };
  await writeFile(setup.configFile, JSON.stringify(config, null, 2));
  return setup;
}

/**
 * Starts a node (with extra `cli start` flags, if any) and waits until it answers getinfo over RPC (longer for a start that reindexes first).
 * `launcher` 'kadchain' runs ./kadchain as an executable (what users run; the benches), 'node' `node bin/cli.js`.
 */
export async function startNode(t: Teardown, setup: NodeSetup, extraArgs: readonly string[] = [], readyTimeoutMs = READY_TIMEOUT_MS, launcher: 'node' | 'kadchain' = 'node'): Promise<RunningNode> {
  const portFromConfig = !extraArgs.includes('--rpc-port');
  for (let attempt = 0; ; attempt++) {
    try {
      return await startNodeOnce(t, setup, extraArgs, readyTimeoutMs, launcher);
    } catch (err) {
      if (!(err instanceof RpcPortTaken) || !portFromConfig || attempt >= RPC_PORT_RETRIES) throw err;
      await moveRpcPort(setup, await freePort());
    }
  }
}

/** The node exited because its RPC port was taken (by another test process, between our probe and its bind). */
class RpcPortTaken extends Error {}

async function moveRpcPort(setup: NodeSetup, port: number): Promise<void> {
  const config = JSON.parse(await readFile(setup.configFile, 'utf8')) as Record<string, unknown>;
  config['rpcPort'] = port;
  await writeFile(setup.configFile, JSON.stringify(config, null, 2));
  setup.rpcPort = port;
}

async function startNodeOnce(t: Teardown, setup: NodeSetup, extraArgs: readonly string[], readyTimeoutMs: number, launcher: 'node' | 'kadchain'): Promise<RunningNode> {
  const args = ['start', '--config', setup.configFile, ...extraArgs];
  const child = launcher === 'kadchain' ? spawn(KADCHAIN_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] }) : spawn(process.execPath, [CLI_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const node: RunningNode = { setup, child, output: () => output, exited, closed };
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      await closed;
      const message = `node exited with ${child.exitCode} before it was ready:\n${output}`;
      throw output.includes('"code":"rpc-listen-failed"') && output.includes('EADDRINUSE') ? new RpcPortTaken(message) : new Error(message);
    }
    // Once our node could not bind the RPC port, whatever holds it (another test's process) is not
    // ours to ask and may never answer: wait for the exit instead.
    const portTaken = output.includes('"code":"rpc-listen-failed"') && output.includes('EADDRINUSE');
    if (!portTaken && existsSync(join(setup.dataDir, '.cookie'))) {
      try {
        const reply = await rawRpc(setup, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getinfo', params: {} }), true, READY_PROBE_TIMEOUT_MS);
        const parsed = JSON.parse(reply.body) as { error?: unknown };
        if (parsed.error === undefined) return node;
      } catch {
        // not listening yet
      }
    }
    if (Date.now() > deadline) throw new Error(`node not ready after ${readyTimeoutMs} ms:\n${output}`);
    await sleep(POLL_INTERVAL_MS);
  }
}

/** kill -9 and wait until the process is reaped (so its pid no longer runs) and its output read to the end. */
export async function killNode(node: RunningNode): Promise<void> {
  node.child.kill('SIGKILL');
  await node.exited;
  await node.closed;
}

/**
 * Stops the process (SIGSTOP) until resumeNode: its sockets stay open and nothing it would send
 * goes out, so a test can hold a peer still at a point of its choosing, whatever the machine's speed.
 * Takes any process a test spawned (a node from startNode, or a CLI run such as `verifychain --offline`).
 */
export function pauseNode(node: Pick<RunningNode, 'child'>): void {
  node.child.kill('SIGSTOP');
}

export function resumeNode(node: Pick<RunningNode, 'child'>): void {
  node.child.kill('SIGCONT');
}

/** `cli stop` and the node's exit code. */
export async function stopNode(node: RunningNode): Promise<number | null> {
  const result = await cli(node.setup, ['stop']);
  if (result.code !== 0) throw new Error(`cli stop failed: ${result.stderr}`);
  return node.exited;
}

/** Runs `node bin/cli.js <args> --config <the node's config>`; `env` adds environment variables (KADCHAIN_DATADIR…). */
export function cli(setup: NodeSetup | undefined, args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<CliResult> {
  const full = setup === undefined ? [...args] : [...args, '--config', setup.configFile];
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI_BIN, ...full], { timeout: 60_000, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout: stdout.trim(), stderr: stderr.trim() });
    });
  });
}

export class RpcFailure extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data: unknown,
  ) {
    super(message);
  }
}

export interface RawReply {
  status: number;
  body: string;
}

/** POSTs `body` as is; `auth: false` leaves the cookie out; `timeoutMs`: abort a call nobody answers. */
export async function rawRpc(setup: NodeSetup, body: string, auth = true, timeoutMs?: number): Promise<RawReply> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (auth) headers['Authorization'] = `Basic ${Buffer.from(`__cookie__:${readCookie(setup.dataDir) ?? ''}`).toString('base64')}`;
  const res = await fetch(`http://127.0.0.1:${setup.rpcPort}/`, { method: 'POST', body, headers, ...(timeoutMs === undefined ? {} : { signal: AbortSignal.timeout(timeoutMs) }) });
  return { status: res.status, body: await res.text() };
}

/** One JSON-RPC call; resolves with the result or rejects with RpcFailure. */
export async function rpc(setup: NodeSetup, method: string, params: Record<string, unknown> = {}): Promise<unknown> {
  const reply = await rawRpc(setup, JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }));
  const parsed = JSON.parse(reply.body) as { result?: unknown; error?: { code: number; message: string; data?: unknown } };
  if (parsed.error !== undefined) throw new RpcFailure(parsed.error.code, parsed.error.message, parsed.error.data);
  return parsed.result;
}

/** The RpcFailure a call ends with; throws when the call succeeds or fails otherwise. */
export async function rpcError(promise: Promise<unknown>): Promise<RpcFailure> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof RpcFailure) return err;
    throw err;
  }
  throw new Error('the call succeeded');
}

/** Polls `check` until it returns true. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000, pollMs = POLL_INTERVAL_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(pollMs);
  }
}

export interface NodeInfo {
  height: number | null;
  tip: string | null;
  genesis: string | null;
  mempoolSize: number;
  peers: number;
  walletAddresses: number;
  miningAddress: string | null;
  nodeId: string;
  listenHost: string;
  tcpPort: number;
  udpPort: number | null;
}

export const getInfo = async (setup: NodeSetup): Promise<NodeInfo> => (await rpc(setup, 'getinfo')) as NodeInfo;

export async function balanceOf(setup: NodeSetup, address: string): Promise<bigint> {
  const { confirmed } = (await rpc(setup, 'balance', { address })) as { confirmed: number };
  return BigInt(confirmed);
}
