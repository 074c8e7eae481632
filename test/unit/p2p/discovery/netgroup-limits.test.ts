/**
 * The routing table's bounds per public netgroup (/16 of IPv4): an attacker with a few address
 * blocks and any number of node ids gets at most MAX_BUCKET_ENTRIES_PER_NETGROUP places per bucket
 * and MAX_TABLE_ENTRIES_PER_NETGROUP in the table, however it contacts us; loopback and private
 * addresses are not limited.
 */
import test from 'ava';
import { K_BUCKET_SIZE, MAX_BUCKET_ENTRIES_PER_NETGROUP, MAX_TABLE_ENTRIES_PER_NETGROUP } from '../../../../src/p2p/discovery/constants.js';
import { FOUND, INBOUND } from '../../../../src/p2p/discovery/introduction.js';
import { NodeTable } from '../../../../src/p2p/discovery/node-table.js';
import type { TableEntry } from '../../../../src/p2p/discovery/table-entry.js';

const SELF = Buffer.alloc(32, 0);
const KEY = Buffer.alloc(33, 2);

/** The n-th id of bucket `b` of SELF (b ≥ 40), distinct per n. */
function idIn(b: number, n: number): Buffer {
  const id = Buffer.alloc(32, 0);
  id[31 - (b >> 3)] = 1 << (b & 7);
  id.writeUInt32BE(n + 1, 28);
  return id;
}

const at = (ip: string) => ({ ip, udpPort: 30303, tcpPort: 8333 });

function setup(pingAnswers = true) {
  const table = new NodeTable({
    selfId: SELF,
    nowMs: () => 0,
    ping: async () => pingAnswers,
    onAdded: () => undefined,
    onRemoved: (_e: TableEntry) => undefined,
  });
  table.openInbound(false); // every free place open: only the netgroup bounds limit what follows
  return table;
}

test('the bounds: 2 per bucket and 10 per table from one /16', (t) => {
  t.is(MAX_BUCKET_ENTRIES_PER_NETGROUP, 2);
  t.is(MAX_TABLE_ENTRIES_PER_NETGROUP, 10);
});

test(`one /16 holds at most ${MAX_BUCKET_ENTRIES_PER_NETGROUP} places of a bucket, found or inbound; other /16s still fill it`, (t) => {
  const table = setup();
  for (let i = 0; i < 8; i++) table.verified(idIn(255, i), KEY, at(`5.6.${i}.1`), i % 2 === 0 ? FOUND : INBOUND);
  t.log(`8 ids from 5.6.0.0/16 to bucket 255 → ${table.bucket(255).length} entries`);
  t.is(table.bucket(255).length, MAX_BUCKET_ENTRIES_PER_NETGROUP);
  for (let i = 0; i < 20; i++) table.verified(idIn(255, 100 + i), KEY, at(`${20 + i}.1.1.1`), FOUND);
  t.is(table.bucket(255).length, K_BUCKET_SIZE);
  // The full bucket's found newcomers took the inbound 5.6.x.x entry's place (found displaces inbound).
  t.is(table.entriesInNetgroup('5.6.200.9'), 1);
});

test(`one /16 holds at most ${MAX_TABLE_ENTRIES_PER_NETGROUP} places of the whole table`, (t) => {
  const table = setup();
  for (let b = 240; b < 256; b++) for (let i = 0; i < 3; i++) table.verified(idIn(b, i), KEY, at(`5.6.${b}.${i + 1}`), FOUND);
  t.log(`48 ids from one /16 over 16 buckets → ${table.size} entries`);
  t.is(table.size, MAX_TABLE_ENTRIES_PER_NETGROUP);
  t.is(table.entriesInNetgroup('5.6.0.1'), MAX_TABLE_ENTRIES_PER_NETGROUP);
});

test('a removed entry frees its netgroup place; an entry that moves counts in its new netgroup', (t) => {
  const table = setup();
  table.verified(idIn(255, 0), KEY, at('5.6.0.1'));
  table.verified(idIn(255, 1), KEY, at('5.6.0.2'));
  table.verified(idIn(255, 2), KEY, at('5.6.0.3'));
  t.is(table.bucket(255).length, 2);
  const first = table.get(idIn(255, 0));
  if (first === undefined) return t.fail('the first entry is in the table');
  table.remove(first);
  t.is(table.entriesInNetgroup('5.6.0.1'), 1);
  table.verified(idIn(255, 2), KEY, at('5.6.0.3'));
  t.truthy(table.get(idIn(255, 2)), 'the freed place is taken');
  const old = at('5.6.0.3');
  table.failed(idIn(255, 2), old.ip, old.udpPort); // its address changed (a new NAT mapping): silent at the old one…
  table.verified(idIn(255, 2), KEY, at('9.9.0.3')); // …proven at the new one
  t.is(table.entriesInNetgroup('5.6.0.1'), 1);
  t.is(table.entriesInNetgroup('9.9.0.1'), 1);
});

test('a bucket check that frees a place admits the waiting newcomer only within its netgroup bound', async (t) => {
  const table = setup(false); // the oldest entry of a full bucket does not answer its check
  for (let i = 0; i < K_BUCKET_SIZE - 2; i++) table.verified(idIn(255, i), KEY, at(`${20 + i}.1.1.1`), FOUND);
  table.verified(idIn(255, 50), KEY, at('5.6.0.1'), FOUND);
  table.verified(idIn(255, 51), KEY, at('5.6.0.2'), FOUND);
  t.is(table.bucket(255).length, K_BUCKET_SIZE);
  table.verified(idIn(255, 52), KEY, at('5.6.0.3'), FOUND); // full bucket and its netgroup at the bound
  await new Promise((r) => setImmediate(r));
  t.is(table.get(idIn(255, 52)), undefined);
  t.is(table.entriesInNetgroup('5.6.0.1'), 2);
});

test('loopback and private addresses are not limited (a LAN, a test network, many nodes behind one address)', (t) => {
  const table = setup();
  for (let i = 0; i < K_BUCKET_SIZE; i++) table.verified(idIn(255, i), KEY, { ip: '127.0.0.1', udpPort: 20_000 + i, tcpPort: 0 }, INBOUND);
  for (let i = 0; i < K_BUCKET_SIZE; i++) table.verified(idIn(254, i), KEY, at(`192.168.1.${i + 1}`), FOUND);
  t.is(table.size, 2 * K_BUCKET_SIZE);
  t.is(table.entriesInNetgroup('127.0.0.1'), 0);
});
