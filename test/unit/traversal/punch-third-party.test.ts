/**
 * A relay is trusted to relay, not to tell the truth about addresses (docs/nat.md, "Limits of
 * the design"): the address a responder dials comes from the from-relay message, so a connected
 * peer posing as a relay can name a third party. What it gets is bounded: PUNCHES_PER_RELAY_BURST
 * punches at once (then one per 1/PUNCHES_PER_RELAY_PER_SEC s), each of at most
 * PUNCH_MAX_CONNECTS_PER_TRY connects. Real sockets: the "victim" is a listener on 127.0.0.1
 * that accepts (worst case: each try makes one connection) and a closed port (each try redials).
 */
import test from 'ava';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { PUNCHES_PER_RELAY_BURST } from '../../../src/p2p/traversal/constants.js';
import { Puncher } from '../../../src/p2p/traversal/puncher.js';
import { silentLogger } from '../../../src/util/logger.js';
import { FakePeer, FakePeers, nodeId, nodeIdHex } from './fakes.js';
import { incomingConnect } from './punch-harness.js';

test(`a peer posing as a relay can aim at most ${PUNCHES_PER_RELAY_BURST} punches at an address of its choosing, not a stream`, async (t) => {
  const accepted: Socket[] = [];
  const victim = createServer((s) => {
    accepted.push(s);
    s.on('error', () => undefined);
  });
  victim.listen(0, '127.0.0.1');
  await once(victim, 'listening');
  const port = (victim.address() as AddressInfo).port;
  const peers = new FakePeers();
  peers.onAttach = () => {
    const p = new FakePeer('127.0.0.1', undefined);
    p.ready = false;
    return p;
  };
  const puncher = new Puncher({ peers, ownIdHex: nodeIdHex(0x10), blocker: () => undefined, logger: silentLogger() });
  t.teardown(() => {
    puncher.stop();
    for (const s of accepted) s.destroy();
    victim.close();
  });
  // The stranger is on loopback too: a far address may be no more local than the relay's own,
  // so from the internet the same works for any public address (the victim here is local only
  // because the test cannot reach a public one).
  const stranger = peers.add(new FakePeer('127.0.0.1', nodeId(0x77)));
  // Two messages per "punch", made up far ids, the victim's address in the ip field.
  for (let i = 0; i < 10; i++) puncher.onFromRelay(stranger.asPeer(), incomingConnect(0x100 + i, BigInt(i), { ip: '127.0.0.1', port }));
  await new Promise((resolve) => setTimeout(resolve, 200));
  for (let i = 0; i < 10; i++) puncher.onFromRelay(stranger.asPeer(), incomingConnect(0x100 + i, BigInt(i), { phase: 'sync', port: 0 }));
  await new Promise((resolve) => setTimeout(resolve, 500));
  const answers = stranger.punches().map((m) => (m.phase === 'refuse' ? m.reason : m.phase));
  t.log(`connections the victim got from 20 messages: ${accepted.length}; answers: ${answers.join(' ')}`);
  t.true(accepted.length <= PUNCHES_PER_RELAY_BURST, 'bounded by the per-relay budget');
  t.is(answers.filter((a) => a === 'rate-limited').length, 10 - PUNCHES_PER_RELAY_BURST, 'the rest refused as rate-limited');
});
