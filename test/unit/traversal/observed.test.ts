import test from 'ava';
import fc from 'fast-check';
import { DEFAULT_MAX_OBSERVERS, DEFAULT_OBSERVATION_TTL_MS } from '../../../src/p2p/traversal/constants.js';
import { type Observation, ObservedAddressBook, type PortPreservation } from '../../../src/p2p/traversal/observed.js';

/** A book with its own hand-moved clock. */
function setup(options: { maxObservers?: number; ttlMs?: number; classify?: (ip: string) => 'loopback' | 'private' | 'public' } = {}) {
  const clock = { now: 1_000_000 };
  const book = new ObservedAddressBook({ ...options, now: () => clock.now });
  return { clock, book };
}

/** What a peer reports on a TCP connection we dialled (localPort known) or accepted (undefined). */
function tcp(observerId: string, observerIp: string, ip: string, port = 9000, localPort: number | 'inbound' = port): Observation {
  return { observerId, observerIp, ip, port, localPort: localPort === 'inbound' ? undefined : localPort, transport: 'tcp' };
}

function udp(observerId: string, observerIp: string, ip: string, port: number, localPort = 9000): Observation {
  return { observerId, observerIp, ip, port, localPort, transport: 'udp' };
}

const id = (n: number): string => n.toString(16).padStart(64, '0');

test('no observation: no candidate, and the reason says so', (t) => {
  const { book } = setup();
  const s = book.state();
  t.is(s.ip, undefined);
  t.false(s.confirmed);
  t.is(s.observers, 0);
  t.is(s.reason, 'no peer has told us our address yet');
});

test('one observer is not enough: "only 1 peer has seen …; 2 must agree"', (t) => {
  const { book } = setup();
  book.add(tcp(id(1), '8.8.8.8', '7.7.7.2'));
  book.add(tcp(id(1), '8.8.8.8', '7.7.7.2')); // the same observer again counts once
  const s = book.state();
  t.is(s.ip, '7.7.7.2');
  t.false(s.confirmed);
  t.is(s.agreeingPeers, 1);
  t.is(s.reason, 'only 1 peer has seen 7.7.7.2; 2 must agree');
});

test('one host with 10 node ids on one public IP is one vote; a second host in another /16 confirms', (t) => {
  const { book } = setup();
  for (let i = 0; i < 10; i++) book.add(tcp(id(i), '8.8.8.8', '7.7.7.2'));
  let s = book.state();
  t.log(`10 node ids on 8.8.8.8: agreeingPeers ${s.agreeingPeers}, observers ${s.observers}, confirmed ${s.confirmed}`);
  t.is(s.agreeingPeers, 1);
  t.is(s.observers, 1);
  t.false(s.confirmed);
  book.add(tcp(id(100), '9.9.9.9', '7.7.7.2'));
  s = book.state();
  t.true(s.confirmed);
  t.is(s.agreeingPeers, 2);
  t.is(s.agreeingGroups, 2);
  t.is(s.reason, '2 peers in 2 networks agree on 7.7.7.2');
});

test('TCP and UDP reports of one observer are one vote', (t) => {
  const { book } = setup();
  book.add(tcp(id(1), '8.8.8.8', '7.7.7.2'));
  book.add(udp(id(1), '8.8.8.8', '7.7.7.2', 9000));
  const s = book.state();
  t.is(s.agreeingPeers, 1);
  t.false(s.confirmed);
});

test('two loopback observers with different ids confirm (a local test network shares one address)', (t) => {
  const { book } = setup();
  book.add(tcp(id(1), '127.0.0.1', '127.0.0.1'));
  t.false(book.state().confirmed);
  book.add(tcp(id(2), '127.0.0.1', '127.0.0.1'));
  const s = book.state();
  t.true(s.confirmed);
  t.is(s.agreeingPeers, 2);
  t.is(s.agreeingGroups, 1);
  t.is(s.reason, '2 peers in 1 network agree on 127.0.0.1');
});

