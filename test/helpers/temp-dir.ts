import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';

/**
 * A fresh directory under the OS temp dir, removed at the test's teardown. ava runs teardowns last
 * in, first out, so a chain or store opened in it later (and closed at teardown) closes first.
 */
export async function tempDir(t: ExecutionContext, prefix = 'kadchain-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}
