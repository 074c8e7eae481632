/**
 * The young-peer grace (EVICTION_MIN_AGE_MS) against sybils that reconnect every 14 s: a session
 * from a netgroup that began another within EVICTION_YOUNG_REPEAT_WINDOW_MS is evictable while
 * young, so cycling connections cannot hold every inbound slot and refuse honest newcomers for
 * ever. InboundGate over plain stand-in peers and a hand-moved clock: no sockets.
 */
import test from 'ava';
import { BanList } from '../../../src/p2p/bans.js';
import { resolveP2PConfig } from '../../../src/p2p/config.js';
import { EVICTION_MIN_AGE_MS, EVICTION_YOUNG_REPEAT_KEYS, EVICTION_YOUNG_REPEAT_WINDOW_MS } from '../../../src/p2p/constants.js';
import { DiscouragedSet } from '../../../src/p2p/discouraged.js';
import { InboundGate } from '../../../src/p2p/inbound.js';
import type { Peer } from '../../../src/p2p/peer.js';
import type { Clock } from '../../../src/util/clock.js';
import { silentLogger } from '../../../src/util/logger.js';

interface Slot {
  readonly ip: string;
  readonly peer: Peer;
  closed: boolean;
}

/** A node with `maxInbound` slots whose clock the test moves; every address is public. */
function node(maxInbound: number) {
  let now = 1_000_000;
  const clock: Clock = { nowMs: () => now, setTimeout: () => ({}), setInterval: () => ({}), clear: () => undefined };
  const gate = new InboundGate({
    config: resolveP2PConfig({ maxInbound, maxInboundPerIp: 8, maxInboundPerNetgroup: 16 }),
    bans: new BanList(16, clock.nowMs),
    discouraged: new DiscouragedSet(16, 60_000, clock.nowMs),
    classify: () => 'public',
    logger: silentLogger(),
    clock,
  });
  const slots: Slot[] = [];
  const live = (): Peer[] => slots.filter((s) => !s.closed).map((s) => s.peer);
  /** An inbound connection from `ip`: true when it got a slot (someone may have been evicted). */
  const connect = (ip: string): boolean => {
    if (gate.refusal(ip, live()) !== undefined) return false;
    const slot: Slot = { ip, closed: false, peer: undefined as unknown as Peer };
    const fake = { direction: 'inbound', ip, pingRttMs: undefined, connectedAtMs: now, label: ip, close: () => (slot.closed = true) };
    (slot as { peer: Peer }).peer = fake as unknown as Peer;
    slots.push(slot);
    gate.admitted(slot.peer);
    return true;
  };
  return {
    gate,
    connect,
    advance: (ms: number): void => void (now += ms),
    open: (): Slot[] => slots.filter((s) => !s.closed),
    /** The attacker closes its sessions and reopens all of `ips` at once (freed slots are still free, the rest evict). */
    cycle: (ips: readonly string[]): void => {
      for (const s of slots) if (ips.includes(s.ip)) s.closed = true;
      for (const ip of ips) connect(ip);
    },
  };
}

test('sybils reconnecting every 14 s cannot keep every slot young: honest newcomers still get in', (t) => {
  const n = node(16);
  // Two /16s of sybils take every slot while the node is fresh (8 per /16, the default netgroup cap).
  const sybils = Array.from({ length: 16 }, (_, i) => `1.${2 + (i % 2)}.0.${i + 1}`);
  for (const ip of sybils) t.true(n.connect(ip), `sybil ${ip} takes a free slot`);
  let honestIn = 0;
  for (let round = 0; round < 10; round++) {
    n.advance(EVICTION_MIN_AGE_MS - 1_000);
    n.cycle(sybils);
    n.advance(500);
    if (n.connect(`9.${round}.0.1`)) honestIn++;
  }
  const honestNow = n.open().filter((s) => s.ip.startsWith('9.')).length;
  t.log(`honest newcomers admitted: ${honestIn}/10; holding slots after 10 sybil cycles: ${honestNow} of 16`);
  // Without the rule every cycled sybil session is young, so every honest newcomer was refused (0/10).
  t.true(honestIn >= 5, 'honest newcomers evict repeat sybil sessions');
  t.true(honestNow >= 3, 'and keep slots the cycling sybils cannot take back');
});

test('a first session from a netgroup keeps the grace; more from the same /16 within 5 min do not', (t) => {
  const n = node(2);
  t.true(n.connect('5.5.0.1'));
  t.true(n.connect('6.6.0.1'));
  n.advance(1_000);
  t.false(n.connect('7.7.0.1'), 'both are young first sessions of their netgroups: the newcomer is refused');

  const m = node(12);
  for (let i = 1; i <= 12; i++) {
    t.true(m.connect(`5.5.0.${i}`), `5.5.0.${i} takes a free slot`);
    m.advance(100);
  }
  t.true(m.connect('7.7.0.1'), 'the repeat sessions are evictable while young');
  const open = m.open().map((s) => s.ip);
  t.log(`after the newcomer: ${open.join(' ')}`);
  t.true(open.includes('5.5.0.1'), 'the first session of the /16 kept its grace');
  t.false(open.includes('5.5.0.12'), 'the youngest repeat of the largest group went');

  const w = node(1);
  t.true(w.connect('5.5.0.1'));
  w.advance(EVICTION_YOUNG_REPEAT_WINDOW_MS);
  for (const s of w.open()) s.closed = true;
  t.true(w.connect('5.5.0.2'), 'the /16 came back after the window');
  w.advance(1_000);
  t.false(w.connect('7.7.0.1'), 'a netgroup quiet for the whole window gets the grace again');
});

test('the netgroups remembered are bounded', (t) => {
  const n = node(1_000_000);
  for (let i = 0; i < EVICTION_YOUNG_REPEAT_KEYS + 50; i++) n.connect(`${10 + Math.floor(i / 256)}.${i % 256}.0.1`);
  t.log(`remembered: ${n.gate.rememberedNetgroups} of ${EVICTION_YOUNG_REPEAT_KEYS + 50} netgroups seen`);
  t.is(n.gate.rememberedNetgroups, EVICTION_YOUNG_REPEAT_KEYS);
});
