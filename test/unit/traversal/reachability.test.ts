import test from 'ava';
import fc from 'fast-check';
import {
  DEFAULT_DIAL_BACK_RECHECK_INTERVAL_MS,
  DEFAULT_DIAL_BACK_RESULT_TTL_MS,
  DEFAULT_MAX_DIAL_BACK_RESULTS,
  DIAL_BACK_RETRY_UNANSWERED_MS,
} from '../../../src/p2p/traversal/constants.js';
import type { ObservedAddressState, PortPreservation } from '../../../src/p2p/traversal/observed.js';
import { type CheckOutcome, ReachabilityTracker } from '../../../src/p2p/traversal/reachability.js';

const MIN = 60 * 1000;

function setup(options: { resultTtlMs?: number; recheckIntervalMs?: number; maxResults?: number } = {}) {
  const clock = { now: 5_000_000 };
  const tracker = new ReachabilityTracker({ ...options, now: () => clock.now });
  return { clock, tracker };
}

/** What the observed-address book would say; only ip and portPreservation matter here. */
function observed(portPreservation: PortPreservation = 'unknown', ipOrNone: string | 'none' = '7.7.7.2'): ObservedAddressState {
  const ip = ipOrNone === 'none' ? undefined : ipOrNone;
  return {
    ip, confirmed: ip !== undefined, agreeingPeers: 2, agreeingGroups: 2, disagreeingPeers: 0, portPreservation,
    portSamples: { preserved: 0, changed: 0 }, udpPortPreservation: 'unknown', observers: 2, reason: 'test',
  };
}

const input = (portPreservation: PortPreservation = 'unknown', mapped = false) => ({ observed: observed(portPreservation), mapped });
const id = (n: number): string => n.toString(16).padStart(64, '0');
const result = (n: number, peerIp: string, outcome: CheckOutcome, port = 9000) => ({ peerId: id(n), peerIp, port, outcome });

test('no result: unknown, and the reason says nobody has tried', (t) => {
  const { tracker } = setup();
  const s = tracker.state(input());
  t.is(s.status, 'unknown');
  t.is(s.reason, 'no peer has tried to dial us back yet');
  t.is(s.lastCheckAtMs, undefined);
  t.is(s.port, undefined);
});

test('1 failure → unknown with a reason saying what is missing', (t) => {
  const { tracker, clock } = setup();
  tracker.record(result(1, '8.8.8.8', 'failed'));
  const s = tracker.state(input('yes'));
  t.log(s.reason);
  t.is(s.status, 'unknown');
  t.is(s.failures, 1);
  t.is(s.reason, 'only 1 peer has tried to dial us back; 2 must fail');
  t.is(s.lastCheckAtMs, clock.now);
  t.is(s.port, 9000);
});

test('2 failures from one public host (two node ids) are one peer\'s word', (t) => {
  const { tracker } = setup();
  tracker.record(result(1, '8.8.8.8', 'failed'));
  tracker.record(result(2, '8.8.8.8', 'failed'));
  const s = tracker.state(input('yes'));
  t.is(s.failures, 1);
  t.is(s.status, 'unknown');
});

test('2 failures from two public hosts of one /16 are one network\'s word: a few addresses of one network cannot hide us', (t) => {
  const { tracker } = setup();
  tracker.record(result(1, '8.8.8.8', 'failed'));
  tracker.record(result(2, '8.8.9.9', 'failed'));
  t.is(tracker.state(input('yes')).status, 'unknown', 'one /16');
  tracker.record(result(3, '9.9.9.9', 'failed'));
  const s = tracker.state(input('yes'));
  t.is(s.failures, 2);
  t.is(s.status, 'behind-nat-port-preserving', 'a second network agrees');
});

test('2 failures + a port-preserving NAT → behind-nat-port-preserving (loopback peers count by id on a loopback network)', (t) => {
  const { tracker } = setup();
  tracker.record(result(1, '127.0.0.1', 'failed'));
  tracker.record(result(2, '127.0.0.1', 'failed'));
  const s = tracker.state({ observed: observed('yes', '127.0.0.1'), mapped: false });
  t.log(s.reason);
  t.is(s.status, 'behind-nat-port-preserving');
  t.is(s.failures, 2);
  t.is(s.reason, '2 peers could not dial 127.0.0.1:9000 and the NAT keeps port numbers: hole punching can work');
});

