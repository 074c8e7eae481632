import test from 'ava';
import { type EvictionCandidate, type EvictionProtection, selectEvictionVictim } from '../../../src/p2p/eviction.js';

const KEY = Buffer.alloc(32, 1);
const NONE: EvictionProtection = { netGroups: 0, ping: 0, block: 0, tx: 0 };

function peer(id: string, over: Partial<EvictionCandidate<string>> = {}): EvictionCandidate<string> {
  return { id, netGroup: `${id}/16`, pingMs: 50, lastBlockMs: 0, lastTxMs: 0, connectedAtMs: 1_000, discouraged: false, ...over };
}

test('no candidates, or every one protected: nobody is evicted', (t) => {
  t.is(selectEvictionVictim([], KEY), undefined);
  // Defaults protect 4 netgroups + 8 pings + ...: three peers are all protected.
  t.is(selectEvictionVictim([peer('a'), peer('b'), peer('c')], KEY), undefined);
});

test('unprotected: the youngest peer of the most represented netgroup goes', (t) => {
  const candidates = [
    peer('x1', { netGroup: 'X', connectedAtMs: 100 }),
    peer('x2', { netGroup: 'X', connectedAtMs: 300 }),
    peer('x3', { netGroup: 'X', connectedAtMs: 200 }),
    peer('y1', { netGroup: 'Y', connectedAtMs: 900 }),
    peer('y2', { netGroup: 'Y', connectedAtMs: 950 }),
  ];
  // The uptime rule still protects half of those left (the two oldest: x1, x3).
  t.is(selectEvictionVictim(candidates, KEY, NONE), 'y2', 'after protecting x1 and x3, X and Y have 1 vs 2 left: Y, youngest');
  const more = [...candidates, ...[4, 5, 6, 7].map((i) => peer(`x${i}`, { netGroup: 'X', connectedAtMs: i * 100 }))];
  // Nine peers: the four oldest (x1..x4) are protected, then X has 3 left against Y's 2.
  t.is(selectEvictionVictim(more, KEY, NONE), 'x7', 'X is the largest group: its youngest');
});

test('ties between groups of equal size go to the group with the youngest peer', (t) => {
  const candidates = [
    peer('old1', { netGroup: 'O', connectedAtMs: 1 }),
    peer('old2', { netGroup: 'O', connectedAtMs: 2 }),
    peer('a1', { netGroup: 'A', connectedAtMs: 500 }),
    peer('b1', { netGroup: 'B', connectedAtMs: 600 }),
  ];
  t.is(selectEvictionVictim(candidates, KEY, NONE), 'b1');
});

test('low ping, recent blocks and recent txs protect a peer', (t) => {
  const base = Array.from({ length: 8 }, (_, i) => peer(`p${i}`, { netGroup: 'G', connectedAtMs: 100 + i, pingMs: 100 }));
  const fast = peer('fast', { netGroup: 'G', connectedAtMs: 10_000, pingMs: 1 });
  const giver = peer('giver', { netGroup: 'G', connectedAtMs: 10_001, lastBlockMs: 5 });
  const txer = peer('txer', { netGroup: 'G', connectedAtMs: 10_002, lastTxMs: 5 });
  const plain = peer('plain', { netGroup: 'G', connectedAtMs: 9_000 });
  const candidates = [...base, fast, giver, txer, plain];
  const protection = { netGroups: 0, ping: 1, block: 1, tx: 1 };
  t.is(selectEvictionVictim(candidates, KEY, protection), 'plain', 'the youngest three are protected by what they gave us');
  t.is(selectEvictionVictim(candidates, KEY, NONE), 'txer', 'without those protections the youngest goes');
  const noPing = peer('silent', { netGroup: 'G', connectedAtMs: 20_000, pingMs: undefined });
  t.is(selectEvictionVictim([...candidates, noPing], KEY, { netGroups: 0, ping: 100, block: 0, tx: 0 }), 'silent', 'an unmeasured ping protects nothing');
});

test('distinct netgroups protect one peer each, chosen by the keyed hash', (t) => {
  const candidates = [peer('lonely', { netGroup: 'L', connectedAtMs: 99_999 }), ...Array.from({ length: 6 }, (_, i) => peer(`m${i}`, { netGroup: 'M', connectedAtMs: i }))];
  // With two groups protected both L and M keep their longest-connected peer.
  t.not(selectEvictionVictim(candidates, KEY, { netGroups: 2, ping: 0, block: 0, tx: 0 }), 'lonely');
  t.is(selectEvictionVictim(candidates, KEY, NONE), 'm5', 'without group protection M is largest: its youngest');
});

test('discouraged peers are evicted first, even when they would be protected', (t) => {
  const candidates = [
    peer('good1', { netGroup: 'G', connectedAtMs: 10 }),
    peer('good2', { netGroup: 'G', connectedAtMs: 20 }),
    peer('bad-old', { netGroup: 'B', connectedAtMs: 1, pingMs: 1, lastBlockMs: 9, discouraged: true }),
    peer('bad-young', { netGroup: 'B', connectedAtMs: 5, discouraged: true }),
  ];
  t.is(selectEvictionVictim(candidates, KEY), 'bad-young');
  t.is(selectEvictionVictim(candidates.filter((c) => c.id !== 'bad-young'), KEY), 'bad-old');
});

test('peers younger than the cut-off are never evicted (the newcomer is refused instead); discouraged ones still are', (t) => {
  const now = 100_000;
  const cutoff = now - 60_000;
  const old = Array.from({ length: 4 }, (_, i) => peer(`old${i}`, { connectedAtMs: 1_000 + i }));
  const young = Array.from({ length: 4 }, (_, i) => peer(`young${i}`, { connectedAtMs: cutoff + 1 + i }));
  t.is(selectEvictionVictim([...old, ...young], KEY, NONE), 'young3', 'without the cut-off the youngest goes: the last newcomer');
  const victim = selectEvictionVictim([...old, ...young], KEY, NONE, cutoff);
  t.log(`with the cut-off: ${victim}`);
  t.true(victim?.startsWith('old'), 'an old enough peer goes');
  t.is(selectEvictionVictim(young, KEY, NONE, cutoff), undefined, 'all young: nobody');
  const badYoung = peer('bad-young', { connectedAtMs: now, discouraged: true });
  t.is(selectEvictionVictim([...young, badYoung], KEY, NONE, cutoff), 'bad-young');
});
