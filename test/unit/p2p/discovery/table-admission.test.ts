/**
 * Table admission against eclipse attempts (docs/protocol.md "Table admission"): inbound contacts
 * wait for our first refresh, hold at most a quarter of a bucket and give way to nodes we found;
 * the nodes one answer named hold at most MAX_ENTRIES_PER_SOURCE places.
 */
import test from 'ava';
import { INITIAL_RANDOM_LOOKUPS, K_BUCKET_SIZE, MAX_ENTRIES_PER_SOURCE, MAX_INBOUND_PER_BUCKET, SEED_LOOKUP_SPACING_MS } from '../../../../src/p2p/discovery/constants.js';
import { FOUND, INBOUND, namedBy } from '../../../../src/p2p/discovery/introduction.js';
import { NodeTable } from '../../../../src/p2p/discovery/node-table.js';
import type { TableEntry } from '../../../../src/p2p/discovery/table-entry.js';
import { RefreshScheduler } from '../../../../src/p2p/discovery/refresh-scheduler.js';
import { bucketIndex } from '../../../../src/p2p/discovery/routing-table.js';
import { VirtualClock } from '../../../../src/sim/virtual-clock.js';
import { silentLogger } from '../../../../src/util/logger.js';

const SELF = Buffer.alloc(32, 0);
const KEY = Buffer.alloc(33, 2);
const SOURCE = Buffer.alloc(32, 0x41);
const OTHER_SOURCE = Buffer.alloc(32, 0x42);

/** The n-th id of bucket 255 (top bit differs from SELF's), distinct per n. */
function idInTopBucket(n: number): Buffer {
  const id = Buffer.alloc(32, 0);
  id[0] = 0x80;
  id.writeUInt32BE(n + 1, 28);
  return id;
}

/** The n-th id of bucket 254. */
function idInBucket254(n: number): Buffer {
  const id = idInTopBucket(n);
  id[0] = 0x40;
  return id;
}

/** One public /16 per n (n below 20,480): the per-netgroup bounds do not limit these tests. */
const endpoint = (n: number) => ({ ip: `${20 + (n >> 8)}.${n & 255}.0.1`, udpPort: 30303, tcpPort: 8333 });

function setup(pingAnswers = true) {
  const pinged: string[] = [];
  const removed: string[] = [];
  const table = new NodeTable({
    selfId: SELF,
    nowMs: () => 0,
    ping: async (e: TableEntry) => {
      pinged.push(e.nodeId.toString('hex'));
      return pingAnswers;
    },
    onAdded: () => undefined,
    onRemoved: (e: TableEntry) => void removed.push(e.nodeId.toString('hex')),
  });
  return { table, pinged, removed };
}

test('the bounds: a quarter of k inbound entries per bucket, one entry per introducer', (t) => {
  t.is(MAX_INBOUND_PER_BUCKET, K_BUCKET_SIZE / 4);
  t.is(MAX_ENTRIES_PER_SOURCE, 1);
});

test('nodes that contacted us do not enter before our first refresh has seeded the table; found ones do', (t) => {
  const { table } = setup();
  table.verified(idInTopBucket(1), KEY, endpoint(1), INBOUND);
  t.is(table.size, 0, 'inbound before openInbound');
  table.verified(idInTopBucket(2), KEY, endpoint(2), FOUND);
  t.is(table.size, 1, 'found before openInbound');
  table.openInbound();
  table.verified(idInTopBucket(1), KEY, endpoint(1), INBOUND);
  t.is(table.size, 2, 'inbound after openInbound');
  t.is(table.get(idInTopBucket(1))?.origin, 'inbound');
});

/** The n-th id of bucket `b` of SELF (b ≥ 40), distinct per n. */
function idIn(b: number, n: number): Buffer {
  const id = Buffer.alloc(32, 0);
  id[31 - (b >> 3)] = 1 << (b & 7);
  id.writeUInt32BE(n + 1, 28);
  return id;
}

/** A table that is not thin, with k entries in bucket 250: the buckets above it are far, those below near. */
function notThinTable() {
  const made = setup();
  for (let i = 0; i < K_BUCKET_SIZE; i++) made.table.verified(idIn(250, i), KEY, endpoint(1000 + i), FOUND);
  made.table.openInbound();
  return made;
}

