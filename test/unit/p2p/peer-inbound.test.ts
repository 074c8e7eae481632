/**
 * Inbound slots: limits per address and netgroup, discouraged addresses admitted only while
 * slots are free and evicted first, and the exemptions from discouragement. The sockets are
 * real; they come from other loopback addresses (127.0.0.2, …), which the injected classifier
 * calls public, while 127.0.0.1 keeps its loopback exemption.
 */
import test from 'ava';
import { EventEmitter, once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { nodeKeyFromPrivateKey } from '../../../src/p2p/discovery/node-key.js';
import { type AddressClassifier, classifyAddress } from '../../../src/p2p/netgroup.js';
import type { DiscoveredNode, PeerSource } from '../../../src/p2p/types.js';
import { generatePrivateKey } from '../../../src/primitives/secp256k1.js';
import { buildBlock, makeKey } from '../../helpers/fixtures.js';
import { startNode, waitFor } from './net-helpers.js';
import { RawPeer } from './raw-peer.js';

const genesis = buildBlock({ miner: makeKey() });
const OTHER_LOOPBACKS_PUBLIC: AddressClassifier = (ip) => (ip !== '127.0.0.1' && ip.startsWith('127.') ? 'public' : classifyAddress(ip));

async function open(t: { teardown(fn: () => void): void }, port: number, from: string): Promise<RawPeer> {
  const raw = await RawPeer.connect(port, from);
  t.teardown(() => raw.destroy());
  raw.autoAck = false; // an ack before our handshake would be a violation of its own
  return raw;
}

/** Connected and answered with a handshake (given a slot), or closed without one (refused). */
async function admitted(raw: RawPeer): Promise<boolean> {
  await waitFor(() => raw.has('handshake') || raw.closed, 'a handshake or a close');
  return raw.has('handshake') && !raw.closed;
}

test('inbound per address and per netgroup are bounded; loopback is exempt', async (t) => {
  const a = await startNode(t, { genesis, classifyAddress: OTHER_LOOPBACKS_PUBLIC, config: { maxInbound: 20, maxInboundPerIp: 2, maxInboundPerNetgroup: 3 } });
  const port = a.net.tcpPort;
  t.true(await admitted(await open(t, port, '127.0.0.2')));
  t.true(await admitted(await open(t, port, '127.0.0.2')));
  t.false(await admitted(await open(t, port, '127.0.0.2')), 'a third from one address');
  t.true(await admitted(await open(t, port, '127.0.0.3')), 'another address of the same /16');
  t.false(await admitted(await open(t, port, '127.0.0.4')), 'a fourth from the /16 (127.0.0.0/16)');
  for (let i = 0; i < 4; i++) t.true(await admitted(await open(t, port, '127.0.0.1')), `loopback #${i + 1}`);
});

test('a discouraged address gets a slot only while one is free, and is evicted first when they run out', async (t) => {
  const a = await startNode(t, { genesis, classifyAddress: OTHER_LOOPBACKS_PUBLIC, config: { maxInbound: 2 } });
  const port = a.net.tcpPort;
  const bad = await open(t, port, '127.0.0.2');
  await bad.waitFor('handshake');
  bad.socket.write(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
  await bad.waitClosed();
  t.true(a.net.isDiscouraged('127.0.0.2'));
  t.deepEqual(a.net.bans(), []);

  const badAgain = await open(t, port, '127.0.0.2');
  t.true(await admitted(badAgain), 'slots are free: the discouraged address is accepted');
  const good = await open(t, port, '127.0.0.3');
  t.true(await admitted(good));
  t.false(await admitted(await open(t, port, '127.0.0.2')), 'slots full: a discouraged newcomer is refused');
  const newcomer = await open(t, port, '127.0.0.4');
  t.true(await admitted(newcomer), 'slots full: a clean newcomer evicts someone');
  await badAgain.waitClosed();
  t.false(good.closed, 'the discouraged peer was the one evicted');
});

test('misbehaviour from a loopback address or a manual peer disconnects without discouraging', async (t) => {
  const a = await startNode(t, { genesis, classifyAddress: OTHER_LOOPBACKS_PUBLIC });
  const local = await open(t, a.net.tcpPort, '127.0.0.1');
  await local.waitFor('handshake');
  local.socket.write(Buffer.from('garbage garbage garbage'));
  await local.waitClosed();
  // A manual peer (on a "public" address) that answers with garbage.
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    socket.write(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'));
  });
  server.listen(0, '127.0.0.5');
  await once(server, 'listening');
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const closes: string[] = [];
  a.net.on('peer:closed', (addr, reason) => closes.push(`${addr} ${reason}`));
  a.net.addPeer('127.0.0.5', address.port);
  await waitFor(() => closes.some((c) => c.startsWith('127.0.0.5') && c.includes('bad-magic')), 'A to drop the garbage manual peer');
  t.deepEqual(a.net.discouraged(), [], 'neither loopback nor the manual peer is discouraged');
  t.regex(a.net.manualPeers()[0]!.lastError ?? '', /misbehaviour: bad-magic/);
});

test('a public address that misbehaves is discouraged, but not the node id its ack proved (acks can be relayed)', async (t) => {
  const a = await startNode(t, { genesis, classifyAddress: OTHER_LOOPBACKS_PUBLIC });
  const raw = await open(t, a.net.tcpPort, '127.0.0.6');
  raw.autoAck = true;
  raw.sendHandshake({ genesisHash: genesis.hash });
  await waitFor(() => a.net.peers().some((p) => p.ready), 'the raw peer to be ready');
  raw.send(raw.handshake({ genesisHash: genesis.hash, nonce: 1n }));
  await raw.waitClosed();
  const keys = a.net.discouraged().map((d) => d.key).sort();
  t.deepEqual(keys, ['127.0.0.6'], 'the address only');
  t.regex(a.net.discouraged()[0]!.reason, /^unexpected-message: peer sent a second handshake$/);
  t.true(a.net.discouraged()[0]!.untilMs > Date.now() + 23 * 3_600_000, 'for a day by default');
});

/** A TCP listener on `host` that counts the connections it gets and says nothing. */
async function listener(t: { teardown(fn: () => void): void }, host: string): Promise<{ port: number; accepted: () => number }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
  });
  server.listen(0, host);
  await once(server, 'listening');
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { port: address.port, accepted: () => sockets.length };
}

