import test from 'ava';
import { cli, sleep, waitFor } from './harness.js';
import { addPeer, peersOf, readyPeerIds, startNetNode, waitConnected } from './network-harness.js';
import { DEFAULT_RECONNECT_BACKOFF_MIN_MS } from '../../src/p2p/constants.js';

test('cli removepeer: the connection we dialled closes, the address is forgotten and never redialled; an unknown one is refused with -24', async (t) => {
  const a = await startNetNode(t, {}, ['--no-discovery']);
  const b = await startNetNode(t, {}, ['--no-discovery']);
  await addPeer(a, b);
  await waitConnected(a, b);
  t.deepEqual((await peersOf(a.setup)).manual.map((m) => [m.address, m.state]), [[b.tcpAddress, 'connected']]);

  const removed = await cli(a.setup, ['removepeer', b.tcpAddress]);
  t.is(removed.code, 0, removed.stderr);
  t.is(removed.stdout, `Removed ${b.tcpAddress} from the manual peers: no more reconnects, our connection to it closed`);
  await waitFor('the connection to close', async () => (await readyPeerIds(a.setup)).length === 0, 10_000);
  t.deepEqual((await peersOf(a.setup)).manual, []);
  // Twice the first redial's backoff: a manual peer whose connection closed is dialled again by then.
  await sleep(2 * DEFAULT_RECONNECT_BACKOFF_MIN_MS + 500);
  t.deepEqual((await peersOf(a.setup)).peers, [], 'not redialled');
  t.deepEqual((await peersOf(b.setup)).peers, []);

  const again = await cli(a.setup, ['removepeer', b.tcpAddress]);
  t.is(again.code, 1);
  t.is(again.stderr, `error -24: ${b.tcpAddress} is not a manual peer (peers lists them)`);
});
