/**
 * One node of the soak: a real `cli start` process whose JSON log lines are counted as they
 * arrive (never accumulated: ten minutes of logs from five nodes would weigh on the test process),
 * and whose resident memory and open file descriptors are read from /proc.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { type WriteStream, createWriteStream, existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CLI_BIN, type NodeSetup, getInfo, sleep } from '../harness.js';
import type { SoakRpc } from './rpc-client.js';

const READY_TIMEOUT_MS = 20_000;
const POLL_INTERVAL_MS = 50;
/** Error and unparsable lines kept verbatim for the failure message; the rest are only counted. */
const KEPT_LINES = 20;
/** pino's numeric levels. */
const LEVEL_WARN = 40;
const LEVEL_ERROR = 50;
const KB_PER_MB = 1024;
const BYTES_PER_MB = 1024 * 1024;

export interface LogTally {
  lines: number;
  warns: number;
  /** Warn lines per message text. */
  warnsByMsg: Map<string, number>;
  /** Error and fatal lines (the first KEPT_LINES of them). */
  errors: string[];
  errorCount: number;
  /** Lines that are not pino JSON (a stack trace, a Node warning): kept like errors. */
  unparsed: string[];
  unparsedCount: number;
  /** 'chain reorganisation' lines: this node switched branches. */
  reorgs: number;
}

export interface ProcSample {
  atMs: number;
  rssMb: number;
  /** Anonymous memory only: heap, buffers, native allocations (not the LMDB file pages mapped in). */
  anonMb: number;
  /** V8 heap in use plus memory outside it held by JS objects (Buffers), right after a full GC: what is live. */
  liveMb: number;
  /**
   * Anonymous memory that neither the V8 heap (committed, after the GC) nor a live JS object's
   * outside memory accounts for: malloc by native code (LMDB, secp256k1, libuv, thread stacks) and
   * what glibc keeps. A native leak shows here; V8 growing its young generation under load does not.
   */
  nativeMb: number;
  fds: number;
}

export class SoakNode {
  readonly tally: LogTally = { lines: 0, warns: 0, warnsByMsg: new Map(), errors: [], errorCount: 0, unparsed: [], unparsedCount: 0, reorgs: 0 };
  readonly samples: ProcSample[] = [];
  readonly exited: Promise<number | null>;
  /** SOAK_LOG_DIR set: every line also goes to <dir>/<name>.log, for reading after a failure. */
  private readonly logFile: WriteStream | undefined;

  private constructor(
    readonly name: string,
    readonly setup: NodeSetup,
    readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    const logDir = process.env['SOAK_LOG_DIR'];
    this.logFile = logDir ? createWriteStream(join(logDir, `${name.replace(/\W+/g, '-')}.log`)) : undefined;
    if (this.logFile) void this.exited.then(() => this.logFile!.end());
    for (const stream of [child.stdout!, child.stderr!]) createInterface({ input: stream }).on('line', (line) => this.onLine(line));
  }

  /** Spawns `cli start` on `setup` with `extraArgs` and waits until it answers getinfo. */
  static async start(teardown: { teardown(fn: () => unknown): void }, name: string, setup: NodeSetup, extraArgs: readonly string[]): Promise<SoakNode> {
    // --expose-gc: getmemoryinfo may then collect garbage before it measures (see sample()).
    const child = spawn(process.execPath, ['--expose-gc', CLI_BIN, 'start', '--config', setup.configFile, ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
    const node = new SoakNode(name, setup, child);
    teardown.teardown(async () => {
      if (node.running) {
        child.kill('SIGKILL');
        await node.exited;
      }
    });
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (!node.running) throw new Error(`${name} exited with ${child.exitCode} before it was ready: ${[...node.tally.errors, ...node.tally.unparsed].join('\n')}`);
      if (existsSync(join(setup.dataDir, '.cookie'))) {
        try {
          await getInfo(setup);
          return node;
        } catch {
          // not listening yet
        }
      }
      if (Date.now() > deadline) throw new Error(`${name} not ready after ${READY_TIMEOUT_MS} ms`);
      await sleep(POLL_INTERVAL_MS);
    }
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * Has the node collect garbage (getmemoryinfo gc: true; it runs with --expose-gc), then reads
   * its live memory, and VmRSS, RssAnon and the fd count from /proc. Without the collection RSS
   * mostly shows how lazily V8 shrinks its heap: the same node read 105 MB of anonymous memory
   * before a collection and 72 MB after it. Skipped once the process has exited.
   */
  async sample(rpc: SoakRpc): Promise<void> {
    if (!this.running) return;
    const pid = this.child.pid!;
    try {
      const mem = await rpc.call<{ heapTotalBytes: number; heapUsedBytes: number; externalBytes: number }>('getmemoryinfo', { gc: true });
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
      const fds = readdirSync(`/proc/${pid}/fd`).length;
      const liveMb = (mem.heapUsedBytes + mem.externalBytes) / BYTES_PER_MB;
      const anonMb = kb('RssAnon') / KB_PER_MB;
      const nativeMb = anonMb - (mem.heapTotalBytes + mem.externalBytes) / BYTES_PER_MB;
      this.samples.push({ atMs: Date.now(), rssMb: kb('VmRSS') / KB_PER_MB, anonMb, liveMb, nativeMb, fds });
    } catch (err) {
      // The process exited meanwhile (its exit is reported elsewhere); anything else is a failure of the node.
      if (this.running) throw err;
    }
  }

  private onLine(line: string): void {
    const t = this.tally;
    t.lines++;
    this.logFile?.write(`${line}\n`);
    let entry: { level?: unknown; msg?: unknown };
    try {
      entry = JSON.parse(line) as { level?: unknown; msg?: unknown };
    } catch {
      entry = {};
    }
    if (typeof entry.level !== 'number') {
      t.unparsedCount++;
      if (t.unparsed.length < KEPT_LINES) t.unparsed.push(line);
      return;
    }
    const msg = String(entry.msg ?? '');
    if (msg === 'chain reorganisation') t.reorgs++;
    if (entry.level >= LEVEL_ERROR) {
      t.errorCount++;
      if (t.errors.length < KEPT_LINES) t.errors.push(line);
    } else if (entry.level >= LEVEL_WARN) {
      t.warns++;
      t.warnsByMsg.set(msg, (t.warnsByMsg.get(msg) ?? 0) + 1);
    }
  }
}
