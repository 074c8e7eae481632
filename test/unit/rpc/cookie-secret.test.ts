import test from 'ava';
import { statSync } from 'node:fs';
import { readCookie, cookiePath, writeCookie } from '../../../src/rpc/cookie.js';
import { tempDir } from '../../helpers/temp-dir.js';

test('the cookie secret: 32 random bytes as hex, a fresh one per start, owner-only file, read back as written', async (t) => {
  const dir = await tempDir(t);
  const first = writeCookie(dir);
  // The secret is the cookie's last field, whatever format the file uses.
  t.regex(first, /[0-9a-f]{64}$/);
  t.is(statSync(cookiePath(dir)).mode & 0o777, 0o600);
  t.is(readCookie(dir), first);
  const second = writeCookie(dir);
  t.not(second, first, 'a new secret each time');
  t.is(readCookie(dir), second);
});

test('the CLI does not load node:crypto to read the cookie (it costs ~4 ms of every command\'s start-up)', async (t) => {
  // Web Crypto is reached through the global only when a node writes its cookie.
  const { execFileSync } = await import('node:child_process');
  const main = new URL('../../../src/cli/main.js', import.meta.url).href;
  const loaded = execFileSync(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(main)}); console.log(process.moduleLoadList.filter((m) => m === 'NativeModule crypto').length)`], { encoding: 'utf8' });
  t.is(loaded.trim(), '0');
});
