import test from 'ava';
import type { PeerInfo } from '../../../src/p2p/peer-info.js';
import { PROTOCOL_VERSION } from '../../../src/p2p/wire/constants.js';
import { ZERO_HASH } from '../../../src/primitives/hash.js';
import { FRAME_HEADER_BYTES, HANDSHAKE_V1_BYTES, type HandshakeMessage, MessageType, type RejectMessage, encodeMessageFrame } from '../../../src/p2p/wire/index.js';
import { buildBlock, makeKey } from '../../helpers/fixtures.js';
import { connect, readyPeerCount, startNode, waitFor } from './net-helpers.js';
import { RawPeer } from './raw-peer.js';

const miner = makeKey();
const genesis = buildBlock({ miner });

function closeReasons(node: { net: { on(e: 'peer:closed', l: (a: string, r: string) => void): unknown } }): string[] {
  const reasons: string[] = [];
  node.net.on('peer:closed', (_address, reason) => reasons.push(reason));
  return reasons;
}

test('two nodes on the same genesis complete the handshake and report each other', async (t) => {
  const a = await startNode(t, { genesis });
  const b = await startNode(t, { genesis, blocks: [buildBlock({ parent: genesis, miner })] });
  await connect(a, b);
  const [fromA] = a.net.peers();
  const [fromB] = b.net.peers();
  t.is(fromA.direction, 'outbound');
  t.is(fromB.direction, 'inbound');
  t.is(fromA.nodeId, b.key.nodeId.toString('hex'));
  t.is(fromB.nodeId, a.key.nodeId.toString('hex'));
  t.is(fromA.handshakeHeight, 1);
  t.is(fromA.listenPort, b.net.tcpPort);
  t.true(fromA.manual);
  // heartbeat: a ping round trip gets measured
  await waitFor(() => a.net.peers()[0]?.pingRttMs !== undefined, 'a ping round trip');
  t.true((a.net.peers()[0].pingRttMs ?? -1) >= 0);
});

test('the peer:ready event describes the peer as peers() does, manual flag included', async (t) => {
  const a = await startNode(t, { genesis });
  const b = await startNode(t, { genesis });
  const readyA: PeerInfo[] = [];
  const readyB: PeerInfo[] = [];
  a.net.on('peer:ready', (info) => readyA.push(info));
  b.net.on('peer:ready', (info) => readyB.push(info));
  await connect(a, b);
  await waitFor(() => readyA.length === 1 && readyB.length === 1, 'both peer:ready events');
  // a dialled b with addPeer (a manual peer); b only accepted it.
  t.true(readyA[0]!.manual);
  t.false(readyB[0]!.manual);
  // The row minus what moves between the event and the read (ping, the peer's best block).
  const settled = (info: PeerInfo): PeerInfo => ({ ...info, pingRttMs: undefined, bestHeight: 0, bestWork: '' });
  t.deepEqual(settled(readyA[0]!), settled(a.net.peers()[0]!));
});

test('nodes with different genesis blocks refuse each other without a penalty', async (t) => {
  const a = await startNode(t, { genesis });
  const b = await startNode(t, { genesis: buildBlock({ miner: makeKey() }) });
  const reasonsA = closeReasons(a);
  const reasonsB = closeReasons(b);
  a.net.addPeer('127.0.0.1', b.net.tcpPort);
  await waitFor(() => reasonsA.length > 0 && reasonsB.length > 0, 'both sides to close');
  t.true([...reasonsA, ...reasonsB].some((r) => r.includes('different-genesis')), [...reasonsA, ...reasonsB].join('; '));
  t.is(readyPeerCount(a), 0);
  t.is(readyPeerCount(b), 0);
  t.deepEqual(a.net.discouraged(), []);
  t.deepEqual(b.net.discouraged(), []);
});

test('a node dialling itself detects the self-connection', async (t) => {
  const a = await startNode(t, { genesis });
  const reasons = closeReasons(a);
  a.net.addPeer('127.0.0.1', a.net.tcpPort);
  await waitFor(() => reasons.length >= 2, 'both ends of the self-connection to close');
  t.true(reasons.some((r) => r.includes('self-connection')), reasons.join('; '));
  t.is(readyPeerCount(a), 0);
});