test('private (LAN) observers count by node id too; the same id twice is still one', (t) => {
  const { book } = setup();
  book.add(tcp(id(1), '192.168.1.10', '192.168.1.2'));
  book.add(tcp(id(1), '192.168.1.11', '192.168.1.2'));
  t.false(book.state().confirmed);
  book.add(tcp(id(2), '192.168.1.10', '192.168.1.2'));
  t.true(book.state().confirmed);
});

test('the classifier is injectable: 127.0.0.x called public counts by IP', (t) => {
  const { book } = setup({ classify: () => 'public' });
  book.add(tcp(id(1), '127.0.0.2', '127.0.0.9'));
  book.add(tcp(id(2), '127.0.0.2', '127.0.0.9'));
  t.is(book.state().agreeingPeers, 1, 'two ids on one "public" IP');
  book.add(tcp(id(3), '127.1.0.3', '127.0.0.9'));
  const s = book.state();
  t.is(s.agreeingPeers, 2);
  t.is(s.agreeingGroups, 2);
  t.true(s.confirmed);
});

test('observers span 2 /16s but the agreeing pair sits in one: not confirmed until another /16 agrees', (t) => {
  const { book } = setup();
  book.add(tcp(id(1), '8.8.1.1', '7.7.7.2'));
  book.add(tcp(id(2), '8.8.2.2', '7.7.7.2'));
  book.add(tcp(id(3), '9.9.9.9', '7.7.7.3'));
  let s = book.state();
  t.log(s.reason);
  t.is(s.ip, '7.7.7.2');
  t.is(s.agreeingPeers, 2);
  t.is(s.agreeingGroups, 1);
  t.is(s.disagreeingPeers, 1);
  t.false(s.confirmed);
  t.regex(s.reason, /^2 peers agree on 7\.7\.7\.2 but all from one network \(8\.8\.0\.0\/16\).*peers in 2 networks must agree$/);
  book.add(tcp(id(4), '10.0.0.1', '7.7.7.2')); // a LAN peer: its own group
  s = book.state();
  t.true(s.confirmed);
  t.is(s.agreeingGroups, 2);
});

test('all observers in one /16: two agreeing ones confirm (distinct /16s only where possible)', (t) => {
  const { book } = setup();
  book.add(tcp(id(1), '8.8.1.1', '7.7.7.2'));
  book.add(tcp(id(2), '8.8.2.2', '7.7.7.2'));
  const s = book.state();
  t.true(s.confirmed);
  t.is(s.agreeingGroups, 1);
});

test('a lying minority does not win, however recent and however many node ids it shows', (t) => {
  const { book } = setup();
  book.add(tcp(id(1), '8.8.8.8', '7.7.7.2'));
  book.add(tcp(id(2), '9.9.9.9', '7.7.7.2'));
  book.add(tcp(id(3), '11.11.11.11', '7.7.7.2'));
  for (let i = 10; i < 30; i++) book.add(tcp(id(i), '66.66.66.66', '6.6.6.6'));
  const s = book.state();
  t.log(s.reason);
  t.is(s.ip, '7.7.7.2');
  t.true(s.confirmed);
  t.is(s.agreeingPeers, 3);
  t.is(s.disagreeingPeers, 1);
  t.is(s.reason, '3 peers in 3 networks agree on 7.7.7.2; 1 other peer saw another address');
});

test('more liars in one /16 lose to fewer honest peers in more /16s (groups first, then peers)', (t) => {
  const { book } = setup();
  book.add(tcp(id(1), '8.8.8.8', '7.7.7.2'));
  book.add(tcp(id(2), '9.9.9.9', '7.7.7.2'));
  for (let i = 1; i <= 3; i++) book.add(tcp(id(10 + i), `66.66.0.${i}`, '6.6.6.6'));
  const s = book.state();
  t.is(s.ip, '7.7.7.2');
  t.is(s.agreeingPeers, 2);
  t.is(s.disagreeingPeers, 3);
  t.true(s.confirmed);
});

