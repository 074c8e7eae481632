import test from 'ava';
import { EndpointProofs } from '../../../../src/p2p/discovery/endpoint-proofs.js';

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
