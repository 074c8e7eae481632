import test from 'ava';
import { isTerrible, networkGroup } from '../../../src/p2p/addrman/index.js';
import type { AddressEntry } from '../../../src/p2p/addrman/index.js';
import {
  BUCKET_SIZE,
  NEW_BUCKET_COUNT,
  NEW_BUCKETS_PER_SOURCE_GROUP,
  TRIED_BUCKET_COUNT,
  TRIED_BUCKETS_PER_GROUP,
} from '../../../src/p2p/addrman/constants.js';
import { Clock, DAY_MS, HOUR_MS, START_MS, address, ipIn, newTable } from './addrman-helpers.js';

const NEW_CAPACITY = NEW_BUCKET_COUNT * BUCKET_SIZE;
const TRIED_CAPACITY = TRIED_BUCKET_COUNT * BUCKET_SIZE;

test('the new and tried tables never hold more than their bucket grids', (t) => {
  const clock = new Clock();
  const table = newTable(clock);
  // Many sources in many groups: the whole grid is reachable.
  for (let i = 0; i < 20_000; i++) table.add(address(ipIn(i % 4000, i)), ipIn((i * 7) % 4000, 1));
  t.true(table.newCount <= NEW_CAPACITY, `${table.newCount} new`);
  t.true(table.newCount > NEW_CAPACITY * 0.9, `the grid fills up: ${table.newCount} of ${NEW_CAPACITY}`);
  for (let i = 0; i < 5_000; i++) table.good(address(ipIn(i % 4000, i + 100_000)));
  t.true(table.triedCount <= TRIED_CAPACITY, `${table.triedCount} tried`);
  t.true(table.triedCount > TRIED_CAPACITY * 0.9, `the tried grid fills up: ${table.triedCount} of ${TRIED_CAPACITY}`);
  t.is(table.size, table.newCount + table.triedCount);
});

test('one source group fills at most its share of the new table, and honest entries stay', (t) => {
  const clock = new Clock();
  const table = newTable(clock);
  const honest = Array.from({ length: 100 }, (_, i) => address(ipIn(i, 1)));
  for (const a of honest) table.add(a, a.ip);
  const before = table.newCount;
  // An attacker in 99.1.0.0/16 gossips 5000 addresses from 5000 different /16s, through many of its own IPs.
  for (let i = 0; i < 5_000; i++) table.add(address(ipIn(1000 + i, 7)), `99.1.${i % 256}.${(i >> 8) % 256}`);
  const attackerEntries = table.newCount - before;
  t.true(attackerEntries <= NEW_BUCKETS_PER_SOURCE_GROUP * BUCKET_SIZE, `${attackerEntries} entries from one source group`);
  t.true(attackerEntries >= NEW_BUCKETS_PER_SOURCE_GROUP * BUCKET_SIZE * 0.5, `the share is used, not zero: ${attackerEntries}`);
  for (const a of honest) t.truthy(table.get(a.ip, a.tcpPort), `${a.ip} still known`);
});

test('one /16 fills at most its share of the tried table', (t) => {
  const clock = new Clock();
  const table = newTable(clock);
  for (let i = 0; i < 1_000; i++) table.good(address(`44.44.${i >> 8}.${i & 255}`));
  t.true(table.triedCount <= TRIED_BUCKETS_PER_GROUP * BUCKET_SIZE, `${table.triedCount} tried from one /16`);
  t.true(table.triedCount >= BUCKET_SIZE, `${table.triedCount}`);
});

test('a full new bucket keeps its older entries and makes room only by evicting a terrible one', (t) => {
  const clock = new Clock();
  const table = newTable(clock);
  // Same source and same address group: all land in the same new bucket.
  const inBucket = (i: number): ReturnType<typeof address> => address(`20.20.1.${i}`);
  let accepted = 0;
  for (let i = 1; i <= BUCKET_SIZE; i++) if (table.add(inBucket(i), '30.30.0.1')) accepted++;
  t.is(accepted, BUCKET_SIZE);
  t.false(table.add(inBucket(100), '30.30.0.1'), 'a newcomer does not push out the older entries');
  t.is(table.newCount, BUCKET_SIZE);
  // Three failed tries without a success make an entry terrible (once the 1-minute grace is over).
  for (let i = 0; i < 3; i++) table.attempt('20.20.1.5', 9000);
  clock.advance(2 * 60 * 1000);
  t.true(table.add(inBucket(101), '30.30.0.1'), 'the terrible entry made room');
  t.is(table.get('20.20.1.5', 9000), undefined, 'and is gone');
  t.truthy(table.get('20.20.1.6', 9000));
  t.is(table.newCount, BUCKET_SIZE);
});

