import { createHash } from 'node:crypto';
import test from 'ava';
import { PortAnnouncer } from '../../../../src/p2p/discovery/announce.js';
import { MAX_ANNOUNCE_TARGETS } from '../../../../src/p2p/discovery/constants.js';
import type { TableEntry } from '../../../../src/p2p/discovery/table-entry.js';
import { retainedBytesPerItem } from '../../../helpers/heap.js';

const id = (n: number): Buffer => Buffer.alloc(32, n);
const entry = (n: number, udpPort: number): TableEntry => ({ id: id(n), nodeId: id(n), publicKey: Buffer.alloc(33, n), endpoint: { ip: '7.7.7.7', udpPort, tcpPort: 8333 }, lastSeenMs: 0, failures: 0, origin: 'found' });

test(`the addresses our pings reached are remembered up to MAX_ANNOUNCE_TARGETS (${MAX_ANNOUNCE_TARGETS}), the oldest forgotten first`, (t) => {
  const announcer = new PortAnnouncer();
  for (let i = 0; i < MAX_ANNOUNCE_TARGETS + 100; i++) announcer.pinging({ ip: '8.8.8.8', port: 1_000 + i }, undefined);
  t.is(announcer.size, MAX_ANNOUNCE_TARGETS);
  const ports = announcer.targets([]).map((target) => target.remote.port);
  t.false(ports.includes(1_000), 'the oldest is gone');
  t.true(ports.includes(1_000 + MAX_ANNOUNCE_TARGETS + 99), 'the newest is kept');
});

test('targets: every table entry and every address pinged lately, one per address; a table entry is pinged as itself (its port hint and introduction)', (t) => {
  const announcer = new PortAnnouncer();
  announcer.pinging({ ip: '7.7.7.7', port: 9000 }, id(1)); // also in the table
  announcer.pinging({ ip: '9.9.9.9', port: 9001 }, id(2)); // bonded in a lookup, not in the table
  announcer.pinging({ ip: '9.9.9.9', port: 9001 }, id(2)); // pinged again: still one target
  const targets = announcer.targets([entry(1, 9000), entry(3, 9002)]);
  t.is(targets.length, 3);
  const inTable = targets.find((x) => x.remote.port === 9000);
  t.is(inTable?.entry?.nodeId.equals(id(1)), true);
  t.is(inTable?.tcpHint, 8333);
  const pingedOnly = targets.find((x) => x.remote.port === 9001);
  t.is(pingedOnly?.entry, undefined);
  t.is(pingedOnly?.id?.equals(id(2)), true);
});

test(`targets: the table's entries come first, then the addresses pinged lately, newest first — the announcement sends at most MAX_PENDING_PINGS, and ${MAX_ANNOUNCE_TARGETS} pings to strangers must not push the table's entries past it`, (t) => {
  const announcer = new PortAnnouncer();
  for (let i = 0; i < MAX_ANNOUNCE_TARGETS; i++) announcer.pinging({ ip: '6.6.6.6', port: 1_000 + i }, undefined); // ping-backs to fresh keys
  const table = [entry(1, 9000), entry(3, 9002)];
  const targets = announcer.targets(table);
  t.is(targets.length, MAX_ANNOUNCE_TARGETS + table.length);
  t.log(`first targets: ${targets.slice(0, 4).map((x) => `${x.remote.ip}:${x.remote.port}`).join(', ')}`);
  t.deepEqual(targets.slice(0, 2).map((x) => x.remote.port), [9000, 9002], 'the table first (the old order put them last, past the pending-ping cap)');
  t.is(targets[2]?.remote.port, 1_000 + MAX_ANNOUNCE_TARGETS - 1, 'then the newest address pinged');
  t.is(targets.at(-1)?.remote.port, 1_000, 'the oldest last');
});

test('a remembered target costs its two strings (address, id), not a record holding the 32-byte id Buffer: < 250 bytes each (was ~330)', (t) => {
  const announcers = Array.from({ length: 20 }, () => new PortAnnouncer());
  const ips = Array.from({ length: MAX_ANNOUNCE_TARGETS }, (_, i) => `203.0.${i >> 8}.${i & 255}`);
  const perTarget = retainedBytesPerItem(announcers.length * MAX_ANNOUNCE_TARGETS, () => {
    for (const [n, announcer] of announcers.entries()) {
      // Fresh digests, as the lookups' candidate ids are: nothing else keeps them.
      for (const [i, ip] of ips.entries()) announcer.pinging({ ip, port: 30_000 + n }, createHash('sha256').update(`${n}/${i}`).digest());
    }
    return announcers;
  });
  t.log(`${perTarget.toFixed(0)} heap bytes per target`);
  t.true(perTarget < 250);
  const target = announcers[3]!.targets([]).find((x) => x.remote.ip === ips[7]);
  t.deepEqual(target?.remote, { ip: ips[7], port: 30_003 }, 'the address comes back from its key');
  t.true(target?.id?.equals(createHash('sha256').update('3/7').digest()), 'and the id from its string');
});

test('targets: an IPv6 address and an address pinged without an id come back whole', (t) => {
  const announcer = new PortAnnouncer();
  announcer.pinging({ ip: '2001:db8::7', port: 30_303 }, id(9));
  announcer.pinging({ ip: '9.9.9.9', port: 1 }, undefined);
  const [noId, v6] = announcer.targets([]);
  t.deepEqual(v6?.remote, { ip: '2001:db8::7', port: 30_303 });
  t.true(v6?.id?.equals(id(9)));
  t.deepEqual(noId?.remote, { ip: '9.9.9.9', port: 1 });
  t.is(noId?.id, undefined);
});