test('seen at a public address, failures from loopback or LAN peers (any number of node ids) do not hide us; public ones in two networks do', (t) => {
  const { tracker } = setup();
  // Two ids on our LAN, and two in our carrier's 100.64/10: before, each id was one vote.
  tracker.record(result(1, '192.168.1.20', 'failed'));
  tracker.record(result(2, '192.168.1.21', 'failed'));
  tracker.record(result(3, '100.64.0.9', 'failed'));
  tracker.record(result(4, '127.0.0.1', 'failed'));
  const s = tracker.state(input('yes'));
  t.log(`seen at 7.7.7.2, 4 LAN failures: ${s.status} (${s.reason})`);
  t.is(s.failures, 0);
  t.is(s.status, 'unknown');
  t.is(tracker.state({ observed: observed('yes', '192.168.1.10'), mapped: false }).status, 'behind-nat-port-preserving', 'a LAN-only network: they count');
  tracker.record(result(5, '8.8.8.8', 'failed'));
  tracker.record(result(6, '9.9.9.9', 'failed'));
  t.is(tracker.state(input('yes')).status, 'behind-nat-port-preserving', 'public peers in two networks decide');
});

test('2 failures and ports that change or are not known → behind-nat-symmetric, the reason says which', (t) => {
  const { tracker } = setup();
  tracker.record(result(1, '8.8.8.8', 'failed'));
  tracker.record(result(2, '9.9.9.9', 'failed'));
  const no = tracker.state(input('no'));
  t.is(no.status, 'behind-nat-symmetric');
  t.regex(no.reason, /^2 peers could not dial 7\.7\.7\.2:9000 and the NAT changes port numbers/);
  const unknown = tracker.state(input('unknown'));
  t.is(unknown.status, 'behind-nat-symmetric');
  t.regex(unknown.reason, /not known yet/);
  t.log(no.reason);
  t.log(unknown.reason);
});

test('one success is proof: public, or mapped when a port mapping is live', (t) => {
  const { tracker } = setup();
  tracker.record(result(1, '8.8.8.8', 'reached'));
  const pub = tracker.state(input());
  t.is(pub.status, 'public');
  t.is(pub.successes, 1);
  t.is(pub.reason, '1 peer reached us at 7.7.7.2:9000 directly');
  const mapped = tracker.state(input('unknown', true));
  t.is(mapped.status, 'mapped');
  t.regex(mapped.reason, /port mapping/);
});

test('a success beats any number of failures', (t) => {
  const { tracker } = setup();
  for (let i = 1; i <= 5; i++) tracker.record(result(i, `8.${i}.8.8`, 'failed'));
  tracker.record(result(9, '9.9.9.9', 'reached'));
  const s = tracker.state(input('yes'));
  t.log(s.reason);
  t.is(s.status, 'public');
  t.is(s.successes, 1);
  t.is(s.failures, 5);
});

test('a success expires after the result TTL (default 30 min); failures recorded since then decide', (t) => {
  const { tracker, clock } = setup();
  t.is(DEFAULT_DIAL_BACK_RESULT_TTL_MS, 30 * MIN);
  tracker.record(result(1, '8.8.8.8', 'reached'));
  clock.now += 10 * MIN;
  tracker.record(result(2, '9.9.9.9', 'failed'));
  tracker.record(result(3, '11.11.11.11', 'failed'));
  clock.now += 20 * MIN - 1;
  t.is(tracker.state(input('yes')).status, 'public', 'one ms before the TTL');
  clock.now += 1;
  const s = tracker.state(input('yes'));
  t.is(s.successes, 0);
  t.is(s.status, 'behind-nat-port-preserving');
  clock.now += 10 * MIN;
  t.is(tracker.state(input('yes')).status, 'unknown', 'the failures expire too');
});

