/**
 * Why a write to the data dir failed, in words an operator can act on. lmdb-js reports a failed
 * commit with a numeric errno, and a full disk at times as a bare EIO, so numeric codes are named
 * and the free space of the file system is read as well.
 */
import { accessSync, constants, existsSync, statfsSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { dirname } from 'node:path';

/**
 * Below this much free space a failed write is put down to a full disk: an LMDB commit writes
 * whole 4 KiB pages, a block with its index, undo data and UTXO changes dozens of them.
 */
export const DISK_FULL_MARGIN_BYTES = 1024 * 1024;

/** Free bytes (for an unprivileged user) on the file system holding `path`; undefined when unknown. */
export function freeBytes(path: string): number | undefined {
  try {
    const stats = statfsSync(path);
    return stats.bavail * stats.bsize;
  } catch {
    return undefined;
  }
}

/** The end of a sentence saying why writing under `path` failed with `err`, e.g. "the disk is full (0 bytes free)". */
export function writeFailureReason(path: string, err: unknown): string {
  const code = errnoName((err as { code?: unknown } | undefined)?.code);
  if (code === 'EROFS') return 'the file system is read-only';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  const free = freeBytes(path);
  if (code === 'ENOSPC' || code === 'EDQUOT' || (free !== undefined && free < DISK_FULL_MARGIN_BYTES)) {
    return `the disk is full (${free ?? 0} bytes free)`;
  }
  return err instanceof Error ? err.message : String(err);
}

/**
 * Why a directory cannot be made at `path`: a recursive mkdir on a read-only file system reports
 * ENOENT, so the nearest existing ancestor is asked for write access to get the real errno.
 * Returns `err` itself when the ancestor is writable.
 */
export function mkdirFailureCause(path: string, err: unknown): unknown {
  if ((err as NodeJS.ErrnoException | undefined)?.code !== 'ENOENT') return err;
  let ancestor = dirname(path);
  while (!existsSync(ancestor) && dirname(ancestor) !== ancestor) ancestor = dirname(ancestor);
  try {
    accessSync(ancestor, constants.W_OK);
    return err;
  } catch (accessErr) {
    return accessErr;
  }
}

/** 'ENOSPC' for 'ENOSPC' or 28 (lmdb-js's form); undefined for anything else. */
function errnoName(code: unknown): string | undefined {
  if (typeof code === 'string') return code;
  if (typeof code !== 'number') return undefined;
  // libuv reports errno negated (-28 for ENOSPC on Linux); lmdb-js the positive value.
  const errno = Math.abs(code);
  return Object.entries(osConstants.errno).find(([, value]) => value === errno)?.[0];
}
