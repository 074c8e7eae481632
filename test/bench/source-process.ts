/**
 * The sync bench's processes: the source node (sync-source.ts) and each syncing node
 * (sync-fresh.ts) run in their own processes, as real peers do, so a syncing node's RSS is its
 * own (issue #12 bounds it) and neither node's work runs on the other's event loop. Each child
 * prints one JSON line; a source serves until its stdin closes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { VerifyPoolStats } from '../../src/chain/verify-pool/index.js';
import { type RssPeak, processCpuMs } from './thread-cpu.js';
import { nodeProcessEnv } from './node-launch.js';

/** The line sync-source.ts prints once it serves. */
export interface SourceReady {
  readonly port: number;
  readonly tipHash: string;
  readonly height: number;
  readonly inputs: number;
  readonly fixtureBuildMs: number;
  readonly sourceLoadMs: number;
}

export interface SourceProcess extends SourceReady {
  /** The address its node listens on (127.0.0.1 unless it runs in a lab namespace). */
  readonly host: string;
  readonly tip: { readonly hash: Buffer; readonly height: number };
  /** CPU time of the source's process so far (all threads; Linux only): read around a sync, it is what serving cost. */
  cpuMs(): number | undefined;
  stop(): Promise<void>;
}

/** The line sync-fresh.ts prints after its sync. */
export interface FreshResult {
  readonly secs: number;
  readonly mainCpuMs: number | undefined;
  /** From the block at half the tip's height to the end (a warm process): the main thread's CPU, the inputs connected and the seconds it took. */
  readonly secondHalf: { readonly mainCpuMs: number; readonly inputs: number; readonly secs: number } | undefined;
  /** The syncing node's whole process (main thread, verify workers, GC and libuv threads). */
  readonly processCpuMs: number;
  readonly verify: VerifyPoolStats;
  readonly peakBlocksInFlight: number;
  /** The chain sat idle this long because the next block was not downloaded yet (the download's share of the seconds). */
  readonly waitedForBlocksMs: number;
  /** Sampled every 100 ms during the sync. */
  readonly rss: RssPeak;
  /** The process's own high-water mark (VmHWM), start-up included. */
  readonly hwmMb: number | undefined;
  /** Ready peers when the sync ended: fewer than dialled = a source was dropped. */
  readonly readyPeersAtEnd: number;
  /** Why the node closed connections during the sync. */
  readonly closedReasons: readonly string[];
}

/** Building and loading 2,000 blocks takes ~40 s on a loaded 2-core machine; 20,000 ten times that. */
const CHILD_TIMEOUT_MS = 15 * 60 * 1000;
/** A child that does not exit after its stdin closed is killed after this. */
const STOP_TIMEOUT_MS = 10_000;

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Where a bench process runs: by default on this host, its node on 127.0.0.1; with `netns`, inside
 * that lab namespace (test/lab/netns.ts: `ip netns exec` runs node itself, so the pid is the node's),
 * its node listening on `host`, the namespace's address.
 */
export interface Placement {
  readonly netns: string;
  readonly host: string;
}

/** Runs `node <script> <args>` (started as ./kadchain starts a node: node-launch.ts) and resolves with its first stdout line, parsed; stop() closes its stdin and waits for it to exit. */
async function spawnJsonChild<T>(script: string, args: readonly string[], placement?: Placement): Promise<{ line: T; pid: number | undefined; stop(): Promise<void> }> {
  const argv = [process.execPath, fileURLToPath(new URL(script, import.meta.url)), ...args];
  const env = nodeProcessEnv(placement ? { ...process.env, KADCHAIN_BENCH_HOST: placement.host } : process.env);
  const [command, ...rest] = placement ? ['ip', 'netns', 'exec', placement.netns, ...argv] : argv;
  const child = spawn(command!, rest, { stdio: ['pipe', 'pipe', 'inherit'], env });
  const stop = async (): Promise<void> => {
    child.stdin?.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited(child);
    clearTimeout(timer);
  };
  try {
    const line = await new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${script} printed nothing within ${CHILD_TIMEOUT_MS} ms`)), CHILD_TIMEOUT_MS);
      const lines = createInterface({ input: child.stdout! });
      lines.once('line', (text) => {
        clearTimeout(timer);
        lines.close();
        resolve(JSON.parse(text) as T);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${script} exited with code ${code} before printing its result`));
      });
    });
    return { line, pid: child.pid, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A source that builds its own fixture (`{ blocks, txsPerBlock }`) or serves one written by fixture-file.ts (`{ fixtureFile }`: several sources, one chain). */
export async function startSourceProcess(
  chain: { readonly blocks: number; readonly txsPerBlock: number } | { readonly fixtureFile: string },
  placement?: Placement,
): Promise<SourceProcess> {
  const args = 'fixtureFile' in chain ? ['--fixture', chain.fixtureFile] : [String(chain.blocks), String(chain.txsPerBlock)];
  const { line, pid, stop } = await spawnJsonChild<SourceReady>('./sync-source.js', args, placement);
  return { ...line, host: placement?.host ?? '127.0.0.1', tip: { hash: Buffer.from(line.tipHash, 'hex'), height: line.height }, cpuMs: () => (pid === undefined ? undefined : processCpuMs(pid)), stop };
}

/** A sync as the fresh node measured it, and what serving it cost the sources' processes (Linux only). */
export interface SyncRun extends FreshResult {
  readonly sourceCpuMs: number | undefined;
}

/**
 * A fresh node in its own process syncs from `sources` (all holding one chain); `ports` overrides
 * what it dials (relays on 127.0.0.1 in front of the sources), `maxBlocksInFlight` its per-peer
 * window, `assumeValid` trusts the sources' tip, `placement` runs it in a lab namespace.
 */
export async function syncFreshProcess(
  sources: SourceProcess | readonly SourceProcess[],
  options: { maxBlocksInFlight?: number; assumeValid?: boolean; ports?: readonly number[]; placement?: Placement } = {},
): Promise<SyncRun> {
  const all: readonly SourceProcess[] = Array.isArray(sources) ? sources : [sources as SourceProcess];
  const first = all[0];
  if (first === undefined) throw new Error('syncFreshProcess needs a source');
  const addresses = options.ports ?? all.map((s) => `${s.host}:${s.port}`);
  const args = [addresses.join(','), first.tipHash, String(first.height), options.assumeValid === true ? 'assumevalid' : 'check', String(options.maxBlocksInFlight ?? 0)];
  const sourcesCpuMs = (): number | undefined => {
    const each = all.map((s) => s.cpuMs());
    return each.some((ms) => ms === undefined) ? undefined : each.reduce<number>((a, b) => a + b!, 0);
  };
  const sourceBefore = sourcesCpuMs();
  const { line, stop } = await spawnJsonChild<FreshResult>('./sync-fresh.js', args, options.placement);
  const sourceAfter = sourcesCpuMs();
  await stop();
  return { ...line, sourceCpuMs: sourceBefore === undefined || sourceAfter === undefined ? undefined : sourceAfter - sourceBefore };
}
