import { createHash } from 'node:crypto';
import test from 'ava';
import { EndpointProofs } from '../../../../src/p2p/discovery/endpoint-proofs.js';
import { retainedBytesPerItem } from '../../../helpers/heap.js';

const id = (n: number): Buffer => {
  const b = Buffer.alloc(32);
  b.writeUInt32BE(n, 0);
  return b;
};

test('a flood of pings from fresh keys cannot push out the proofs of nodes that answered our pings; each list is bounded', (t) => {
  const now = 1_000;
  const proofs = new EndpointProofs(() => now, 60_000, 100);
  for (let i = 0; i < 10; i++) proofs.pongReceived(id(i), '10.0.0.1');
  for (let i = 1_000; i < 1_000 + 5_000; i++) proofs.pingReceived(id(i), '10.9.9.9', 1);
  for (let i = 0; i < 10; i++) t.true(proofs.hasProvenEndpoint(id(i), '10.0.0.1'), `honest node ${i} is still proven`);
  t.is(proofs.size, 110, '100 unproven (the newest) + the 10 proven');
  t.true(proofs.hasVerifiedUs(id(5_999), '10.9.9.9'));
  t.false(proofs.hasVerifiedUs(id(1_000), '10.9.9.9'), 'the oldest unproven were forgotten');
});

test('a pong moves a record to the proven list, keeping what its ping told; the proven list is bounded too', (t) => {
  const now = 1_000;
  const proofs = new EndpointProofs(() => now, 60_000, 3);
  proofs.pingReceived(id(1), '10.0.0.1', 8333);
  proofs.pongReceived(id(1), '10.0.0.1');
  t.true(proofs.hasProvenEndpoint(id(1), '10.0.0.1'));
  t.true(proofs.hasVerifiedUs(id(1), '10.0.0.1'));
  t.is(proofs.advertisedTcpPort(id(1), '10.0.0.1'), 8333);
  t.false(proofs.hasProvenEndpoint(id(1), '10.0.0.2'), 'bound to the IP');
  for (let i = 2; i <= 4; i++) proofs.pongReceived(id(i), '10.0.0.1');
  t.false(proofs.hasProvenEndpoint(id(1), '10.0.0.1'), 'the least recently touched proven record went');
  t.is(proofs.size, 3);
});

test('on an epoch clock: a proof holds for the TTL and not a millisecond longer, in both directions', (t) => {
  let now = 1_765_000_000_000; // Date.now() scale, past 2^31
  const proofs = new EndpointProofs(() => now, 60_000, 100);
  t.false(proofs.hasProvenEndpoint(id(1), '10.0.0.1'), 'never proven');
  proofs.pongReceived(id(1), '10.0.0.1');
  proofs.pingReceived(id(2), '10.0.0.2', 8333);
  t.true(proofs.hasProvenEndpoint(id(1), '10.0.0.1'), 'proven in the very millisecond the list was made');
  now += 60_000;
  t.true(proofs.hasProvenEndpoint(id(1), '10.0.0.1'));
  t.true(proofs.hasVerifiedUs(id(2), '10.0.0.2'));
  now += 1;
  t.false(proofs.hasProvenEndpoint(id(1), '10.0.0.1'), 'lapsed');
  t.false(proofs.hasVerifiedUs(id(2), '10.0.0.2'), 'lapsed');
  t.is(proofs.advertisedTcpPort(id(2), '10.0.0.2'), 8333, 'the port its ping advertised stays known');
});

test('a record costs < 185 heap bytes (was ~200: a 64-char hex key and two epoch times boxed as heap numbers)', (t) => {
  let now = 1_765_000_000_000;
  const lists = Array.from({ length: 10 }, () => new EndpointProofs(() => now, 12 * 60 * 60 * 1000, 10_000));
  const ips = Array.from({ length: 2_000 }, (_, i) => `198.51.${i >> 8}.${i & 255}`);
  const perRecord = retainedBytesPerItem(lists.length * ips.length, () => {
    for (const [n, proofs] of lists.entries()) {
      for (const [i, ip] of ips.entries()) {
        // Fresh ids, as decoded packets' are; each node pings, is pinged back and answers.
        const nodeId = createHash('sha256').update(`${n}/${i}`).digest();
        proofs.pingReceived(nodeId, ip, 30_303);
        now += 1;
        proofs.pongReceived(nodeId, ip);
      }
    }
    return lists;
  });
  t.log(`${perRecord.toFixed(0)} heap bytes per record`);
  t.true(perRecord < 185);
  t.true(lists[4]!.hasProvenEndpoint(createHash('sha256').update('4/17').digest(), ips[17]!));
});

test("a signed ping arriving from another IP (anyone can send on a node's ping) does not erase a fresh proof; a pong from the new IP moves the record", (t) => {
  let now = 1_000;
  const proofs = new EndpointProofs(() => now, 60_000, 100);
  proofs.pingReceived(id(1), '10.0.0.1', 8333);
  proofs.pongReceived(id(1), '10.0.0.1');
  proofs.pingReceived(id(1), '10.6.6.6', 9999);
  t.true(proofs.hasProvenEndpoint(id(1), '10.0.0.1'), 'still proven where it answered us');
  t.true(proofs.hasVerifiedUs(id(1), '10.0.0.1'));
  t.is(proofs.advertisedTcpPort(id(1), '10.0.0.1'), 8333, 'and its own TCP port kept');
  t.false(proofs.hasVerifiedUs(id(1), '10.6.6.6'));
  // A node that really moved answers our ping-back from its new address: that moves the record.
  proofs.pongReceived(id(1), '10.0.0.2');
  t.true(proofs.hasProvenEndpoint(id(1), '10.0.0.2'));
  t.false(proofs.hasProvenEndpoint(id(1), '10.0.0.1'));
  // Once the old proof has lapsed, a ping from a new IP starts a record there as before.
  now += 60_001;
  proofs.pingReceived(id(1), '10.0.0.3', 7000);
  t.true(proofs.hasVerifiedUs(id(1), '10.0.0.3'));
  t.is(proofs.advertisedTcpPort(id(1), '10.0.0.3'), 7000);
});
