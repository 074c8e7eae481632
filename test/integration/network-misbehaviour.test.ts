import test from 'ava';
import { connect } from 'node:net';
import { once } from 'node:events';
import { cli, getInfo, sleep, waitFor } from './harness.js';
import { addPeer, genesis, peersOf, readyPeerIds, startNetNode, waitConnected, waitSameTip } from './network-harness.js';

test('a peer sending garbage is banned while the node keeps serving an honest peer', async (t) => {
  const a = await startNetNode(t, { txpoolSize: 1000 }, ['--no-discovery']);
  const honest = await startNetNode(t, { txpoolSize: 1000 }, ['--no-discovery']);
  await addPeer(honest, a);
  await waitConnected(a, honest);

  // A raw TCP client: wait for A's handshake, answer with bytes that are not a kadchain frame.
  const socket = connect({ host: '127.0.0.1', port: a.tcpPort });
  socket.on('error', () => undefined); // A may reset the connection while we write: that is the point
  t.teardown(() => socket.destroy());
  await once(socket, 'data');
  socket.write(Buffer.from('GET / HTTP/1.1\r\nHost: kadchain\r\n\r\n'));
  await Promise.race([once(socket, 'close'), sleep(5_000).then(() => t.fail('A did not hang up on the garbage sender'))]);

  const { peers, bans } = await peersOf(a.setup);
  t.is(bans.length, 1);
  t.is(bans[0]!.key, '127.0.0.1', 'the sender proved no node id, so its IP is banned');
  t.regex(bans[0]!.reason, /^bad-magic: /);
  t.true(bans[0]!.remainingSec > 3_500, 'for p2p.banDurationSec (3600 s)');
  t.deepEqual(
    peers.filter((p) => p.ready).map((p) => p.nodeId),
    [honest.nodeId],
    'the honest peer on the same IP stays connected',
  );
  const table = await cli(a.setup, ['peers']);
  t.log(table.stdout);
  t.regex(table.stdout, /\n1 ban\(s\)\nBANNED +FOR +REASON\n127\.0\.0\.1 +(59m \d\ds|1h 00m) +bad-magic: stream does not start with the kadchain magic/);
  t.regex(a.process.output(), /"code":"bad-magic".*"msg":"peer misbehaved; disconnecting and banning"/);

  // A still serves the honest peer: its genesis block propagates.
  await genesis(a.setup);
  await waitSameTip([a, honest]);
  t.is((await getInfo(honest.setup)).height, 0);
});

test('a node on another genesis is refused, with the reason logged, and never becomes a peer', async (t) => {
  const a = await startNetNode(t, { txpoolSize: 1000 }, ['--no-discovery']);
  const other = await startNetNode(t, { txpoolSize: 1000 }, ['--no-discovery']);
  await genesis(a.setup);
  await genesis(other.setup);
  const [genesisA, genesisOther] = (await Promise.all([getInfo(a.setup), getInfo(other.setup)])).map((i) => i.genesis);
  t.not(genesisA, genesisOther);

  await addPeer(other, a);
  const refusal = /"code":"different-genesis","reason":"peer's genesis [0-9a-f]{64} differs from ours [0-9a-f]{64}","msg":"refusing peer"/;
  await waitFor('the refusal in both logs', async () => refusal.test(a.process.output()) && refusal.test(other.process.output()), 10_000);
  // The manual peer is redialled with backoff; every attempt must be refused.
  for (let i = 0; i < 10; i++) {
    t.deepEqual(await readyPeerIds(a.setup), [], 'A has no peer');
    t.deepEqual(await readyPeerIds(other.setup), [], 'the other node has no peer');
    await sleep(150);
  }
  t.is((await getInfo(other.setup)).genesis, genesisOther, 'the other node kept its own chain');
  t.deepEqual((await peersOf(a.setup)).bans, [], 'a refusal is not a ban');
});
