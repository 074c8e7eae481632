/**
 * Real node processes for integration tests: `node bin/cli.js start` children on 127.0.0.1 with
 * temp data dirs and free ports, CLI runs as separate processes, raw JSON-RPC calls with the cookie.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** bin/cli.js of this package (tests run from dist/test/integration/). */
export const CLI_BIN = fileURLToPath(new URL('../../../bin/cli.js', import.meta.url));
export const EASY_POW_BITS = '0x207fffff';
const READY_TIMEOUT_MS = 20_000;
const POLL_INTERVAL_MS = 50;

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
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

interface Teardown {
  teardown(fn: () => unknown): void;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A temp dir with a config file (easy PoW unless told otherwise); removed after the test. */
export async function createNodeSetup(t: Teardown, overrides: { powBits?: string; txpoolSize?: number } = {}): Promise<NodeSetup> {
  const root = await mkdtemp(join(tmpdir(), 'kadchain-it-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  const setup: NodeSetup = { root, dataDir: join(root, 'data'), configFile: join(root, 'config.json'), rpcPort: await freePort(), port: await freePort() };
  const config = {
    dataDir: setup.dataDir,
    port: setup.port,
    rpcPort: setup.rpcPort,
    logLevel: 'debug',
    chain: { powBits: overrides.powBits ?? EASY_POW_BITS },
    txpool: { size: overrides.txpoolSize ?? 2 },
  };
  await writeFile(setup.configFile, JSON.stringify(config, null, 2));
  return setup;
}

/** Starts a node and waits until it answers getinfo over RPC. */
export async function startNode(t: Teardown, setup: NodeSetup): Promise<RunningNode> {
  const child = spawn(process.execPath, [CLI_BIN, 'start', '--config', setup.configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const node: RunningNode = { setup, child, output: () => output, exited };
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`node exited with ${child.exitCode} before it was ready:\n${output}`);
    if (existsSync(join(setup.dataDir, '.cookie'))) {
      try {
        await rpc(setup, 'getinfo');
        return node;
      } catch {
        // not listening yet
      }
    }
    if (Date.now() > deadline) throw new Error(`node not ready after ${READY_TIMEOUT_MS} ms:\n${output}`);
    await sleep(POLL_INTERVAL_MS);
  }
}

/** kill -9 and wait until the process is reaped (so its pid no longer runs). */
export async function killNode(node: RunningNode): Promise<void> {
  node.child.kill('SIGKILL');
  await node.exited;
}

/** `cli stop` and the node's exit code. */
export async function stopNode(node: RunningNode): Promise<number | null> {
  const result = await cli(node.setup, ['stop']);
  if (result.code !== 0) throw new Error(`cli stop failed: ${result.stderr}`);
  return node.exited;
}

/** Runs `node bin/cli.js <args> --config <the node's config>`. */
export function cli(setup: NodeSetup | undefined, args: readonly string[]): Promise<CliResult> {
  const full = setup === undefined ? [...args] : [...args, '--config', setup.configFile];
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI_BIN, ...full], { timeout: 60_000 }, (error, stdout, stderr) => {
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

/** POSTs `body` as is; `auth: false` leaves the cookie out. */
export async function rawRpc(setup: NodeSetup, body: string, auth = true): Promise<RawReply> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (auth) headers['Authorization'] = `Basic ${Buffer.from(`__cookie__:${readFileSync(join(setup.dataDir, '.cookie'), 'utf8').trim()}`).toString('base64')}`;
  const res = await fetch(`http://127.0.0.1:${setup.rpcPort}/`, { method: 'POST', body, headers });
  return { status: res.status, body: await res.text() };
}

/** One JSON-RPC call; resolves with the result or rejects with RpcFailure. */
export async function rpc(setup: NodeSetup, method: string, params: Record<string, unknown> = {}): Promise<unknown> {
  const reply = await rawRpc(setup, JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }));
  const parsed = JSON.parse(reply.body) as { result?: unknown; error?: { code: number; message: string; data?: unknown } };
  if (parsed.error !== undefined) throw new RpcFailure(parsed.error.code, parsed.error.message, parsed.error.data);
  return parsed.result;
}

/** Polls `check` until it returns true. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(POLL_INTERVAL_MS);
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
}

export const getInfo = async (setup: NodeSetup): Promise<NodeInfo> => (await rpc(setup, 'getinfo')) as NodeInfo;

export async function balanceOf(setup: NodeSetup, address: string): Promise<bigint> {
  const { confirmed } = (await rpc(setup, 'balance', { address })) as { confirmed: string };
  return BigInt(confirmed);
}
