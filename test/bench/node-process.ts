/**
 * A real node process for the process-level benches: `./kadchain start` on 127.0.0.1 with
 * a temp data dir, free RPC port, ephemeral P2P port, easy PoW and production log level, plus a
 * genesis block (created over RPC). Built on the integration harness.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EASY_POW_BITS, type NodeSetup, type RunningNode, freePort, rpc, startNode } from '../integration/harness.js';

export interface BenchProcess {
  readonly node: RunningNode;
  readonly setup: NodeSetup;
  /** Address the genesis coinbase paid. */
  readonly address: string;
  stop(): Promise<void>;
}

/**
 * Production-like config: info logs, UDP discovery on (no bootstrap, so it sends nothing), easy
 * PoW. UPnP/NAT-PMP off: it would talk to the LAN's router, and benches stay on 127.0.0.1.
 * `overrides` replaces whole top-level sections (a bench that needs its own txpool or chain).
 */
export async function writeBenchSetup(root: string, overrides: Readonly<Record<string, unknown>> = {}): Promise<NodeSetup> {
  const setup: NodeSetup = { root, dataDir: join(root, 'data'), configFile: join(root, 'config.json'), rpcPort: await freePort(), port: 0 };
  const config = {
    dataDir: setup.dataDir,
    port: 0,
    listenHost: '127.0.0.1',
    bootstrap: [],
    rpcPort: setup.rpcPort,
    logLevel: 'info',
    chain: { powBits: EASY_POW_BITS },
    nat: { upnp: false },
    ...overrides,
  };
  await writeFile(setup.configFile, JSON.stringify(config, null, 2));
  return setup;
}

export async function startBenchProcess(): Promise<BenchProcess> {
  const root = await mkdtemp(join(tmpdir(), 'kadchain-bench-proc-'));
  const cleanups: Array<() => unknown> = [];
  const cleanup = async (): Promise<void> => {
    for (const fn of cleanups.reverse()) await fn();
    await rm(root, { recursive: true, force: true });
  };
  try {
    const setup = await writeBenchSetup(root);
    // Through ./kadchain, as users start it: its launcher line's malloc setting is part of the product.
    const node = await startNode({ teardown: (fn) => cleanups.push(fn) }, setup, [], undefined, 'kadchain');
    const { address } = (await rpc(setup, 'genesis_block')) as { address: string };
    return { node, setup, address, stop: cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** Wall time of one child process `node <args>` until it exits; rejects when it fails. */
export function timeProcess(args: readonly string[]): Promise<number> {
  return timeExecutable(process.execPath, args);
}

/** Wall time of one child process `file <args>` (an executable script runs through its #! line); rejects when it fails. */
export function timeExecutable(file: string, args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    execFile(file, [...args], (error, _stdout, stderr) => {
      const ms = performance.now() - start;
      if (error) reject(new Error(`${file} ${args.join(' ')} failed: ${stderr.trim() || error.message}`));
      else resolve(ms);
    });
  });
}

export function percentile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))]!;
}