test('refused and no-answer count as neither', (t) => {
  const { tracker } = setup();
  tracker.record(result(1, '8.8.8.8', 'refused'));
  tracker.record(result(2, '9.9.9.9', 'no-answer'));
  tracker.record(result(3, '11.11.11.11', 'no-answer'));
  let s = tracker.state(input('yes'));
  t.is(s.status, 'unknown');
  t.is(s.successes + s.failures, 0);
  tracker.record(result(4, '12.12.12.12', 'failed'));
  tracker.record(result(4, '12.12.12.12', 'refused')); // does not erase that peer's failure
  s = tracker.state(input('yes'));
  t.is(s.failures, 1);
});

test('a peer\'s latest result replaces its earlier one', (t) => {
  const { tracker } = setup();
  tracker.record(result(1, '8.8.8.8', 'reached'));
  tracker.record(result(1, '8.8.8.8', 'failed'));
  tracker.record(result(2, '9.9.9.9', 'failed'));
  const s = tracker.state(input('yes'));
  t.is(s.successes, 0);
  t.is(s.status, 'behind-nat-port-preserving');
});

test('only results for the port checked last count', (t) => {
  const { tracker } = setup();
  tracker.record(result(1, '8.8.8.8', 'reached', 9000));
  tracker.record(result(2, '9.9.9.9', 'failed', 9001));
  const s = tracker.state(input());
  t.is(s.port, 9001);
  t.is(s.successes, 0);
  t.is(s.failures, 1);
  t.is(s.status, 'unknown');
});

test('reset() forgets results and who was asked', (t) => {
  const { tracker } = setup();
  tracker.record(result(1, '8.8.8.8', 'reached'));
  tracker.noteAsked(id(2), '9.9.9.9');
  tracker.reset();
  t.is(tracker.state(input()).status, 'unknown');
  t.true(tracker.shouldAsk(id(2), '9.9.9.9'));
});

test('bound: at maxResults the oldest result is evicted (a success too)', (t) => {
  const { tracker } = setup({ maxResults: 3 });
  // A local test network: loopback peers' successes count when peers see us at loopback too.
  const onLoopback = { observed: observed('yes', '127.0.0.1'), mapped: false };
  tracker.record(result(1, '127.0.0.1', 'reached'));
  tracker.record(result(2, '127.0.0.1', 'failed'));
  tracker.record(result(3, '127.0.0.1', 'failed'));
  t.is(tracker.state(onLoopback).status, 'public');
  tracker.record(result(4, '127.0.0.1', 'failed'));
  const s = tracker.state(onLoopback);
  t.is(s.successes, 0);
  t.is(s.failures, 3);
  t.is(s.status, 'behind-nat-port-preserving');
});

test('bound: the default keeps 64 results against a flood of node ids', (t) => {
  const { tracker } = setup();
  t.is(DEFAULT_MAX_DIAL_BACK_RESULTS, 64);
  for (let i = 0; i < 1_000; i++) tracker.record(result(i, '127.0.0.1', 'failed'));
  const s = tracker.state({ observed: observed('unknown', '127.0.0.1'), mapped: false }); // loopback ids count on a loopback network
  t.log(`1000 loopback ids failed: ${s.failures} kept`);
  t.is(s.failures, 64);
});

test('shouldAsk: once per peer per recheck interval (default 10 min); one public host is one peer', (t) => {
  const { tracker, clock } = setup();
  t.is(DEFAULT_DIAL_BACK_RECHECK_INTERVAL_MS, 10 * MIN);
  t.true(tracker.shouldAsk(id(1), '8.8.8.8'));
  tracker.noteAsked(id(1), '8.8.8.8');
  t.false(tracker.shouldAsk(id(1), '8.8.8.8'));
  t.false(tracker.shouldAsk(id(2), '8.8.8.8'), 'another node id on the same public IP');
  t.true(tracker.shouldAsk(id(3), '9.9.9.9'));
  tracker.noteAsked(id(4), '127.0.0.1');
  t.true(tracker.shouldAsk(id(5), '127.0.0.1'), 'loopback peers are told apart by id');
  clock.now += 10 * MIN - 1;
  t.false(tracker.shouldAsk(id(1), '8.8.8.8'));
  clock.now += 1;
  t.true(tracker.shouldAsk(id(1), '8.8.8.8'));
  t.false(tracker.shouldAsk(id(1), 'not-an-ip'));
});

