/**
 * Atomic file replace, shared by every small file the node rewrites (wallet, ban list, peer table,
 * anchors): write a temp file in the same directory (same filesystem, so the rename is atomic),
 * fsync it, rename it over the old file, fsync the directory. A crash at any point leaves either
 * the old file or the new one, never a torn one. Errors are the file system's; callers wrap them
 * in their subsystem's typed error with a sentence naming the file.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

export async function writeFileAtomic(file: string, text: string, mode: number): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await fs.open(tmp, 'wx', mode);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, file);
    await syncDirectory(dir);
  } catch (err) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
}

/** Makes the rename durable. Some platforms cannot fsync a directory; the rename is still atomic there. */
async function syncDirectory(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch {
    // Best effort (see above).
  } finally {
    await handle?.close();
  }
}