test('isTerrible follows Core: failures without success, old, from the future, long-failing', (t) => {
  const now = START_MS + 100 * DAY_MS;
  const base: AddressEntry = { ...address('1.2.3.4'), source: '1.2.3.4', lastSeenMs: now - HOUR_MS, lastTriedMs: 0, lastSuccessMs: 0, attempts: 0, tried: false };
  t.false(isTerrible(base, now));
  t.true(isTerrible({ ...base, attempts: 3 }, now), 'three tries, never a success');
  t.false(isTerrible({ ...base, attempts: 2 }, now));
  t.false(isTerrible({ ...base, attempts: 3, lastTriedMs: now - 30_000 }, now), 'tried within the last minute: not yet');
  t.true(isTerrible({ ...base, lastSeenMs: now - 31 * DAY_MS }, now), 'not heard of for 30 days');
  t.true(isTerrible({ ...base, lastSeenMs: now + HOUR_MS }, now), 'seen in the future');
  t.false(isTerrible({ ...base, lastSuccessMs: now - 8 * DAY_MS, attempts: 9 }, now));
  t.true(isTerrible({ ...base, lastSuccessMs: now - 8 * DAY_MS, attempts: 10 }, now), 'ten failures since a success 8 days ago');
  t.false(isTerrible({ ...base, lastSuccessMs: now - 6 * DAY_MS, attempts: 10 }, now), 'the success is recent enough');
});

test('good() moves an address to tried; a full tried bucket keeps entries that worked recently', (t) => {
  const clock = new Clock();
  const table = newTable(clock);
  const a = address('50.50.0.1');
  table.add(a, '60.60.0.1');
  t.false(table.get(a.ip, a.tcpPort)!.tried);
  table.attempt(a.ip, a.tcpPort);
  table.good(a);
  const entry = table.get(a.ip, a.tcpPort)!;
  t.true(entry.tried);
  t.is(entry.attempts, 0);
  t.is(entry.lastSuccessMs, clock.ms);
  t.is(table.newCount, 0);
  t.is(table.triedCount, 1);

  // Fill tried with one /16 until newcomers are refused (all its buckets full of fresh successes).
  const group = (i: number): ReturnType<typeof address> => address(`70.70.${i >> 8}.${i & 255}`);
  let i = 0;
  for (; i < 2_000; i++) table.good(group(i));
  const full = table.triedCount;
  const late = group(5_000);
  table.good(late);
  t.is(table.triedCount, full);
  t.false(table.get(late.ip, late.tcpPort)?.tried ?? false, 'the newcomer stays in new');

  // Four hours later the old successes may be replaced: the newcomer gets in, a victim goes back to new.
  clock.advance(5 * HOUR_MS);
  const later = group(6_000);
  table.good(later);
  t.true(table.get(later.ip, later.tcpPort)!.tried);
  t.is(table.triedCount, full, 'one in, one out');
});

test('selection mixes tried and new at even odds and avoids recently tried addresses', (t) => {
  const clock = new Clock();
  const table = newTable(clock, 7);
  const tried = address('80.80.0.1');
  table.good(tried);
  const fresh = Array.from({ length: 20 }, (_, i) => address(ipIn(200 + i, 3)));
  for (const a of fresh) table.add(a, a.ip);
  clock.advance(HOUR_MS);
  let triedPicks = 0;
  const rounds = 2_000;
  for (let r = 0; r < rounds; r++) if (table.select(1)[0]!.ip === tried.ip) triedPicks++;
  t.true(triedPicks > rounds * 0.4 && triedPicks < rounds * 0.6, `the one tried entry picked ${triedPicks} of ${rounds} times`);

  // Mark one fresh address as tried just now: it is picked far less often than its peers.
  const recent = fresh[0]!;
  table.attempt(recent.ip, recent.tcpPort);
  const counts = new Map<string, number>();
  for (let r = 0; r < rounds; r++) {
    const [pick] = table.select(1, (e) => e.tried);
    counts.set(pick!.ip, (counts.get(pick!.ip) ?? 0) + 1);
  }
  const recentPicks = counts.get(recent.ip) ?? 0;
  const otherAverage = (rounds - recentPicks) / (fresh.length - 1);
  t.true(recentPicks < otherAverage / 5, `recently tried: ${recentPicks}, others on average ${otherAverage}`);
});

test('select returns distinct entries, honours skip and stops when the table runs out', (t) => {
  const clock = new Clock();
  const table = newTable(clock, 3);
  const all = Array.from({ length: 10 }, (_, i) => address(ipIn(300 + i, 9)));
  for (const a of all) table.add(a, a.ip);
  table.good(all[0]!);
  const skipped = all[1]!;
  const picks = table.select(50, (e) => e.ip === skipped.ip);
  t.is(picks.length, 9);
  t.is(new Set(picks.map((p) => p.ip)).size, 9);
  t.false(picks.some((p) => p.ip === skipped.ip));
});

test('network groups: the IPv4 /16 and the IPv6 /32', (t) => {
  t.is(networkGroup('10.1.2.3'), networkGroup('10.1.200.7'));
  t.not(networkGroup('10.1.2.3'), networkGroup('10.2.2.3'));
  t.is(networkGroup('2001:db8:1::1'), networkGroup('2001:db8:ffff::2'));
  t.not(networkGroup('2001:db8::1'), networkGroup('2001:db9::1'));
  t.not(networkGroup('10.1.2.3'), networkGroup('::a01:203'), 'IPv4 and IPv6 never share a group');
  t.throws(() => networkGroup('not-an-ip'), { instanceOf: RangeError });
});