test(`a near bucket holds at most ${MAX_INBOUND_PER_BUCKET} inbound entries; found nodes still fill it`, (t) => {
  const { table } = notThinTable();
  for (let i = 0; i < 10; i++) table.verified(idIn(249, i), KEY, endpoint(i), INBOUND);
  t.log(`10 inbound contacts to bucket 249 (no entries below it) → ${table.inboundInBucket(249)} entries`);
  t.is(table.inboundInBucket(249), MAX_INBOUND_PER_BUCKET);
  for (let i = 0; i < 10; i++) table.verified(idIn(248, i), KEY, endpoint(100 + i), INBOUND);
  t.is(table.inboundInBucket(248), MAX_INBOUND_PER_BUCKET, 'the bound is per bucket');
  for (let i = 10; i < 30; i++) table.verified(idIn(249, i), KEY, endpoint(200 + i), FOUND);
  t.is(table.bucket(249).length, K_BUCKET_SIZE, 'found nodes fill the bucket');
});

test('far buckets (k or more entries below them) admit no inbound contacts once the table is not thin', (t) => {
  const { table } = notThinTable();
  t.is(table.inboundPlaces(250), MAX_INBOUND_PER_BUCKET, 'bucket 250 itself has nothing below it');
  t.is(table.inboundPlaces(251), 0);
  for (let i = 0; i < 10; i++) table.verified(idIn(255, i), KEY, endpoint(i), INBOUND);
  for (let i = 0; i < 10; i++) table.verified(idIn(254, i), KEY, endpoint(100 + i), INBOUND);
  t.is(table.size, K_BUCKET_SIZE, '20 inbound contacts to buckets 254 and 255 → none entered');
  table.verified(idIn(255, 50), KEY, endpoint(50), FOUND);
  t.truthy(table.get(idIn(255, 50)), 'a node we found does enter a far bucket');
});

test('while the table is thin an inbound contact takes any free place, far or near', (t) => {
  const { table } = setup();
  table.openInbound();
  for (let i = 0; i < 10; i++) table.verified(idIn(255, i), KEY, endpoint(i), INBOUND);
  t.is(table.size, 10);
  t.true(table.isThin());
});

test('a node without bootstrap nodes (openInbound(false)) admits inbound contacts to any free place: they are all it has', (t) => {
  const { table } = setup();
  for (let i = 0; i < K_BUCKET_SIZE; i++) table.verified(idIn(250, i), KEY, endpoint(1000 + i), INBOUND);
  t.is(table.size, 0, 'not before openInbound');
  table.openInbound(false);
  for (let i = 0; i < K_BUCKET_SIZE; i++) table.verified(idIn(250, i), KEY, endpoint(1000 + i), INBOUND);
  for (let i = 0; i < 10; i++) table.verified(idIn(255, i), KEY, endpoint(i), INBOUND);
  for (let i = 0; i < 10; i++) table.verified(idIn(253, i), KEY, endpoint(100 + i), INBOUND);
  t.is(table.size, K_BUCKET_SIZE + 20);
});

test('a node we found takes the place of the least-recently-seen inbound entry of a full bucket, without a ping', (t) => {
  const { table, pinged, removed } = setup();
  table.openInbound();
  for (let i = 0; i < MAX_INBOUND_PER_BUCKET; i++) table.verified(idInTopBucket(i), KEY, endpoint(i), INBOUND);
  for (let i = 100; i < 100 + K_BUCKET_SIZE - MAX_INBOUND_PER_BUCKET; i++) table.verified(idInTopBucket(i), KEY, endpoint(i), FOUND);
  const index = table.bucketIndexOf(idInTopBucket(0));
  t.is(table.bucket(index).length, K_BUCKET_SIZE);
  t.true(table.hasRoomFor(idInTopBucket(500)), 'inbound places count as room for a found node');
  table.verified(idInTopBucket(500), KEY, endpoint(500), FOUND);
  t.deepEqual(removed, [idInTopBucket(0).toString('hex')], 'the oldest inbound entry went');
  t.deepEqual(pinged, []);
  t.truthy(table.get(idInTopBucket(500)));
  t.is(table.inboundInBucket(index), MAX_INBOUND_PER_BUCKET - 1);
});

