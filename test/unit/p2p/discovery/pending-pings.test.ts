import test from 'ava';
import { MAX_PENDING_PINGS } from '../../../../src/p2p/discovery/constants.js';
import { FAST_TIMING, HOST, startNode } from '../discovery-harness.js';

test('pings waiting for a pong are bounded for every caller (ping-backs included): beyond MAX_PENDING_PINGS a ping is refused at once', async (t) => {
  // Long timeouts: every ping to a silent port stays pending while the test sends more.
  const node = await startNode({ timing: { ...FAST_TIMING, pingTimeoutMs: 60_000 } });
  t.teardown(() => node.stop());
  const extra = 50;
  // Ports nobody listens on (ping() is the path the inbound handlers' ping-backs take).
  const answers = Array.from({ length: MAX_PENDING_PINGS + extra }, (_, i) => node.ping({ ip: HOST, port: 20_000 + i }));
  t.is(node.stats.pendingPings, MAX_PENDING_PINGS);
  const refused = await Promise.all(answers.slice(MAX_PENDING_PINGS));
  t.deepEqual(refused, new Array<boolean>(extra).fill(false), 'the ones past the bound resolve false at once');
});
