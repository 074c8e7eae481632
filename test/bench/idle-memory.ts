/**
 * Target (design §4): an idle node's RSS < 80 MB. A real node process with a genesis, left idle
 * IDLE_MS, then VmRSS from /proc/<pid>/status. Reference measured in the same run: a bare
 * `node -e "setInterval(() => {}, 1000)"` after the same wait.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { startBenchProcess } from './node-process.js';
import type { BenchModule } from './types.js';
import { setTimeout as sleep } from 'node:timers/promises';

const IDLE_MS = 3000;
const TARGET_RSS_MB = 80;
const KB_PER_MB = 1024;


/** A `<field>: <n> kB` line of /proc/<pid>/status in MB (one decimal). */
function statusMb(status: string, field: string, pid: number): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  if (!match) throw new Error(`no ${field} line in /proc/${pid}/status`);
  return Math.round((Number(match[1]) / KB_PER_MB) * 10) / 10;
}

async function rssMb(pid: number): Promise<number> {
  return statusMb(await readFile(`/proc/${pid}/status`, 'utf8'), 'VmRSS', pid);
}

/**
 * VmRSS split: anonymous memory (V8's heap, malloc arenas, stacks) and file pages (the node
 * binary's code and data touched, shared libraries, LMDB maps). The anonymous part moves by
 * several MB from run to run with glibc's per-thread malloc arenas (see docs/architecture.md).
 */
async function rssParts(pid: number): Promise<{ rssMb: number; anonMb: number; fileMb: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return { rssMb: statusMb(status, 'VmRSS', pid), anonMb: statusMb(status, 'RssAnon', pid), fileMb: statusMb(status, 'RssFile', pid) };
}

async function bareNodeRssMb(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  try {
    await sleep(IDLE_MS);
    if (child.pid === undefined) throw new Error('the bare node process did not start');
    return await rssMb(child.pid);
  } finally {
    child.kill('SIGKILL');
  }
}

async function run(): Promise<Record<string, unknown>> {
  const proc = await startBenchProcess();
  let parts: { rssMb: number; anonMb: number; fileMb: number };
  try {
    await sleep(IDLE_MS);
    const pid = proc.node.child.pid;
    if (pid === undefined) throw new Error('the node process has no pid');
    parts = await rssParts(pid);
  } finally {
    await proc.stop();
  }
  const bareRss = await bareNodeRssMb();
  const nodeRss = parts.rssMb;
  return {
    idleMs: IDLE_MS,
    nodeRssMb: nodeRss,
    nodeRssAnonMb: parts.anonMb,
    nodeRssFileMb: parts.fileMb,
    bareNodeRssMb: bareRss,
    targetRssMb: TARGET_RSS_MB,
    pass: nodeRss < TARGET_RSS_MB,
  };
}

export const idleMemoryBench: BenchModule = { name: 'idle-memory', run };
