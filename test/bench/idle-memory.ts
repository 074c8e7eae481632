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


async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!match) throw new Error(`no VmRSS line in /proc/${pid}/status`);
  return Math.round((Number(match[1]) / KB_PER_MB) * 10) / 10;
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
  let nodeRss: number;
  try {
    await sleep(IDLE_MS);
    const pid = proc.node.child.pid;
    if (pid === undefined) throw new Error('the node process has no pid');
    nodeRss = await rssMb(pid);
  } finally {
    await proc.stop();
  }
  const bareRss = await bareNodeRssMb();
  return {
    idleMs: IDLE_MS,
    nodeRssMb: nodeRss,
    bareNodeRssMb: bareRss,
    targetRssMb: TARGET_RSS_MB,
    pass: nodeRss < TARGET_RSS_MB,
  };
}

export const idleMemoryBench: BenchModule = { name: 'idle-memory', run };
