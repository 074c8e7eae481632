/**
 * One node per data dir. LMDB happily lets two processes open one environment, and two nodes
 * mining on one chain would corrupt nothing but confuse everyone, so a pid file created with
 * O_EXCL guards it; a lock left by a killed process (its pid no longer runs) is taken over.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { LOCK_FILE_NAME } from './constants.js';
import { NodeError } from './errors.js';
import { writeFailureReason } from '../util/disk.js';

export interface DataDirLock {
  readonly file: string;
  release(): void;
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else — still alive.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The pid holding `dataDir`'s lock when that process runs (a node is using the data dir); undefined otherwise. */
export function runningLockOwner(dataDir: string): number | undefined {
  const owner = readOwner(join(dataDir, LOCK_FILE_NAME));
  return owner !== undefined && processRuns(owner) ? owner : undefined;
}

/** Locks held by this process: our own pid in a lock file is otherwise taken as stale (a container restarting with the same pid). */
const heldHere = new Set<string>();

export function lockDataDir(dataDir: string): DataDirLock {
  const file = join(dataDir, LOCK_FILE_NAME);
  if (heldHere.has(file)) throw new NodeError('datadir-locked', `data dir ${dataDir} is in use by this process already`);
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, 'wx', 0o644);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        // The first write to the data dir: a read-only or full one is reported here, before anything else is touched.
        throw new NodeError('datadir-unusable', `data dir ${dataDir} is not writable (${writeFailureReason(dataDir, err)}): the node keeps its chain and wallet there; fix that or pick another --datadir`, { cause: err });
      }
      const owner = readOwner(file);
      if (owner !== undefined && owner !== process.pid && processRuns(owner)) {
        throw new NodeError('datadir-locked', `data dir ${dataDir} is in use by process ${owner}; stop that node first or pick another --datadir`);
      }
      // Stale (its process is gone, or the file is empty from a crash mid-write): take it over.
      rmSync(file, { force: true });
      continue;
    }
    try {
      writeSync(fd, `${process.pid}\n`);
    } finally {
      closeSync(fd);
    }
    let released = false;
    heldHere.add(file);
    return {
      file,
      release: () => {
        if (released) return;
        released = true;
        heldHere.delete(file);
        if (readOwner(file) === process.pid) rmSync(file, { force: true });
      },
    };
  }
  throw new NodeError('datadir-locked', `could not lock data dir ${dataDir}: another process keeps re-creating ${file}`);
}
