import test from 'ava';
import { connect } from 'node:net';
import { once } from 'node:events';
import { cli, getInfo, sleep, waitFor } from './harness.js';
import { addPeer, genesis, peersOf, readyPeerIds, startNetNode, waitConnected, waitSameTip } from './network-harness.js';

test('garbage from 127.0.0.1 disconnects the sender only: no ban, no discouragement, and another local node connects right after', async (t) => {
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

  const { peers, bans, discouraged } = await peersOf(a.setup);
  t.deepEqual(bans, [], 'misbehaviour never bans');
  t.deepEqual(discouraged, [], 'loopback is shared by every local node: it is never discouraged');
  t.deepEqual(
    peers.filter((p) => p.ready).map((p) => p.nodeId),
    [honest.nodeId],
    'the honest peer on the same IP stays connected',
  );
  // The log line travels through A's stdout pipe: it may arrive a moment after the socket closed.
  const misbehaved = /"code":"bad-magic".*"notDiscouraged":"loopback address".*"msg":"peer misbehaved; disconnected"/;
  await waitFor('the misbehaviour log line', async () => misbehaved.test(a.process.output()), 5_000).catch(() => undefined);
  const log = a.process.output();
  t.regex(log, misbehaved);
  t.is(log.match(/"code":"bad-magic"/g)?.length, 1, 'logged once');

  // Another local node connects right after, and A serves both: its genesis block propagates.
  const late = await startNetNode(t, { txpoolSize: 1000 }, ['--no-discovery']);
  await addPeer(late, a);
  await waitConnected(a, late);
  await genesis(a.setup);
  await waitSameTip([a, honest, late]);
  t.is((await getInfo(late.setup)).height, 0);
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
  // Another genesis will not change soon: the manual peer is not redialled for ever, it waits long.
  await waitFor('the manual peer to wait', async () => (await peersOf(other.setup)).manual[0]?.state === 'waiting', 10_000);
  const [manual] = (await peersOf(other.setup)).manual;
  t.regex(manual!.lastError ?? '', /different-genesis/);
  t.true((manual!.nextRetrySec ?? 0) > 3_500, `retry in ${manual!.nextRetrySec} s, not seconds`);
  for (let i = 0; i < 10; i++) {
    t.deepEqual(await readyPeerIds(a.setup), [], 'A has no peer');
    t.deepEqual(await readyPeerIds(other.setup), [], 'the other node has no peer');
    await sleep(150);
  }
  t.is(refusalCount(a.process.output()), 1, 'A was dialled once, not again and again');
  t.is((await getInfo(other.setup)).genesis, genesisOther, 'the other node kept its own chain');
  const { bans, discouraged } = await peersOf(a.setup);
  t.deepEqual([bans, discouraged], [[], []], 'a refusal is no penalty');
  const table = await cli(other.setup, ['peers']);
  t.log(table.stdout);
  t.regex(table.stdout, new RegExp(`\\n1 manual peer\\(s\\)\\nMANUAL +STATE +RETRY IN +LAST ERROR\\n${a.tcpAddress.replace(/\./g, '\\.')} +waiting +(59m \\d\\ds|1h 00m) +.*different-genesis`));
});

function refusalCount(log: string): number {
  return log.match(/"code":"different-genesis".*"msg":"refusing peer"/g)?.length ?? 0;
}
