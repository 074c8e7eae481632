/**
 * CPU time of the main thread alone (Linux /proc; undefined elsewhere). Unlike wall time it
 * hardly moves when other processes load the machine, so "main-thread µs per input / per block"
 * compares runs made under different loads: the work outside signature checks that issue #12 cuts.
 */
import { readFileSync, readdirSync } from 'node:fs';
import type { VerifyPoolStats } from '../../src/chain/verify-pool/index.js';

/** Kernel clock ticks per second for /proc stat times (USER_HZ, 100 on every Linux build Node supports). */
const CLOCK_TICKS_PER_SEC = 100;

export function mainThreadCpuMs(): number | undefined {
  return statCpuMs(`/proc/self/task/${process.pid}/stat`);
}

/** CPU time of a whole process, every thread (Linux /proc; undefined elsewhere or once it exited): the sync bench's source, seen from the bench. */
export function processCpuMs(pid: number): number | undefined {
  return statCpuMs(`/proc/${pid}/stat`);
}

function statCpuMs(path: string): number | undefined {
  try {
    const stat = readFileSync(path, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SEC; // utime + stime
  } catch {
    return undefined;
  }
}

/** CPU ms of every thread of this process by OS thread id (Linux /proc; undefined elsewhere). A thread that has exited is gone from it: read before stopping the workers. */
export function threadCpuMs(): Map<number, number> | undefined {
  try {
    const byThread = new Map<number, number>();
    for (const tid of readdirSync('/proc/self/task')) {
      try {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        byThread.set(Number(tid), ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SEC);
      } catch {
        // The thread exited between the listing and the read.
      }
    }
    return byThread;
  } catch {
    return undefined;
  }
}

/** Where a run's CPU went, in ms, by kind of thread. */
export interface ThreadCpuSplit {
  readonly mainMs: number;
  /** The `workers` busiest threads started during the run: the verify workers (a fresh chain starts its pool). */
  readonly verifyWorkersMs: number;
  /** Every other thread: V8's platform threads (parallel GC, concurrent marking, optimizing compiler), lmdb-js's writer, libuv. */
  readonly otherMs: number;
}

/** Splits the CPU between two threadCpuMs() snapshots (see ThreadCpuSplit). */
export function splitThreadCpu(before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>, workers: number): ThreadCpuSplit {
  let mainMs = 0;
  let otherMs = 0;
  const started: number[] = [];
  for (const [tid, ms] of after) {
    const spent = ms - (before.get(tid) ?? 0);
    if (tid === process.pid) mainMs = spent;
    else if (before.has(tid)) otherMs += spent;
    else started.push(spent);
  }
  started.sort((a, b) => b - a);
  let verifyWorkersMs = 0;
  started.forEach((ms, i) => {
    if (i < workers) verifyWorkersMs += ms;
    else otherMs += ms;
  });
  return { mainMs, verifyWorkersMs, otherMs };
}

/** Resident set size of this process now, in MB. */
export function rssMb(): number {
  return Math.round(process.memoryUsage.rss() / (1024 * 1024));
}

/** Anonymous and file-backed resident MB (Linux /proc; undefined elsewhere): file pages are the node binary and LMDB's memory map, page cache the kernel can reclaim. */
function rssKindsMb(): { anonMb: number; fileMb: number } | undefined {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
    const anonMb = Math.round(kb('RssAnon') / 1024);
    const fileMb = Math.round(kb('RssFile') / 1024);
    return Number.isFinite(anonMb) && Number.isFinite(fileMb) ? { anonMb, fileMb } : undefined;
  } catch {
    return undefined;
  }
}

export interface RssPeak {
  readonly peakMb: number;
  /** Anonymous (heaps, buffers, native allocations) and file-backed parts at that peak, where /proc has them. */
  readonly anonMb?: number;
  readonly fileMb?: number;
}

/** Samples the RSS every `intervalMs` until stopped; stop() returns the peak in MB. */
export function sampleRss(intervalMs = 100): { stop(): RssPeak } {
  let peak: RssPeak = { peakMb: 0 };
  const sample = (): void => {
    const now = rssMb();
    if (now > peak.peakMb) peak = { peakMb: now, ...rssKindsMb() };
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop(): RssPeak {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}

/**
 * Share of the signatures the calling (main) thread verified in the pool's chunks, in % (the pool's
 * caller is one of its verifiers): its CPU figures include that share. Batches under the inline
 * threshold (also the main thread's) are left out: a sync or block-connect run has none.
 */
export function callerVerifiedPct(stats: VerifyPoolStats): number {
  return stats.itemsVerified > 0 ? Math.round((stats.callerItems * 100) / stats.itemsVerified) : 0;
}

/** Share of the verify workers' time (busy + idle between chunks) spent idle, in whole percent: how well the pipeline fed them. */
export function workerIdlePct(stats: VerifyPoolStats): number {
  const total = stats.busyMs + stats.idleMs;
  return total > 0 ? Math.round((stats.idleMs * 100) / total) : 0;
}