test('ties go to the most recent report; an observer\'s new report replaces its old one', (t) => {
  const { book } = setup();
  book.add(tcp(id(1), '8.8.8.8', '7.7.7.2'));
  book.add(tcp(id(2), '9.9.9.9', '7.7.7.3'));
  t.is(book.state().ip, '7.7.7.3');
  book.add(tcp(id(1), '8.8.8.8', '7.7.7.2'));
  t.is(book.state().ip, '7.7.7.2');
  book.add(tcp(id(1), '8.8.8.8', '7.7.7.3')); // our address changed: observer 1 now agrees with 2
  const s = book.state();
  t.is(s.ip, '7.7.7.3');
  t.is(s.agreeingPeers, 2);
  t.is(s.disagreeingPeers, 0);
  t.true(s.confirmed);
});

test('port preservation: --random-fully-like samples (every port changed) → no', (t) => {
  const { book } = setup();
  for (let i = 0; i < 4; i++) book.add(tcp(id(i), `8.${i}.8.8`, '7.7.7.2', 40_000 + i, 50_000 + i));
  const s = book.state();
  t.log(`samples ${JSON.stringify(s.portSamples)} → ${s.portPreservation}`);
  t.deepEqual(s.portSamples, { preserved: 0, changed: 4 });
  t.is(s.portPreservation, 'no');
});

test('port preservation: every outbound port kept → yes; one sample is not enough', (t) => {
  const { book } = setup();
  book.add(tcp(id(1), '8.8.8.8', '7.7.7.2', 50_001, 50_001));
  t.is(book.state().portPreservation, 'unknown');
  book.add(tcp(id(2), '9.9.9.9', '7.7.7.2', 50_002, 50_002));
  const s = book.state();
  t.deepEqual(s.portSamples, { preserved: 2, changed: 0 });
  t.is(s.portPreservation, 'yes');
});

test('port preservation: mixed samples (75 % kept → yes; below that → unknown until 2 changed outnumber the kept)', (t) => {
  const cases: Array<{ preserved: number; changed: number; want: PortPreservation }> = [
    { preserved: 3, changed: 1, want: 'yes' },
    { preserved: 2, changed: 1, want: 'unknown' },
    { preserved: 2, changed: 2, want: 'unknown' },
    { preserved: 1, changed: 2, want: 'no' },
    { preserved: 0, changed: 1, want: 'unknown' },
    { preserved: 6, changed: 2, want: 'yes' },
  ];
  for (const c of cases) {
    const { book } = setup();
    let n = 0;
    for (let i = 0; i < c.preserved; i++, n++) book.add(tcp(id(n), `8.${n}.0.1`, '7.7.7.2', 50_000 + n, 50_000 + n));
    for (let i = 0; i < c.changed; i++, n++) book.add(tcp(id(n), `8.${n}.0.1`, '7.7.7.2', 60_000 + n, 50_000 + n));
    const s = book.state();
    t.deepEqual(s.portSamples, { preserved: c.preserved, changed: c.changed });
    t.is(s.portPreservation, c.want, `${c.preserved} kept, ${c.changed} changed`);
    t.log(`${c.preserved} kept, ${c.changed} changed → ${s.portPreservation}`);
  }
});

test('port samples: inbound TCP says nothing, other IPs do not count, one host is one sample', (t) => {
  const { book } = setup();
  book.add(tcp(id(1), '8.8.8.8', '7.7.7.2', 40_000, 'inbound'));
  book.add(tcp(id(2), '9.9.9.9', '7.7.7.2', 40_001, 'inbound'));
  t.deepEqual(book.state().portSamples, { preserved: 0, changed: 0 });
  for (let i = 10; i < 15; i++) book.add(tcp(id(i), '66.66.66.66', '6.6.6.6', 40_000 + i, 50_000 + i)); // liar, other IP
  for (let i = 20; i < 25; i++) book.add(tcp(id(i), '11.11.11.11', '7.7.7.2', 40_000 + i, 50_000 + i)); // one host, 5 ids
  const s = book.state();
  t.is(s.ip, '7.7.7.2');
  t.deepEqual(s.portSamples, { preserved: 0, changed: 1 });
  t.is(s.portPreservation, 'unknown');
});

