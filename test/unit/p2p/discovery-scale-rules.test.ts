/**
 * The rules that keep discovery converging at scale (issue #13): late answers still count,
 * thin-table retries are capped and jittered, and inbound requests have a bounded budget whose
 * per-sender share is keyed by ip:port, so nodes behind one (CGNAT) address are not starved.
 */
import test from 'ava';
import { PACKET_HASH_BYTES, PACKET_PUBKEY_OFFSET } from '../../../src/p2p/discovery/constants.js';
import { InboundBudget } from '../../../src/p2p/discovery/inbound-budget.js';
import { decodePacket, encodePacket } from '../../../src/p2p/discovery/packet.js';
import { sha256 } from '../../../src/primitives/hash.js';
import { generatePrivateKey } from '../../../src/primitives/secp256k1.js';
import { RefreshBackoff } from '../../../src/p2p/discovery/maintenance.js';
import { PendingFindNodes } from '../../../src/p2p/discovery/pending-find-nodes.js';
import { PendingPings } from '../../../src/p2p/discovery/pending-pings.js';

const ID = Buffer.alloc(32, 7);
const OTHER_ID = Buffer.alloc(32, 8);
const hash = (n: number): Buffer => Buffer.alloc(32, n);

test('a pong after the ping timed out still proves the endpoint within the grace, and not after it', async (t) => {
  let now = 0;
  const pings = new PendingPings(() => now, 50, 1_000, 16);
  const answered = pings.add(hash(1), '127.0.1.1', 9000, ID, 7);
  now = 60;
  await new Promise((r) => setTimeout(r, 80)); // the timeout timer runs
  t.false(await answered, 'the ping itself counts as unanswered');
  t.is(pings.lateSize, 1);
  t.is(pings.matchPong(hash(1), '127.0.1.2', 9000, ID), undefined, 'from another address: no');
  t.is(pings.matchPong(hash(1), '127.0.1.1', 9000, OTHER_ID), undefined, 'signed by another node: no');
  t.like(pings.matchPong(hash(1), '127.0.1.1', 9000, ID), { tcpHint: 7, late: true, intro: { origin: 'found' } });
  t.is(pings.matchPong(hash(1), '127.0.1.1', 9000, ID), undefined, 'a second copy matches nothing');
  t.is(pings.latePongs, 1);

  const tooLate = pings.add(hash(2), '127.0.1.1', 9001, ID, undefined);
  await new Promise((r) => setTimeout(r, 80));
  t.false(await tooLate);
  now += 1_001;
  t.is(pings.matchPong(hash(2), '127.0.1.1', 9001, ID), undefined, 'past the grace: dropped as unsolicited');
});

test('timed-out pings kept for late pongs are bounded', async (t) => {
  const pings = new PendingPings(() => 0, 1, 60_000, 16);
  const all = Array.from({ length: 40 }, (_, i) => pings.add(hash(i), '127.0.1.1', 10_000 + i, undefined, undefined));
  await Promise.all(all);
  t.is(pings.lateSize, 16);
  t.is(pings.matchPong(hash(0), '127.0.1.1', 10_000, ID), undefined, 'the oldest were forgotten');
  t.truthy(pings.matchPong(hash(39), '127.0.1.1', 10_039, ID), 'the newest still match');
});

test('a neighbours answer after its find-node timed out is recognised once, within the grace', async (t) => {
  let now = 0;
  const finds = new PendingFindNodes(30, 16, () => now, 1_000, 16);
  t.is(await finds.add(ID, '127.0.1.1', 9000), undefined);
  t.false(finds.lateAnswer(ID, '127.0.1.1', 9001), 'another port: no');
  t.true(finds.lateAnswer(ID, '127.0.1.1', 9000));
  t.false(finds.lateAnswer(ID, '127.0.1.1', 9000), 'only once');
  t.is(await finds.add(ID, '127.0.1.1', 9000), undefined);
  now = 1_001;
  t.false(finds.lateAnswer(ID, '127.0.1.1', 9000), 'past the grace');
});

