/**
 * A real node process for the live fuzz campaign. Unlike harness.startNode, its log is scanned
 * line by line instead of kept whole (a campaign makes the node log hundreds of thousands of
 * lines): lines are counted per level, and error/fatal lines and anything that is not a JSON log
 * line (a stack trace, an uncaught exception) are kept for the verdict.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CLI_BIN, type NodeSetup, rpc, sleep } from '../harness.js';

const READY_TIMEOUT_MS = 30_000;
const POLL_MS = 50;
/** Lines kept of each kind: enough to diagnose, bounded however much the node writes. */
const KEPT_LINES = 50;
/** pino's numeric levels. */
const LEVEL_NAMES: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

export interface LogScan {
  readonly byLevel: Record<string, number>;
  /** error and fatal lines (first KEPT_LINES). */
  readonly errors: string[];
  /** Lines that are not pino JSON: a crash's stack trace, a Node warning (first KEPT_LINES). */
  readonly foreign: string[];
  foreignCount: number;
  /** info and warn lines counted by level and msg (what the node says most, and how often). */
  readonly byMsg: Map<string, number>;
}

export interface LiveNode {
  readonly setup: NodeSetup;
  readonly child: ChildProcess;
  readonly pid: number;
  readonly log: LogScan;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Exit code or signal once it exited, else undefined. */
  exitStatus(): string | undefined;
}

interface Teardown {
  teardown(fn: () => unknown): void;
}

function scanLine(log: LogScan, line: string): void {
  if (line.trim() === '') return;
  let parsed: { level?: unknown; msg?: unknown } | undefined;
  try {
    parsed = JSON.parse(line) as { level?: unknown; msg?: unknown };
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || typeof parsed.level !== 'number') {
    log.foreignCount++;
    if (log.foreign.length < KEPT_LINES) log.foreign.push(line);
    return;
  }
  const level = LEVEL_NAMES[parsed.level] ?? String(parsed.level);
  log.byLevel[level] = (log.byLevel[level] ?? 0) + 1;
  if (parsed.level >= 50 && log.errors.length < KEPT_LINES) log.errors.push(line);
  if (parsed.level === 30 || parsed.level === 40) {
    const key = `${level}: ${String(parsed.msg)}`;
    log.byMsg.set(key, (log.byMsg.get(key) ?? 0) + 1);
  }
}

/** Starts `cli start` on `setup` and waits for it to answer getinfo; killed at teardown. */
export async function startLiveNode(t: Teardown, setup: NodeSetup): Promise<LiveNode> {
  const child = spawn(process.execPath, [CLI_BIN, 'start', '--config', setup.configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  const log: LogScan = { byLevel: {}, errors: [], foreign: [], foreignCount: 0, byMsg: new Map() };
  for (const stream of [child.stdout!, child.stderr!]) createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => scanLine(log, line));
  let status: string | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      status = signal === null ? `exit code ${code}` : `signal ${signal}`;
      resolve({ code, signal });
    }),
  );
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  const node: LiveNode = { setup, child, pid: child.pid!, log, exited, exitStatus: () => status };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (status !== undefined) throw new Error(`node ended (${status}) before it was ready: ${[...log.errors, ...log.foreign].join('\n')}`);
    if (existsSync(join(setup.dataDir, '.cookie'))) {
      try {
        await rpc(setup, 'getinfo');
        return node;
      } catch {
        // not listening yet
      }
    }
    if (Date.now() > deadline) throw new Error(`node not ready after ${READY_TIMEOUT_MS} ms`);
    await sleep(POLL_MS);
  }
}

/** Resident set size of a live process in MB (/proc/<pid>/status VmRSS), or undefined once it is gone. */
export function rssMb(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Open file descriptors of a live process (sockets included), or undefined once it is gone. */
export function openFds(pid: number): number | undefined {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return undefined;
  }
}