test('UDP: the same local port seen as two external ports by two observers → no (symmetric NAT)', (t) => {
  const { book } = setup();
  book.add(udp(id(1), '8.8.8.8', '7.7.7.2', 9000));
  book.add(udp(id(2), '9.9.9.9', '7.7.7.2', 9000));
  let s = book.state();
  t.is(s.udpPortPreservation, 'yes');
  t.is(s.portPreservation, 'unknown', 'UDP samples do not decide the TCP verdict');
  book.add(udp(id(3), '11.11.11.11', '7.7.7.2', 41_234));
  s = book.state();
  t.is(s.udpPortPreservation, 'no');
  t.log(`UDP 9000 seen as 9000, 9000, 41234 → ${s.udpPortPreservation}`);

  const other = setup().book; // 1 kept + 1 changed would be 'unknown' by counts alone
  other.add(udp(id(1), '8.8.8.8', '7.7.7.2', 9000));
  other.add(udp(id(2), '9.9.9.9', '7.7.7.2', 9001));
  t.is(other.state().udpPortPreservation, 'no');

  const steady = setup().book; // one NAT mapping for every destination, just not our port
  steady.add(udp(id(1), '8.8.8.8', '7.7.7.2', 30_000));
  steady.add(udp(id(2), '9.9.9.9', '7.7.7.2', 30_000));
  t.is(steady.state().udpPortPreservation, 'no');

  const oneHost = setup().book; // a host with two ids cannot fake a per-destination mapping
  oneHost.add(udp(id(1), '8.8.8.8', '7.7.7.2', 9000));
  oneHost.add(udp(id(2), '8.8.8.8', '7.7.7.2', 9001));
  t.is(oneHost.state().udpPortPreservation, 'unknown');
});

test('TTL: an observation drops out when it is ttlMs old (default 1 h)', (t) => {
  const { clock, book } = setup();
  t.is(DEFAULT_OBSERVATION_TTL_MS, 60 * 60 * 1000);
  book.add(tcp(id(1), '8.8.8.8', '7.7.7.2'));
  clock.now += 30 * 60 * 1000;
  book.add(tcp(id(2), '9.9.9.9', '7.7.7.2'));
  t.true(book.state().confirmed);
  clock.now += 30 * 60 * 1000 - 1;
  t.is(book.state().observers, 2, 'one ms short of the TTL');
  clock.now += 1;
  const s = book.state();
  t.is(s.observers, 1);
  t.false(s.confirmed);
  clock.now += 30 * 60 * 1000;
  t.is(book.state().ip, undefined);
});

test('TTL is an option; a renewed report lives on', (t) => {
  const { clock, book } = setup({ ttlMs: 1_000 });
  book.add(tcp(id(1), '8.8.8.8', '7.7.7.2'));
  book.add(tcp(id(2), '9.9.9.9', '7.7.7.2'));
  clock.now += 900;
  book.add(tcp(id(1), '8.8.8.8', '7.7.7.2'));
  clock.now += 200;
  const s = book.state();
  t.is(s.observers, 1);
  t.is(s.agreeingPeers, 1);
});

test('bound: at maxObservers the oldest observation is evicted', (t) => {
  const { book } = setup({ maxObservers: 3 });
  book.add(tcp(id(1), '8.8.8.8', '6.6.6.6')); // oldest, evicted first
  book.add(tcp(id(2), '9.9.9.9', '7.7.7.2'));
  book.add(tcp(id(3), '11.11.11.11', '7.7.7.2'));
  t.is(book.state().disagreeingPeers, 1);
  book.add(tcp(id(2), '9.9.9.9', '7.7.7.2')); // refreshed: now the youngest
  book.add(tcp(id(4), '12.12.12.12', '7.7.7.2'));
  let s = book.state();
  t.is(s.observers, 3);
  t.is(s.disagreeingPeers, 0, 'the oldest (the 6.6.6.6 report) went');
  book.add(tcp(id(5), '13.13.13.13', '7.7.7.2')); // evicts id 3 (oldest now), not the refreshed id 2
  s = book.state();
  t.is(s.observers, 3);
  t.is(s.agreeingPeers, 3);
});

test('bound: the default keeps 64 observations against a flood of node ids', (t) => {
  const { book } = setup();
  t.is(DEFAULT_MAX_OBSERVERS, 64);
  for (let i = 0; i < 1_000; i++) book.add(tcp(id(i), '127.0.0.1', '127.0.0.1'));
  const s = book.state();
  t.log(`1000 loopback ids reported: ${s.observers} kept`);
  t.is(s.observers, 64);
  t.is(s.agreeingPeers, 64);
});