test('a second connection from the same node id is refused and the first one stays', async (t) => {
  const a = await startNode(t, { genesis });
  const b = await startNode(t, { genesis });
  await connect(a, b);
  // Another process with A's node key (same node id) dials B.
  const twin = await startNode(t, { genesis, nodeKey: a.key });
  const reasonsB = closeReasons(b);
  twin.net.addPeer('127.0.0.1', b.net.tcpPort);
  await waitFor(() => reasonsB.length > 0, 'B to refuse the duplicate');
  t.true(reasonsB[0].includes('duplicate-connection'), reasonsB.join('; '));
  t.is(readyPeerCount(b), 1);
  t.is(b.net.peers()[0].nodeId, a.key.nodeId.toString('hex'));
  // The twin may count B as ready until B's close reaches it (B refuses after the twin's ack).
  await waitFor(() => readyPeerCount(twin) === 0, 'the twin to see the refusal');
  t.deepEqual(b.net.discouraged(), []);
});

test('a peer with an incompatible protocol version gets a reject and is disconnected', async (t) => {
  const a = await startNode(t, { genesis });
  const raw = await RawPeer.connect(a.net.tcpPort);
  t.teardown(() => raw.destroy());
  raw.sendHandshake({ version: 0, genesisHash: genesis.hash });
  const reject = (await raw.waitFor('reject')) as RejectMessage;
  t.is(reject.code, 'incompatible-version');
  t.true(reject.hash.equals(ZERO_HASH));
  await raw.waitClosed();
  t.false(raw.has('handshake-ack'));
  t.false(a.net.isDiscouraged('127.0.0.1'));
});

test('a version-1 peer (114-byte handshake, no observed address) gets a reject incompatible-version and is not punished', async (t) => {
  const a = await startNode(t, { genesis });
  const raw = await RawPeer.connect(a.net.tcpPort);
  t.teardown(() => raw.destroy());
  const closes = closeReasons(a);
  const ourPort = raw.socket.localPort;
  raw.autoAck = false;
  const v1 = encodeMessageFrame(raw.handshake({ version: 1, genesisHash: genesis.hash }));
  t.is(v1.length, FRAME_HEADER_BYTES + HANDSHAKE_V1_BYTES, 'a version-1 handshake as a version-1 node sends it');
  raw.socket.write(v1);
  const reject = (await raw.waitFor('reject')) as RejectMessage;
  t.is(reject.code, 'incompatible-version');
  t.is(reject.messageType, MessageType.Handshake);
  t.is(reject.reason, 'peer speaks protocol version 1, we need at least 2');
  await raw.waitClosed();
  t.false(raw.has('handshake-ack'));
  // the node's own handshake was its version (PROTOCOL_VERSION) and told us our address as its socket saw it
  const ours = raw.received.find((m) => m.kind === 'handshake') as HandshakeMessage | undefined;
  t.is(ours?.version, PROTOCOL_VERSION);
  t.deepEqual(ours?.observed, { ip: '127.0.0.1', port: ourPort });
  // 127.0.0.1 counts as public in these tests (TEST_ADDRESSES): a punishment would show
  await waitFor(() => closes.length > 0, 'the node to report the close');
  t.regex(closes[0] ?? '', /incompatible-version/);
  t.false(a.net.isDiscouraged('127.0.0.1'));
  t.deepEqual(a.net.discouraged(), []);
  t.deepEqual(a.net.bans(), []);
  t.log(`close reason: ${closes[0]}`);
});

test('a handshake-ack that does not prove the node id discourages the IP only', async (t) => {
  const a = await startNode(t, { genesis });
  const raw = await RawPeer.connect(a.net.tcpPort);
  t.teardown(() => raw.destroy());
  raw.autoAck = false;
  raw.sendHandshake({ genesisHash: genesis.hash });
  await raw.waitFor('handshake-ack');
  raw.send({ kind: 'handshake-ack', publicKey: raw.key.publicKey, signature: Buffer.alloc(64, 1) });
  await raw.waitClosed();
  t.true(a.net.isDiscouraged('127.0.0.1'));
  // the claimed node id is unproven: it is not discouraged
  t.false(a.net.isDiscouraged(raw.key.nodeId.toString('hex')));
});
