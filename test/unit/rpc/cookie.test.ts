import test from 'ava';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { cookiePath, parseCookie, readCookie, writeCookie } from '../../../src/rpc/cookie.js';
import { tempDir } from '../../helpers/temp-dir.js';

test('the cookie file holds bitcoind\'s __cookie__:<secret>, mode 0600; readCookie gives the secret', async (t) => {
  const dir = await tempDir(t, 'kadchain-cookie-');
  const secret = writeCookie(dir);
  t.regex(secret, /^[0-9a-f]{64}$/);
  const text = readFileSync(cookiePath(dir), 'utf8');
  t.is(text, `__cookie__:${secret}`, 'the user:password pair as curl --user takes it, no newline');
  t.is((statSync(cookiePath(dir)).mode & 0o777).toString(8), '600');
  t.is(readCookie(dir), secret);
});

test('readCookie still reads the older secret-only file, and undefined when there is none', async (t) => {
  const dir = await tempDir(t, 'kadchain-cookie-');
  t.is(readCookie(dir), undefined);
  writeFileSync(cookiePath(dir), `${'ab'.repeat(32)}\n`);
  t.is(readCookie(dir), 'ab'.repeat(32));
  t.is(parseCookie(`__cookie__:${'cd'.repeat(32)}\n`), 'cd'.repeat(32));
});
