import test from 'ava';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '../../../src/primitives/hash.js';
import { publicKeyOf } from '../../../src/primitives/secp256k1.js';
import { NODE_KEY_FILE_NAME } from '../../../src/p2p/discovery/constants.js';
import { NodeKeyError } from '../../../src/p2p/discovery/errors.js';
import { loadOrCreateNodeKey } from '../../../src/p2p/discovery/node-key.js';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'kadchain-nodekey-'));
}

test('first start creates a 0600 key file; later starts reload the same identity', async (t) => {
  const dir = await tempDir();
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const datadir = join(dir, 'data'); // not created yet
  const first = await loadOrCreateNodeKey(datadir);
  t.true(first.created);
  t.is(first.path, join(datadir, NODE_KEY_FILE_NAME));
  t.is((await stat(first.path)).mode & 0o777, 0o600);
  t.regex(await readFile(first.path, 'utf8'), /^[0-9a-f]{64}\n$/);
  t.true(first.key.publicKey.equals(publicKeyOf(first.key.privateKey)));
  t.true(first.key.nodeId.equals(sha256(first.key.publicKey)));
  t.deepEqual(await readdir(datadir), [NODE_KEY_FILE_NAME]); // no temp file left behind

  const second = await loadOrCreateNodeKey(datadir);
  t.false(second.created);
  t.true(second.key.privateKey.equals(first.key.privateKey));
  t.true(second.key.nodeId.equals(first.key.nodeId));
});

test('concurrent first starts agree on one key', async (t) => {
  const dir = await tempDir();
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const results = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateNodeKey(dir)));
  t.is(new Set(results.map((r) => r.key.nodeId.toString('hex'))).size, 1);
  t.is(results.filter((r) => r.created).length, 1);
});

test('a malformed key file is an error naming the file, and is left untouched', async (t) => {
  const dir = await tempDir();
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, NODE_KEY_FILE_NAME);
  for (const content of ['not hex at all', 'abcd', '00'.repeat(32), 'ff'.repeat(32), '']) {
    await writeFile(path, content, { mode: 0o600 });
    const err = await t.throwsAsync(loadOrCreateNodeKey(dir), { instanceOf: NodeKeyError });
    t.is(err?.code, 'invalid-node-key', JSON.stringify(content));
    t.true(err?.message.includes(path));
    t.is(await readFile(path, 'utf8'), content);
  }
});

test('an unreadable key path is an error naming the file', async (t) => {
  const dir = await tempDir();
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, NODE_KEY_FILE_NAME)); // a directory where the file should be
  const err = await t.throwsAsync(loadOrCreateNodeKey(dir), { instanceOf: NodeKeyError });
  t.is(err?.code, 'node-key-unreadable');
  t.true(err?.message.includes(join(dir, NODE_KEY_FILE_NAME)));
});

test('a key file with surrounding whitespace or upper-case hex loads', async (t) => {
  const dir = await tempDir();
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const hex = '1f'.repeat(32);
  await writeFile(join(dir, NODE_KEY_FILE_NAME), `  ${hex.toUpperCase()}\r\n`);
  const loaded = await loadOrCreateNodeKey(dir);
  t.is(loaded.key.privateKey.toString('hex'), hex);
  t.false(loaded.created);
});