test('shouldAsk: not while a verdict is settled and fresh; again once its evidence is a recheck interval old', (t) => {
  const { tracker, clock } = setup();
  tracker.record(result(1, '8.8.8.8', 'reached'));
  t.false(tracker.shouldAsk(id(2), '9.9.9.9'), 'a fresh success settles it');
  clock.now += 10 * MIN;
  t.is(tracker.state(input()).status, 'public', 'still public (TTL 30 min)…');
  t.true(tracker.shouldAsk(id(2), '9.9.9.9'), '…but due for a re-check');

  const other = setup().tracker;
  other.record(result(1, '8.8.8.8', 'failed'));
  t.true(other.shouldAsk(id(2), '9.9.9.9'), 'one failure settles nothing');
  other.record(result(2, '9.9.9.9', 'failed'));
  t.false(other.shouldAsk(id(3), '11.11.11.11'), 'two fresh failures settle it');
});

test('bound: the asked-peers memory holds maxResults peers, oldest forgotten first', (t) => {
  const { tracker } = setup({ maxResults: 2 });
  tracker.noteAsked(id(1), '8.8.8.8');
  tracker.noteAsked(id(2), '9.9.9.9');
  tracker.noteAsked(id(3), '11.11.11.11');
  t.true(tracker.shouldAsk(id(1), '8.8.8.8'));
  t.false(tracker.shouldAsk(id(2), '9.9.9.9'));
  t.false(tracker.shouldAsk(id(3), '11.11.11.11'));
});

test('reasons name the address: IPv6 in brackets, "our port" when our IP is not known', (t) => {
  const { tracker } = setup();
  tracker.record(result(1, '2001:db8::1', 'reached'));
  t.is(tracker.state({ observed: observed('unknown', '2001:db8::2'), mapped: false }).reason, '1 peer reached us at [2001:db8::2]:9000 directly');
  t.is(tracker.state({ observed: observed('unknown', 'none'), mapped: false }).reason, '1 peer reached us at our port 9000 directly');
});

test('malformed results are ignored; bad options are refused', (t) => {
  const { tracker } = setup();
  tracker.record(result(1, 'bogus', 'reached'));
  tracker.record(result(2, '8.8.8.8', 'reached', 0));
  tracker.record({ ...result(3, '8.8.8.8', 'reached'), peerId: '' });
  tracker.record({ ...result(4, '8.8.8.8', 'reached'), outcome: 'maybe' as CheckOutcome });
  t.is(tracker.state(input()).status, 'unknown');
  t.throws(() => new ReachabilityTracker({ maxResults: 0 }), { instanceOf: RangeError });
  t.throws(() => new ReachabilityTracker({ resultTtlMs: -1 }), { instanceOf: RangeError });
});

const opArb = fc.oneof(
  fc.record({
    kind: fc.constant('record' as const),
    peer: fc.integer({ min: 0, max: 12 }),
    ip: fc.constantFrom('127.0.0.1', '10.0.0.1', '8.8.8.8', '9.9.9.9', '::ffff:8.8.8.8', '2001:db8::1', 'x'),
    port: fc.constantFrom(9000, 9001, 0),
    outcome: fc.constantFrom<CheckOutcome>('reached', 'failed', 'refused', 'no-answer'),
  }),
  fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 5 * MIN }) }),
  fc.record({ kind: fc.constant('ask' as const), peer: fc.integer({ min: 0, max: 12 }), ip: fc.constantFrom('127.0.0.1', '8.8.8.8', 'x') }),
  fc.record({ kind: fc.constant('reset' as const) }),
);

