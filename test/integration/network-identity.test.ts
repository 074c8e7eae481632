import test from 'ava';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect } from 'node:net';
import { PROTOCOL_VERSION, encodeMessageFrame } from '../../src/p2p/wire/index.js';
import { ZERO_HASH } from '../../src/primitives/hash.js';
import { observedOf } from '../helpers/observed.js';
import { sleep } from './harness.js';
import { addPeer, peersOf, readyPeerIds, startNetNode, waitConnected } from './network-harness.js';

test('an impostor handshake carrying the honest peer\'s node id leaves the verified link untouched', async (t) => {
  const a = await startNetNode(t, { txpoolSize: 1000 }, ['--no-discovery']);
  const honest = await startNetNode(t, { txpoolSize: 1000 }, ['--no-discovery']);
  await addPeer(honest, a);
  await waitConnected(a, honest);

  // A raw client claims the honest node's id; it cannot sign the ack for it, so it never does.
  const socket = connect({ host: '127.0.0.1', port: a.tcpPort });
  socket.on('error', () => undefined);
  t.teardown(() => socket.destroy());
  await once(socket, 'connect');
  socket.resume(); // read (and drop) A's handshake and ack, so A's close reaches us
  socket.write(
    encodeMessageFrame({
      kind: 'handshake',
      version: PROTOCOL_VERSION,
      genesisHash: ZERO_HASH,
      bestHeight: 0,
      chainWork: 0n,
      nodeId: Buffer.from(honest.nodeId, 'hex'),
      listenPort: 1,
      nonce: randomBytes(8).readBigUInt64LE(0),
      observed: observedOf(socket),
    }),
  );
  await sleep(300);
  const during = await peersOf(a.setup);
  t.is(during.peers.length, 2, 'the impostor is connected, handshaking');
  t.deepEqual(during.peers.filter((p) => p.nodeId === honest.nodeId).length, 1, 'only the verified link shows the honest id');
  // A gives up on the silent impostor at its handshake timeout (5 s by default).
  await Promise.race([once(socket, 'close'), sleep(10_000).then(() => t.fail('A kept the unverified connection'))]);

  t.deepEqual(await readyPeerIds(a.setup), [honest.nodeId]);
  t.deepEqual(await readyPeerIds(honest.setup), [a.nodeId]);
  const ofHonest = await peersOf(honest.setup);
  t.deepEqual(
    ofHonest.manual.map((m) => [m.state, m.lastError]),
    [['connected', null]],
    'the honest node never lost its link: no redial, no backoff growth',
  );
  const ofA = await peersOf(a.setup);
  t.deepEqual([ofA.bans, ofA.discouraged], [[], []], 'nobody is banned or discouraged');
  t.notRegex(a.process.output(), /duplicate-connection/);
  t.is(honest.process.output().match(/"msg":"peer ready"/g)?.length, 1, 'the honest node connected once');
});