test('bound: TCP port samples survive 500 UDP pongs from distinct public observers (each transport is capped apart)', (t) => {
  const { book } = setup();
  book.add(tcp(id(1), '8.8.8.8', '7.7.7.2', 50_001, 50_001));
  book.add(tcp(id(2), '9.9.9.9', '7.7.7.2', 50_002, 50_002));
  t.is(book.state().portPreservation, 'yes');
  for (let i = 0; i < 500; i++) book.add(udp(id(1_000 + i), `20.${i >> 8}.${i & 0xff}.1`, '7.7.7.2', 9000));
  const s = book.state();
  const counts = book.entryCounts();
  t.log(`after 500 UDP observers: entries tcp ${counts.tcp}, udp ${counts.udp}; TCP samples ${JSON.stringify(s.portSamples)} → ${s.portPreservation}; UDP → ${s.udpPortPreservation}`);
  t.deepEqual(counts, { tcp: 2, udp: DEFAULT_MAX_OBSERVERS });
  t.deepEqual(s.portSamples, { preserved: 2, changed: 0 });
  t.is(s.portPreservation, 'yes');
  t.is(s.udpPortPreservation, 'yes');
});

test('bound: one public IP with 1,000 node ids is one entry per transport and flushes no one', (t) => {
  const { book } = setup();
  for (const [n, ip] of [[1, '8.8.8.8'], [2, '9.9.9.9'], [3, '11.11.11.11']] as const) {
    book.add(tcp(id(n), ip, '7.7.7.2', 50_000 + n, 50_000 + n));
    book.add(udp(id(n), ip, '7.7.7.2', 9000));
  }
  for (let i = 0; i < 1_000; i++) {
    book.add(tcp(id(100 + i), '66.66.66.66', '6.6.6.6', 40_000 + i, 50_000 + i));
    book.add(udp(id(100 + i), '66.66.66.66', '6.6.6.6', 40_000 + i));
  }
  const s = book.state();
  const counts = book.entryCounts();
  t.log(`3 honest hosts + 1,000 ids on 66.66.66.66 (TCP and UDP each): entries tcp ${counts.tcp}, udp ${counts.udp}; observers ${s.observers}, agreeing ${s.agreeingPeers} on ${s.ip}; TCP ${s.portPreservation}`);
  t.deepEqual(counts, { tcp: 4, udp: 4 });
  t.is(s.observers, 4);
  t.is(s.ip, '7.7.7.2');
  t.is(s.agreeingPeers, 3);
  t.is(s.disagreeingPeers, 1);
  t.true(s.confirmed);
  t.deepEqual(s.portSamples, { preserved: 3, changed: 0 });
  t.is(s.portPreservation, 'yes');
});

test('malformed observations are ignored; IPv4-mapped IPv6 is the same address as IPv4', (t) => {
  const { book } = setup();
  const bad: Observation[] = [
    tcp(id(1), '8.8.8.8', 'not-an-ip'),
    tcp(id(2), '8.8.8.8', '7.7.7.2', 0),
    tcp(id(3), '8.8.8.8', '7.7.7.2', 70_000),
    tcp(id(4), '8.8.8.8', '7.7.7.2', 1.5),
    tcp(id(5), 'bogus', '7.7.7.2'),
    tcp('', '8.8.8.8', '7.7.7.2'),
    { ...tcp(id(7), '8.8.8.8', '7.7.7.2'), transport: 'sctp' as 'tcp' },
  ];
  for (const obs of bad) book.add(obs);
  t.is(book.state().observers, 0);
  book.add(tcp(id(8), '8.8.8.8', '::ffff:7.7.7.2'));
  book.add(tcp(id(9), '::ffff:9.9.9.9', '7.7.7.2'));
  const s = book.state();
  t.is(s.ip, '7.7.7.2');
  t.true(s.confirmed);
  book.add(tcp(id(10), '11.11.11.11', '7.7.7.2', 9000, 0)); // a bad local port: no sample, still a vote
  t.is(book.state().agreeingPeers, 3);
});

