/**
 * A node id counts only once its handshake-ack proved it: an impostor's handshake with an
 * honest node's id can neither displace nor block the honest, verified link.
 */
import test from 'ava';
import { type NodeKey, nodeKeyFromPrivateKey } from '../../../src/p2p/discovery/node-key.js';
import { generatePrivateKey } from '../../../src/primitives/secp256k1.js';
import { buildBlock, makeKey } from '../../helpers/fixtures.js';
import { connect, readyPeerCount, startNode, waitFor } from './net-helpers.js';
import { RawPeer } from './raw-peer.js';
import { DUPLICATE_TIEBREAK_WINDOW_MS } from '../../../src/p2p/constants.js';

const genesis = buildBlock({ miner: makeKey() });

/** Two node keys, the first with the larger node id. */
function keysHighLow(): [NodeKey, NodeKey] {
  const [x, y] = [nodeKeyFromPrivateKey(generatePrivateKey()), nodeKeyFromPrivateKey(generatePrivateKey())];
  return x.nodeId.compare(y.nodeId) > 0 ? [x, y] : [y, x];
}

for (const ack of ['never acks', 'sends a forged ack'] as const) {
  test(`an impostor handshake with the honest peer's id that ${ack} leaves the verified link untouched`, async (t) => {
    // A's id is the larger and A dialled H: the rule of old (at handshake time) let an inbound
    // claim of H's id replace this link, the one "dialled by the lower node id".
    const [keyA, keyH] = keysHighLow();
    const a = await startNode(t, { genesis, nodeKey: keyA });
    const h = await startNode(t, { genesis, nodeKey: keyH });
    await connect(a, h);
    const closed: string[] = [];
    a.net.on('peer:closed', (address, reason) => closed.push(`A ${address} ${reason}`));
    h.net.on('peer:closed', (address, reason) => closed.push(`H ${address} ${reason}`));
    const hId = keyH.nodeId.toString('hex');

    const impostor = await RawPeer.connect(a.net.tcpPort);
    t.teardown(() => impostor.destroy());
    const impostorAddress = `127.0.0.1:${impostor.socket.localPort}`;
    impostor.autoAck = false;
    impostor.sendHandshake({ genesisHash: genesis.hash, nodeId: keyH.nodeId });
    const ours = await impostor.waitFor('handshake-ack');
    t.truthy(ours, 'A answered the claim like any handshake');
    t.deepEqual(
      a.net.peers().map((p) => p.nodeId ?? null).sort(),
      [hId, null].sort(),
      'the unproven claim shows no node id in the peer table',
    );
    if (ack === 'sends a forged ack') impostor.send({ kind: 'handshake-ack', publicKey: impostor.key.publicKey, signature: Buffer.alloc(64, 1) });
    await impostor.waitClosed(5_000); // forged: at once; silent: at the handshake timeout

    t.deepEqual(closed.filter((c) => !c.startsWith(`A ${impostorAddress} `)), [], 'no other connection closed');
    t.is(readyPeerCount(a), 1);
    t.is(a.net.peers()[0]!.nodeId, hId);
    t.is(readyPeerCount(h), 1);
    t.false(a.net.isDiscouraged(hId), 'the honest node id is never discouraged for what an impostor did');
    const [manual] = a.net.manualPeers();
    t.is(manual!.state, 'connected');
    t.is(manual!.lastError, undefined, 'the manual link never dropped: no redial, no backoff');
    if (ack === 'sends a forged ack') t.true(a.net.isDiscouraged('127.0.0.1'), 'the impostor\'s address is');
    else t.deepEqual(a.net.discouraged(), [], 'a handshake timeout is no penalty');
  });
}

test('a relayed ack (the honest node signs the nonce a stranger forwards) cannot replace an established link or get the honest id discouraged', async (t) => {
  // A's id is the larger and A dialled H, so a tie-break would favour an inbound link "from H".
  const [keyA, keyH] = keysHighLow();
  const a = await startNode(t, { genesis, nodeKey: keyA });
  const h = await startNode(t, { genesis, nodeKey: keyH });
  await connect(a, h);
  // Past the simultaneous-dial window, the link is established.
  await new Promise((resolve) => setTimeout(resolve, DUPLICATE_TIEBREAK_WINDOW_MS + 200));
  const closed: string[] = [];
  a.net.on('peer:closed', (address, reason) => closed.push(`A ${address} ${reason}`));
  h.net.on('peer:closed', (address, reason) => closed.push(`H ${address} ${reason}`));

  // The stranger reads A's nonce, has H sign it on a second connection, and hands A H's ack.
  const toA = await RawPeer.connect(a.net.tcpPort);
  toA.autoAck = false;
  t.teardown(() => toA.destroy());
  const toH = await RawPeer.connect(h.net.tcpPort);
  toH.autoAck = false;
  t.teardown(() => toH.destroy());
  const aHandshake = await toA.waitFor('handshake');
  if (aHandshake.kind !== 'handshake') return t.fail();
  toH.sendHandshake({ genesisHash: genesis.hash, nonce: aHandshake.nonce });
  const hAck = await toH.waitFor('handshake-ack');
  toA.sendHandshake({ genesisHash: genesis.hash, nodeId: keyH.nodeId });
  toA.send(hAck);
  await toA.waitClosed(5_000);
  t.regex(closed.join('\n'), /duplicate-connection/, 'A refused the newcomer');
  toA.socket.destroy(); // then it misbehaves anyway: its address may be discouraged, H's id never is
  t.true(closed.every((c) => !c.startsWith(`A 127.0.0.1:${h.net.tcpPort} `)), 'the established link to H stays');
  t.is(a.net.peers().filter((p) => p.ready && p.nodeId === keyH.nodeId.toString('hex')).length, 1);
  t.false(a.net.isDiscouraged(keyH.nodeId.toString('hex')));
});

test('simultaneous dials both ways: both ends keep the one dialled by the lower node id', async (t) => {
  const [keyHigh, keyLow] = keysHighLow();
  const high = await startNode(t, { genesis, nodeKey: keyHigh });
  const low = await startNode(t, { genesis, nodeKey: keyLow });
  high.net.addPeer('127.0.0.1', low.net.tcpPort);
  low.net.addPeer('127.0.0.1', high.net.tcpPort);
  await waitFor(() => readyPeerCount(high) === 1 && readyPeerCount(low) === 1 && high.net.peers().length === 1 && low.net.peers().length === 1, 'one connection left');
  await new Promise((resolve) => setTimeout(resolve, 500)); // let redials of the loser settle
  const [atHigh] = high.net.peers().filter((p) => p.ready);
  const [atLow] = low.net.peers().filter((p) => p.ready);
  t.is(atLow!.direction, 'outbound', 'the lower id dialled the kept connection');
  t.is(atHigh!.direction, 'inbound');
  t.is(atHigh!.nodeId, keyLow.nodeId.toString('hex'));
  t.is(readyPeerCount(high), 1);
  for (const node of [high, low]) {
    t.deepEqual(node.net.manualPeers().map((m) => [m.state, m.lastError]), [['connected', undefined]], 'the manual peer counts as connected whichever way');
  }
});