class FakeSource extends EventEmitter<{ 'node:verified': [node: DiscoveredNode] }> implements PeerSource {
  /** Addresses the dialer told us it dials (an address manager counts an attempt for each). */
  readonly dialled: string[] = [];
  knownNodes(): DiscoveredNode[] {
    return [];
  }
  dialing(node: DiscoveredNode): void {
    this.dialled.push(node.endpoint.ip);
  }
}

const discovered = (ip: string, tcpPort: number): DiscoveredNode => {
  const key = nodeKeyFromPrivateKey(generatePrivateKey());
  return { nodeId: key.nodeId, publicKey: key.publicKey, endpoint: { ip, udpPort: tcpPort, tcpPort } };
};

test('discovery dials one outbound peer per netgroup and never a discouraged address', async (t) => {
  const source = new FakeSource();
  const a = await startNode(t, { genesis, classifyAddress: OTHER_LOOPBACKS_PUBLIC, peerSource: source });
  // 127.0.0.7 misbehaves first: discouraged.
  const bad = await open(t, a.net.tcpPort, '127.0.0.7');
  bad.socket.write(Buffer.from('garbage!'));
  await bad.waitClosed();
  t.true(a.net.isDiscouraged('127.0.0.7'));

  const [first, sameGroup, discouragedOne, loopback] = await Promise.all([listener(t, '127.0.0.2'), listener(t, '127.0.0.3'), listener(t, '127.0.0.7'), listener(t, '127.0.0.1')]);
  source.emit('node:verified', discovered('127.0.0.2', first.port));
  source.emit('node:verified', discovered('127.0.0.3', sameGroup.port)); // same 127.0.0.0/16 as the dial under way
  source.emit('node:verified', discovered('127.0.0.7', discouragedOne.port));
  source.emit('node:verified', discovered('127.0.0.1', loopback.port)); // exempt from the netgroup rule
  await waitFor(() => first.accepted() === 1 && loopback.accepted() === 1, 'the two allowed dials');
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.is(sameGroup.accepted(), 0, 'a second outbound peer in one /16 is not dialled');
  t.is(discouragedOne.accepted(), 0, 'a discouraged address is not dialled');
  t.deepEqual(source.dialled, ['127.0.0.2', '127.0.0.1'], 'the source hears of the dials only, not of the skipped');
});