test('an inbound newcomer to a full bucket never displaces an entry; a bucket of found entries keeps its live ones', async (t) => {
  const { table, pinged, removed } = setup(true);
  table.openInbound();
  for (let i = 0; i < K_BUCKET_SIZE; i++) table.verified(idInTopBucket(i), KEY, endpoint(i), FOUND);
  t.false(table.hasRoomFor(idInTopBucket(500)));
  table.verified(idInTopBucket(500), KEY, endpoint(500), INBOUND);
  table.verified(idInTopBucket(501), KEY, endpoint(501), FOUND);
  await new Promise((r) => setImmediate(r));
  t.is(pinged.length, 1, 'one liveness check of the oldest (discv4), which answers');
  t.deepEqual(removed, []);
  t.is(table.get(idInTopBucket(500)), undefined);
  t.is(table.get(idInTopBucket(501)), undefined);
});

test(`the nodes one answer named hold at most ${MAX_ENTRIES_PER_SOURCE} places; other introducers are not affected`, (t) => {
  const { table } = setup();
  t.is(table.roomForSource(SOURCE), MAX_ENTRIES_PER_SOURCE);
  for (let i = 0; i < 12; i++) table.verified(idInTopBucket(i), KEY, endpoint(i), namedBy(SOURCE));
  t.log(`12 nodes named by one source → ${table.size} entries`);
  t.is(table.size, MAX_ENTRIES_PER_SOURCE);
  t.is(table.roomForSource(SOURCE), 0);
  t.is(table.get(idInTopBucket(0))?.source, SOURCE.toString('hex'));
  for (let i = 20; i < 26; i++) table.verified(idInBucket254(i), KEY, endpoint(i), namedBy(OTHER_SOURCE));
  t.is(table.size, 2 * MAX_ENTRIES_PER_SOURCE, 'the bound is per introducer');
  const first = table.get(idInTopBucket(0));
  if (first === undefined) return t.fail('entry missing');
  table.remove(first);
  t.is(table.roomForSource(SOURCE), 1, 'a removal frees a place for that introducer');
  table.verified(idInTopBucket(100), KEY, endpoint(100), FOUND);
  t.truthy(table.get(idInTopBucket(100)), 'nodes we contacted on our own (bootstrap, table entries) have no introducer bound');
});

test('an entry keeps how it entered: a later pong or ping does not launder an inbound entry into a found one', (t) => {
  const { table } = setup();
  table.openInbound();
  table.verified(idInTopBucket(1), KEY, endpoint(1), INBOUND);
  table.verified(idInTopBucket(1), KEY, endpoint(1), FOUND);
  t.is(table.get(idInTopBucket(1))?.origin, 'inbound');
  table.verified(idInTopBucket(2), KEY, endpoint(2), namedBy(SOURCE));
  table.verified(idInTopBucket(2), KEY, endpoint(2), INBOUND);
  t.like(table.get(idInTopBucket(2)), { origin: 'found', source: SOURCE.toString('hex') });
});

test('our lookups start from entries we found; inbound ones only top the seeds up to n', (t) => {
  const { table } = setup();
  table.openInbound();
  const target = idInTopBucket(0);
  for (let i = 0; i < 2; i++) table.verified(idInTopBucket(i), KEY, endpoint(i), INBOUND); // the closest to target
  for (let i = 10; i < 13; i++) table.verified(idInTopBucket(i), KEY, endpoint(i), FOUND);
  const seeds = (n: number) => table.lookupSeeds(target, n).map((e) => e.origin);
  t.deepEqual(seeds(3), ['found', 'found', 'found']);
  t.deepEqual(seeds(5), ['found', 'found', 'found', 'inbound', 'inbound']);
  t.deepEqual(table.closest(target, 2).map((e) => e.origin), ['inbound', 'inbound'], 'answers to others still use the whole table');
});


/** The refresh scheduler's fixed settings in these tests: a fresh table on a virtual clock, no bootstrap nodes. */
function schedulerBase(table: NodeTable, clock: VirtualClock) {
  return {
    selfId: SELF,
    table,
    timing: { thinTableRetryMinMs: 1_000, refreshIntervalMs: 60_000 },
    nowMs: clock.nowMs,
    clock,
    log: silentLogger(),
    isRunning: () => true,
    bootstrapRemotes: () => [],
    ping: async () => true,
  };
}