test('property: state() never throws, counts stay within maxResults and the status follows them', (t) => {
  let runs = 0;
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 60 }), fc.integer({ min: 1, max: 6 }), fc.constantFrom<PortPreservation>('yes', 'no', 'unknown'), fc.boolean(), (ops, maxResults, pp, mapped) => {
      runs++;
      const { clock, tracker } = setup({ maxResults });
      for (const op of ops) {
        if (op.kind === 'record') tracker.record(result(op.peer, op.ip, op.outcome, op.port));
        else if (op.kind === 'tick') clock.now += op.ms;
        else if (op.kind === 'ask') {
          if (tracker.shouldAsk(id(op.peer), op.ip)) tracker.noteAsked(id(op.peer), op.ip);
        } else tracker.reset();
        const s = tracker.state(input(pp, mapped));
        const expected = s.successes > 0 ? (mapped ? 'mapped' : 'public') : s.failures >= 2 ? (pp === 'yes' ? 'behind-nat-port-preserving' : 'behind-nat-symmetric') : 'unknown';
        const ok = s.successes + s.failures <= maxResults && s.status === expected && s.reason.length > 0 && (s.port === undefined) === (s.lastCheckAtMs === undefined);
        if (!ok) throw new Error(`bad state ${JSON.stringify(s)}`);
      }
    }),
    { numRuns: 300 },
  );
  t.log(`${runs} random sequences checked`);
  t.true(runs >= 300);
});

test(`a peer that refused (busy, rate limit) or did not answer is asked again after ${DIAL_BACK_RETRY_UNANSWERED_MS / 1000} s, not a whole recheck interval; the reason says so`, (t) => {
  const { tracker, clock } = setup();
  for (const [n, outcome] of [[1, 'refused'], [2, 'no-answer']] as const) {
    const ip = `8.8.${n}.8`;
    tracker.noteAsked(id(n), ip);
    t.false(tracker.shouldAsk(id(n), ip), 'just asked');
    tracker.record(result(n, ip, outcome));
  }
  const s = tracker.state(input('yes'));
  t.log(s.reason);
  t.is(s.status, 'unknown');
  t.is(s.reason, '2 peers refused or did not answer our dial-back request (busy); asking again shortly');
  clock.now += DIAL_BACK_RETRY_UNANSWERED_MS - 1;
  t.false(tracker.shouldAsk(id(1), '8.8.1.8'));
  clock.now += 1;
  t.true(tracker.shouldAsk(id(1), '8.8.1.8'), 'refused: asked again soon');
  t.true(tracker.shouldAsk(id(2), '8.8.2.8'), 'no answer: asked again soon');
  // A peer whose answer was a real failure waits the whole interval.
  tracker.noteAsked(id(3), '8.8.3.8');
  tracker.record(result(3, '8.8.3.8', 'failed'));
  clock.now += DIAL_BACK_RETRY_UNANSWERED_MS;
  t.false(tracker.shouldAsk(id(3), '8.8.3.8'));
});

test('forgetAsked: a peer whose question was lost may be asked again at once', (t) => {
  const { tracker } = setup();
  tracker.noteAsked(id(1), '8.8.8.8');
  t.false(tracker.shouldAsk(id(1), '8.8.8.8'));
  tracker.forgetAsked(id(1), '8.8.8.8');
  t.true(tracker.shouldAsk(id(1), '8.8.8.8'));
});

test('seen at a public address, a success from a loopback or LAN peer does not count; seen at a LAN address, it does', (t) => {
  const { tracker } = setup();
  tracker.record(result(1, '192.168.1.20', 'reached'));
  t.is(tracker.state({ observed: observed('yes', '192.168.1.10'), mapped: false }).status, 'public', 'a LAN-only network');
  const s = tracker.state(input('yes'));
  t.is(s.successes, 0, 'peers see us at 7.7.7.2: the LAN proves nothing about the internet');
  t.not(s.status, 'public');
  tracker.record(result(2, '8.8.8.8', 'reached'));
  t.is(tracker.state(input('yes')).status, 'public', 'a public peer\'s success does');
});

test('failures from inbound peers do not count (they reached our port to connect); their successes do', (t) => {
  const { tracker } = setup();
  tracker.record({ ...result(1, '8.8.8.8', 'failed'), inbound: true });
  tracker.record({ ...result(2, '9.9.9.9', 'failed'), inbound: true });
  const s = tracker.state(input('yes'));
  t.is(s.failures, 0);
  t.is(s.status, 'unknown');
  t.is(s.reason, 'no peer we dialled has failed to dial us back yet (peers that dialled us, and our LAN, do not count); 2 must fail');
  t.true(tracker.shouldAsk(id(3), '11.0.0.3'), 'other peers are still asked');
  tracker.record({ ...result(4, '12.1.1.1', 'reached'), inbound: true });
  t.is(tracker.state(input('yes')).status, 'public');
});
