/**
 * The Peer's side of the reachability check and of punched connections: a `probe` is valid only
 * as the first frame of an inbound connection (emitted, then closed without punishment); inside
 * a session, after a handshake, or on a connection we opened it is an unexpected message. A
 * Peer on one end of a real loopback socket; the other end speaks raw frames.
 */
import type { Socket } from 'node:net';
import test, { type ExecutionContext } from 'ava';
import { type NodeKey, nodeKeyFromPrivateKey } from '../../../src/p2p/discovery/node-key.js';
import { Peer, type PeerDirection } from '../../../src/p2p/peer.js';
import { FrameDecoder, PROTOCOL_VERSION, createHandshakeAck, decodeMessage, encodeMessageFrame, type WireMessage } from '../../../src/p2p/wire/index.js';
import { ZERO_HASH } from '../../../src/primitives/hash.js';
import { generatePrivateKey } from '../../../src/primitives/secp256k1.js';
import { loopbackPeer } from '../../helpers/loopback-peer.js';
import { waitFor } from './fakes.js';

interface Pair {
  peer: Peer;
  /** The raw other end. */
  remote: Socket;
  received: WireMessage[];
  events: string[];
  key: NodeKey;
}

async function pair(t: ExecutionContext, direction: PeerDirection, punchedVia?: string): Promise<Pair> {
  const { peer, remote } = await loopbackPeer(t, { direction, punchedVia });
  const events: string[] = [];
  peer.on('probe', (nonce) => void events.push(`probe ${nonce}`));
  peer.on('misbehaviour', (code, reason) => void events.push(`misbehaviour ${code}: ${reason}`));
  peer.on('ready', () => void events.push('ready'));
  peer.on('close', (reason) => void events.push(`close ${reason}`));
  const received: WireMessage[] = [];
  const decoder = new FrameDecoder();
  remote.on('data', (chunk: Buffer) => {
    for (const f of decoder.push(chunk)) received.push(decodeMessage(f.type, f.payload));
  });
  peer.start();
  return { peer, remote, received, events, key: nodeKeyFromPrivateKey(generatePrivateKey()) };
}

const send = (socket: Socket, msg: WireMessage): boolean => socket.write(encodeMessageFrame(msg));

function handshakeFrom(p: Pair): void {
  send(p.remote, { kind: 'handshake', version: PROTOCOL_VERSION, genesisHash: ZERO_HASH, bestHeight: 0, chainWork: 0n, nodeId: p.key.nodeId, listenPort: 0, nonce: 99n, observed: { ip: '127.0.0.1', port: p.remote.remotePort ?? 0 } });
}

async function openSession(p: Pair): Promise<void> {
  await waitFor(() => p.received.some((m) => m.kind === 'handshake'), 'the peer\'s handshake');
  const theirs = p.received.find((m) => m.kind === 'handshake');
  if (theirs?.kind !== 'handshake') throw new Error('no handshake');
  handshakeFrom(p);
  send(p.remote, createHandshakeAck(p.key.privateKey, theirs.nonce));
  await waitFor(() => p.events.includes('ready'), 'the session to be ready');
}

test('a probe as the first frame of an inbound connection: emitted with its nonce, then closed without punishment', async (t) => {
  const p = await pair(t, 'inbound');
  send(p.remote, { kind: 'probe', nonce: 0x1234n });
  await waitFor(() => p.peer.isClosed, 'the close');
  t.deepEqual(p.events, ['probe 4660', 'close dial-back probe received']);
  t.is(p.peer.refusal, undefined);
});

test('a probe inside a ready session is punished as unexpected-message, not emitted', async (t) => {
  const p = await pair(t, 'inbound');
  await openSession(p);
  send(p.remote, { kind: 'probe', nonce: 1n });
  await waitFor(() => p.peer.isClosed, 'the close');
  t.deepEqual(p.events, ['ready', 'misbehaviour unexpected-message: peer sent a dial-back probe inside a session', 'close misbehaviour: unexpected-message']);
});

test('a probe after the handshake (before the ack) is punished too: it is no longer the first frame', async (t) => {
  const p = await pair(t, 'inbound');
  handshakeFrom(p);
  send(p.remote, { kind: 'probe', nonce: 1n });
  await waitFor(() => p.peer.isClosed, 'the close');
  t.false(p.events.some((e) => e.startsWith('probe')));
  t.true(p.events.some((e) => e.startsWith('misbehaviour unexpected-message')));
});

test('a probe on a connection we opened (outbound, e.g. punched) is punished: nobody dials us back through our own dial', async (t) => {
  const p = await pair(t, 'outbound', 'ab'.repeat(32));
  t.is(p.peer.punchedVia, 'ab'.repeat(32));
  send(p.remote, { kind: 'probe', nonce: 1n });
  await waitFor(() => p.peer.isClosed, 'the close');
  t.false(p.events.some((e) => e.startsWith('probe')));
  t.true(p.events.some((e) => e.startsWith('misbehaviour unexpected-message')));
});

test('localPort is our side\'s port of the connection (what the observed port is compared with)', async (t) => {
  const p = await pair(t, 'outbound');
  t.is(p.peer.localPort, p.remote.remotePort ?? -1);
  t.true(p.peer.localPort > 0);
  t.is(p.peer.punchedVia, undefined);
});

test('our handshake tells the other end its address as our socket sees it (observed)', async (t) => {
  const p = await pair(t, 'inbound');
  await waitFor(() => p.received.some((m) => m.kind === 'handshake'), 'the handshake');
  const hs = p.received.find((m) => m.kind === 'handshake');
  t.deepEqual(hs?.kind === 'handshake' ? hs.observed : undefined, { ip: '127.0.0.1', port: p.remote.localPort });
});