test('thin-table retries double up to the cap, never beyond, and are jittered down by at most half', (t) => {
  let draw = 0;
  const randoms = [0, 0.999, 0.5];
  const backoff = new RefreshBackoff(1_000, 60_000, 8_000, () => randoms[draw++ % randoms.length]);
  const delays = Array.from({ length: 8 }, () => backoff.next(true, true));
  t.log(`delays ${delays.join(', ')} ms`);
  t.is(delays[0], 1_000, 'no jitter drawn: the full delay');
  t.true(delays.every((d) => d <= 8_000), 'never past the cap (it was 60 s before)');
  t.is(delays[6], 8_000);
  t.true(delays[4] >= 4_000 && delays[4] < 8_000);
  t.is(backoff.next(false, true), 60_000, 'a healthy table waits the refresh interval');
  const again = backoff.next(true, true);
  t.true(again >= 500 && again <= 1_000, `and starts over when thin again (${again} ms)`);
});

test('the inbound budget sheds requests beyond its rate and refills', (t) => {
  let now = 0;
  const budget = new InboundBudget({ requestsPerSec: 100, perSenderPerSec: 1_000, nowMs: () => now });
  const verdicts = Array.from({ length: 150 }, (_, i) => budget.admit(`127.0.${1 + (i >> 8)}.${i & 255}`, 9000));
  t.is(verdicts.filter((v) => v === 'ok').length, 100, 'one second of burst');
  t.is(verdicts.filter((v) => v === 'shed').length, 50);
  now = 500;
  const later = Array.from({ length: 80 }, (_, i) => budget.admit(`127.0.9.${i}`, 9000));
  t.is(later.filter((v) => v === 'ok').length, 50, 'half a second refills half the rate');
});

test('one flooding node uses up only its own share: other nodes behind the same IP are still served', (t) => {
  let now = 0;
  const budget = new InboundBudget({ requestsPerSec: 10_000, perSenderPerSec: 20, nowMs: () => now });
  const flood = Array.from({ length: 1_000 }, () => budget.admit('100.64.0.1', 40_000));
  t.is(flood.filter((v) => v === 'ok').length, 40, 'its burst (twice the per-second share)');
  t.is(flood.filter((v) => v === 'sender-rate').length, 960);
  const neighbours = Array.from({ length: 200 }, (_, i) => budget.admit('100.64.0.1', 40_001 + i));
  t.true(neighbours.every((v) => v === 'ok'), 'two hundred other nodes behind that CGNAT address are served');
  now = 1_000;
  t.is(budget.admit('100.64.0.1', 40_000), 'ok', 'and the flooder gets its share back over time');
});

test('the per-sender shares tracked are bounded', (t) => {
  const budget = new InboundBudget({ requestsPerSec: 1_000_000, perSenderPerSec: 5, maxSenders: 100, nowMs: () => 0 });
  for (let port = 1; port <= 5_000; port++) budget.admit('203.0.113.9', port);
  t.is(budget.senders, 100);
});

test('a packet whose sender key is not a curve point is a bad signature (verify alone rejects it)', (t) => {
  const nowSec = Math.floor(Date.now() / 1000);
  const bytes = Buffer.from(encodePacket({ type: 'find-node', target: Buffer.alloc(32, 1), expiration: nowSec + 20 }, generatePrivateKey()).bytes);
  bytes[PACKET_PUBKEY_OFFSET] = 0x02;
  bytes.fill(0xff, PACKET_PUBKEY_OFFSET + 1, PACKET_PUBKEY_OFFSET + 33); // x ≥ p: no such point
  sha256(bytes.subarray(PACKET_HASH_BYTES)).copy(bytes, 0);
  const err = t.throws(() => decodePacket(bytes, nowSec));
  t.is((err as { code?: string }).code, 'bad-signature');
});
