import test from 'ava';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BAN_FILE_NAME, readBanFile, writeBanFile } from '../../../src/p2p/ban-file.js';
import { BanList } from '../../../src/p2p/bans.js';
import { P2PError } from '../../../src/p2p/errors.js';
import { BanStore, banKey } from '../../../src/p2p/ban-store.js';
import { pino } from 'pino';
import { buildBlock, makeKey } from '../../helpers/fixtures.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { startNode } from './net-helpers.js';

const genesis = buildBlock({ miner: makeKey() });

test('the ban list is bounded: a full list refuses a new key with one sentence, renewing an old one still works', (t) => {
  let now = 1_000;
  const list = new BanList(2, () => now);
  list.ban('1.1.1.1', 100, 'a');
  list.ban('2.2.2.2', 500, 'b');
  const err = t.throws(() => list.ban('3.3.3.3', 100, 'c'), { instanceOf: P2PError });
  t.is(err?.code, 'ban-list-full');
  t.is(err?.message, 'the ban list already holds 2 entries; unban some (cli unban) or clear it (cli clearbanned)');
  t.is(list.ban('1.1.1.1', 1_000, 'renewed').untilMs, 2_000);
  now = 1_600; // 2.2.2.2 expired: room again
  t.notThrows(() => list.ban('3.3.3.3', 100, 'c'));
  t.deepEqual(list.list().map((e) => e.key).sort(), ['1.1.1.1', '3.3.3.3']);
  t.is(list.clear(), 2);
});

test('ban keys: IPs (IPv4-mapped made IPv4) and node ids; anything else is refused', (t) => {
  t.is(banKey(' 10.0.0.1 '), '10.0.0.1');
  t.is(banKey('::ffff:10.0.0.2'), '10.0.0.2');
  t.is(banKey('2001:db8::1'), '2001:db8::1');
  t.is(banKey('AB'.repeat(32)), 'ab'.repeat(32));
  for (const bad of ['', 'host.example', 'ab'.repeat(31), '10.0.0.256', '10.0.0.0/8']) {
    t.throws(() => banKey(bad), { instanceOf: P2PError, message: /is neither an IP address nor a node id \(64 hex digits\)$/ }, bad);
  }
});

test('the ban file round-trips, skips expired entries on restore and leaves no temp file', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, BAN_FILE_NAME);
  t.deepEqual(await readBanFile(file), [], 'no file yet: no bans');
  let now = 5_000;
  const list = new BanList(10, () => now);
  list.ban('1.2.3.4', 1_000, 'spam');
  list.ban('ab'.repeat(32), 10, 'short');
  await writeBanFile(file, list.list());
  t.deepEqual(await readdir(dir), [BAN_FILE_NAME]);
  now = 5_100;
  const restored = new BanList(10, () => now);
  for (const entry of await readBanFile(file)) restored.restore(entry);
  t.deepEqual(restored.list(), [{ key: '1.2.3.4', reason: 'spam', createdMs: 5_000, untilMs: 6_000 }]);
  const json = JSON.parse(await readFile(file, 'utf8')) as { version: number };
  t.is(json.version, 1);
});

test('a damaged ban file is reported with its path', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, BAN_FILE_NAME);
  await writeFile(file, '{"version":1,"bans":[{"key":1}]}');
  await t.throwsAsync(readBanFile(file), { instanceOf: P2PError, message: `ban file ${file}: entry 0 is not {key, reason, createdMs, untilMs}` });
  await writeFile(file, 'not json');
  await t.throwsAsync(readBanFile(file), { message: /^ban file .* is not valid JSON/ });
  await writeFile(file, '{"version":7,"bans":[]}');
  await t.throwsAsync(readBanFile(file), { message: /is not a version 1 ban list$/ });
});

test('the restored list keeps its bound', (t) => {
  const list = new BanList(2);
  for (let i = 0; i < 5; i++) list.restore({ key: `10.0.0.${i}`, reason: 'r', createdMs: 0, untilMs: Date.now() + 60_000 });
  t.is(list.list().length, 2);
});

test('the peer set loads its ban file at start, writes every change, and sets a damaged file aside instead of failing', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, BAN_FILE_NAME);
  await writeFile(file, 'this is not json');
  const first = await startNode(t, { genesis, config: { banFile: file } });
  const aside = (await readdir(dir)).filter((f) => f.startsWith(`${BAN_FILE_NAME}.unreadable-`));
  t.is(aside.length, 1, 'the damaged file is kept aside, not lost');
  first.net.ban('10.0.0.1', 'spam', 60_000);
  first.net.ban('AB'.repeat(32));
  t.true(first.net.unban('ab'.repeat(32)));
  t.false(first.net.unban('10.9.9.9'));
  await first.net.flushBans();
  const second = await startNode(t, { genesis, config: { banFile: file } });
  t.deepEqual(second.net.bans().map((b) => [b.key, b.reason]), [['10.0.0.1', 'spam']]);
  t.is(second.net.clearBans(), 1);
  await second.net.flushBans();
  t.deepEqual(await readBanFile(file), []);
});

test('a ban is logged once at warn with its end as a time a person reads, not epoch milliseconds', (t) => {
  const lines: string[] = [];
  const store = new BanStore(undefined, pino({ level: 'info' }, { write: (line: string) => lines.push(line) }));
  const entry = store.ban('10.9.8.7', 'sent an invalid block', 90_000);
  t.is(lines.length, 1);
  const logged = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
  t.like(logged, { level: 40, msg: 'banned', key: '10.9.8.7', reason: 'sent an invalid block', forSec: 90, until: new Date(entry.untilMs).toISOString() });
  t.false('untilMs' in logged);
});