test(`the table's seeding: a self-lookup, then ${INITIAL_RANDOM_LOOKUPS} random ones, one per tick ${SEED_LOOKUP_SPACING_MS / 1000} s apart (not back to back), inbound contacts may enter after the self-lookup`, async (t) => {
  const { table } = setup();
  table.verified(idInTopBucket(999), KEY, endpoint(999), FOUND); // the bootstrap node
  const clock = new VirtualClock();
  const lookups: Array<{ kind: string; atMs: number }> = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let refreshedAfter: number[] = [];
  const scheduler = new RefreshScheduler({
    ...schedulerBase(table, clock),
    lookup: async (target) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      lookups.push({ kind: target.equals(SELF) ? 'self' : `bucket ${bucketIndex(SELF, target)}`, atMs: clock.elapsedMs });
      if (lookups.length === 1) for (let i = 0; i < K_BUCKET_SIZE; i++) table.verified(idInBucket254(i), KEY, endpoint(300 + i), FOUND);
      await new Promise<void>((r) => clock.setTimeout(r, 100));
      inFlight--;
      return [];
    },
    refreshed: () => void (refreshedAfter = [...refreshedAfter, lookups.length]),
  });
  try {
    scheduler.start();
    await clock.runUntil(30_000);
    t.log(`lookups at ${lookups.map((l) => `${l.kind} ${l.atMs} ms`).join(', ')}`);
    t.deepEqual(lookups.map((l) => l.kind.split(' ')[0]), ['self', ...Array<string>(INITIAL_RANDOM_LOOKUPS).fill('bucket')]);
    t.is(maxInFlight, 1);
    for (let i = 1; i < lookups.length; i++) {
      const gapMs = lookups[i].atMs - lookups[i - 1].atMs - 100;
      t.true(gapMs >= SEED_LOOKUP_SPACING_MS / 2 && gapMs <= SEED_LOOKUP_SPACING_MS, `gap ${gapMs} ms before lookup ${i}`);
    }
    t.deepEqual(refreshedAfter, Array.from({ length: 1 + INITIAL_RANDOM_LOOKUPS }, (_, i) => i + 1), 'inbound opens after the self-lookup (and each refresh says so again)');
    await clock.runUntil(30_000 + 60_000);
    t.is(lookups.length, 2 + INITIAL_RANDOM_LOOKUPS, 'then one lookup per refresh interval');
  } finally {
    scheduler.stop();
  }
});

test('a table still thin after its refresh opens to inbound contacts (there may be nobody else to fill it) and seeds later', async (t) => {
  const { table } = setup();
  table.verified(idInTopBucket(999), KEY, endpoint(999), FOUND);
  const clock = new VirtualClock();
  const kinds: string[] = [];
  let opened = 0;
  const scheduler = new RefreshScheduler({
    ...schedulerBase(table, clock),
    lookup: async (target) => {
      kinds.push(target.equals(SELF) ? 'self' : 'seed');
      if (kinds.length === 3) for (let i = 0; i < K_BUCKET_SIZE; i++) table.verified(idInBucket254(i), KEY, endpoint(300 + i), FOUND);
      return [];
    },
    refreshed: () => void opened++,
  });
  try {
    scheduler.start();
    await clock.runUntil(60_000);
    t.deepEqual(kinds, ['self', 'self', 'self', ...Array<string>(INITIAL_RANDOM_LOOKUPS).fill('seed')]);
    t.is(opened, 3 + INITIAL_RANDOM_LOOKUPS, 'after every refresh, thin or seeding');
  } finally {
    scheduler.stop();
  }
});

test('a bucket is far from k entries below it on', (t) => {
  const { table } = setup();
  for (let i = 0; i < K_BUCKET_SIZE; i++) table.verified(idIn(252, i), KEY, endpoint(2000 + i), FOUND);
  for (let i = 0; i < K_BUCKET_SIZE - 1; i++) table.verified(idIn(245, i), KEY, endpoint(3000 + i), FOUND);
  t.is(table.inboundPlaces(246), MAX_INBOUND_PER_BUCKET, `${K_BUCKET_SIZE - 1} entries below: near`);
  table.verified(idIn(245, 100), KEY, endpoint(3100), FOUND);
  t.is(table.inboundPlaces(246), 0, `${K_BUCKET_SIZE} entries below: far`);
  t.is(table.inboundPlaces(245), MAX_INBOUND_PER_BUCKET);
});
