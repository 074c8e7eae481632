import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeError } from '../../../src/node/errors.js';
import { lockDataDir } from '../../../src/node/lock.js';

async function tempDir(t: { teardown: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kadchain-lock-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('a data dir held by a running process is refused with its pid', async (t) => {
  const dir = await tempDir(t);
  // A live process that is not us: a sleeping child.
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
  t.teardown(() => void child.kill('SIGKILL'));
  await writeFile(join(dir, 'node.lock'), `${child.pid}\n`);
  const err = t.throws(() => lockDataDir(dir), { instanceOf: NodeError });
  t.is(err?.code, 'datadir-locked');
  t.is(err?.message, `data dir ${dir} is in use by process ${child.pid}; stop that node first or pick another --datadir`);
});

test('a stale lock (dead pid) is taken over and released on release()', async (t) => {
  const dir = await tempDir(t);
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((resolve) => child.on('exit', resolve));
  await writeFile(join(dir, 'node.lock'), `${child.pid}\n`);
  const lock = lockDataDir(dir);
  t.is((await readFile(lock.file, 'utf8')).trim(), String(process.pid));
  lock.release();
  t.false(existsSync(lock.file));
});

test('the lock is exclusive while held, also within one process', async (t) => {
  const dir = await tempDir(t);
  const lock = lockDataDir(dir);
  t.is((await readFile(join(dir, 'node.lock'), 'utf8')).trim(), String(process.pid));
  t.throws(() => lockDataDir(dir), { instanceOf: NodeError, message: /is in use by this process/ });
  lock.release();
  const again = lockDataDir(dir);
  again.release();
  t.false(existsSync(join(dir, 'node.lock')));
});