test('IPv6 observers group by /32', (t) => {
  const { book } = setup();
  book.add(tcp(id(1), '2001:db8:1::1', '2001:db8:ff::2'));
  book.add(tcp(id(2), '2001:db8:2::1', '2001:db8:ff::2'));
  book.add(tcp(id(3), '2a00:1::1', '2001:db8:ff::9'));
  const s = book.state();
  t.is(s.agreeingGroups, 1);
  t.false(s.confirmed);
});

test('clear() forgets everything', (t) => {
  const { book } = setup();
  book.add(tcp(id(1), '8.8.8.8', '7.7.7.2'));
  book.add(tcp(id(2), '9.9.9.9', '7.7.7.2'));
  book.clear();
  t.is(book.state().ip, undefined);
});

test('bad options are refused', (t) => {
  t.throws(() => new ObservedAddressBook({ maxObservers: 0 }), { instanceOf: RangeError });
  t.throws(() => new ObservedAddressBook({ ttlMs: 0 }), { instanceOf: RangeError });
});

const ipArb = fc.oneof(
  fc.constantFrom('127.0.0.1', '192.168.1.2', '10.0.0.1', '7.7.7.2', '::ffff:7.7.7.2', '2001:db8::1', 'x', '', '300.1.1.1'),
  fc.ipV4(),
  fc.ipV6(),
);
const portArb = fc.oneof(fc.integer({ min: -2, max: 70_000 }), fc.constantFrom(9000, 0, Number.NaN));
const opArb = fc.oneof(
  fc.record({
    kind: fc.constant('add' as const),
    obs: fc.record({
      observerId: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', ''),
      observerIp: ipArb,
      ip: ipArb,
      port: portArb,
      localPort: fc.option(portArb, { nil: undefined }),
      transport: fc.constantFrom('tcp' as const, 'udp' as const),
    }),
  }),
  fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 2_000 }) }),
  fc.record({ kind: fc.constant('clear' as const) }),
);

test('property: state() never throws and its counts stay within bounds for any sequence of observations', (t) => {
  let runs = 0;
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 60 }), fc.integer({ min: 1, max: 8 }), (ops, maxObservers) => {
      runs++;
      const { clock, book } = setup({ maxObservers, ttlMs: 5_000 });
      for (const op of ops) {
        if (op.kind === 'add') book.add(op.obs);
        else if (op.kind === 'tick') clock.now += op.ms;
        else book.clear();
        const s = book.state();
        const ok =
          s.observers <= 2 * maxObservers && // each transport's table holds maxObservers voters
          book.entryCounts().tcp <= maxObservers &&
          book.entryCounts().udp <= maxObservers &&
          s.agreeingPeers <= s.observers &&
          s.agreeingPeers + s.disagreeingPeers === s.observers &&
          s.agreeingGroups <= s.agreeingPeers &&
          s.portSamples.preserved + s.portSamples.changed <= s.agreeingPeers &&
          (!s.confirmed || s.agreeingPeers >= 2) &&
          (s.ip === undefined) === (s.observers === 0) &&
          (s.portPreservation !== 'yes' || s.portSamples.preserved + s.portSamples.changed >= 2) &&
          s.reason.length > 0;
        if (!ok) throw new Error(`bad state ${JSON.stringify(s)}`);
      }
    }),
    { numRuns: 300 },
  );
  t.log(`${runs} random sequences checked`);
  t.true(runs >= 300);
});

test("an inbound observation does not replace the same voter's outbound sample (two nodes behind one public IP are one voter)", (t) => {
  const { book } = setup();
  book.add(tcp(id(1), '8.8.8.8', '7.7.7.2', 50_001, 50_001));
  book.add(tcp(id(2), '9.9.9.9', '7.7.7.2', 50_002, 50_002));
  book.add(tcp(id(3), '8.8.8.8', '7.7.7.2', 9000, 'inbound')); // another node at 8.8.8.8 dialled us
  const s = book.state();
  t.deepEqual(s.portSamples, { preserved: 2, changed: 0 });
  t.is(s.portPreservation, 'yes');
});
