import { EventEmitter } from 'node:events';
import test from 'ava';
import { AddressBookSource } from '../../../src/p2p/addrman/index.js';
import type { PeerAddress } from '../../../src/p2p/addrman/index.js';
import { ANCHOR_DIAL_ROUNDS, ANCHOR_OFFER_ROUNDS } from '../../../src/p2p/addrman/constants.js';
import type { PeerInfo } from '../../../src/p2p/peer-info.js';
import type { DiscoveredNode, PeerSource } from '../../../src/p2p/types.js';
import { Clock, address, ipIn, newTable } from './addrman-helpers.js';

class FakeDiscovery extends EventEmitter implements PeerSource {
  nodes: DiscoveredNode[] = [];
  knownNodes(limit: number): DiscoveredNode[] {
    return this.nodes.slice(0, limit);
  }
}

function outbound(a: PeerAddress): PeerInfo {
  return { nodeId: a.nodeId, address: `${a.ip}:${a.tcpPort}`, listenPort: a.tcpPort, direction: 'outbound', ready: true, manual: false, discouraged: false, handshakeHeight: 0, handshakeWork: '0', bestHeight: 0, bestWork: '0', pingRttMs: undefined, connectedSinceMs: 0 };
}

const label = (n: DiscoveredNode): string => `${n.endpoint.ip}:${n.endpoint.tcpPort}`;

function setup(maxOutbound: number, anchors: PeerAddress[]): { source: AddressBookSource; discovery: FakeDiscovery; connected: PeerInfo[]; table: ReturnType<typeof newTable>; clock: Clock } {
  const clock = new Clock();
  const table = newTable(clock, 11);
  const discovery = new FakeDiscovery();
  const connected: PeerInfo[] = [];
  const source = new AddressBookSource({ table, anchors, discovery, connected: () => ({ peers: () => connected }), maxOutbound });
  return { source, discovery, connected, table, clock };
}

test('anchors come first, then table entries for the free slots, then discovery', (t) => {
  const anchors = [address('1.1.1.1'), address('2.2.2.2')];
  const { source, discovery, table } = setup(4, anchors);
  const known = [address(ipIn(1, 1)), address(ipIn(2, 1)), address(ipIn(3, 1))];
  for (const a of known) table.add(a, a.ip);
  const fromDiscovery = address('7.7.7.7');
  discovery.nodes = [{ nodeId: Buffer.from(fromDiscovery.nodeId, 'hex'), publicKey: Buffer.alloc(33), endpoint: { ip: '7.7.7.7', udpPort: 9000, tcpPort: 9000 } }];
  const nodes = source.knownNodes(32);
  t.deepEqual(nodes.slice(0, 2).map(label), ['1.1.1.1:9000', '2.2.2.2:9000']);
  t.is(nodes[0]!.nodeId.toString('hex'), anchors[0]!.nodeId);
  const fromTable = nodes.slice(2, 4);
  t.is(fromTable.length, 2, 'four slots: two anchors, two from the table');
  t.is(label(nodes[4]!), '7.7.7.7:9000');
});

test('an address handed out counts an attempt only when the dialer dials it', (t) => {
  const { source, table } = setup(4, []);
  const known = [address(ipIn(1, 1)), address(ipIn(2, 1))];
  for (const a of known) table.add(a, a.ip);
  // Three rounds in which the dialer skips everything (say, each /16 is already used).
  for (let round = 0; round < 3; round++) t.is(source.knownNodes(32).length, 2);
  for (const a of known) t.is(table.get(a.ip, a.tcpPort)!.attempts, 0, 'offered, never dialled');
  const [dialled] = source.knownNodes(32);
  source.dialing(dialled!);
  t.is(table.get(dialled!.endpoint.ip, dialled!.endpoint.tcpPort)!.attempts, 1);
  t.is(known.filter((a) => table.get(a.ip, a.tcpPort)!.attempts === 0).length, 1, 'the one not dialled is not counted');
});

test('connected peers are not handed out, and a full outbound set takes nothing from the table', (t) => {
  const anchor = address('1.1.1.1');
  const { source, connected, table } = setup(2, [anchor]);
  const a = address(ipIn(1, 1));
  const b = address(ipIn(2, 1));
  table.add(a, a.ip);
  table.add(b, b.ip);
  connected.push(outbound(anchor), outbound(a));
  t.deepEqual(source.knownNodes(32).map(label), [], 'both slots are used');
  t.is(source.pendingAnchors, 0, 'a connected anchor is done');
  t.is(table.get(b.ip, b.tcpPort)!.attempts, 0);
  // The anchor's connection goes: one free slot, and only `b` is eligible (`a` is connected).
  connected.shift();
  t.deepEqual(source.knownNodes(32).map(label), [`${b.ip}:9000`]);
  t.is(table.get(a.ip, a.tcpPort)!.attempts, 0);
});

test(`an anchor that never connects is dialled ${ANCHOR_DIAL_ROUNDS} times, then dropped`, (t) => {
  const { source } = setup(8, [address('1.1.1.1')]);
  for (let round = 0; round < ANCHOR_DIAL_ROUNDS; round++) {
    const [node] = source.knownNodes(32);
    t.is(label(node!), '1.1.1.1:9000', `round ${round}`);
    source.dialing(node!);
  }
  t.deepEqual(source.knownNodes(32).map(label), []);
  t.is(source.pendingAnchors, 0);
});

test(`an anchor the dialer skips (its /16 used) stays for ${ANCHOR_OFFER_ROUNDS} rounds, then is dropped`, (t) => {
  const { source } = setup(8, [address('1.1.1.1')]);
  for (let round = 0; round < ANCHOR_OFFER_ROUNDS; round++) t.is(label(source.knownNodes(32)[0]!), '1.1.1.1:9000', `round ${round}`);
  t.deepEqual(source.knownNodes(32).map(label), []);
  t.is(source.pendingAnchors, 0);
});

test('node:verified listeners reach discovery', (t) => {
  const { source, discovery } = setup(8, []);
  let heard = 0;
  const listener = (): void => void heard++;
  source.on('node:verified', listener);
  discovery.emit('node:verified', {});
  source.off('node:verified', listener);
  discovery.emit('node:verified', {});
  t.is(heard, 1);
});

test("discovery's nodes are offered in random order, not most recently seen first (everyone dialled the same busy few)", (t) => {
  const { source, discovery } = setup(8, []);
  discovery.nodes = Array.from({ length: 20 }, (_, i) => {
    const a = address(ipIn(i, 3));
    return { nodeId: Buffer.from(a.nodeId, 'hex'), publicKey: Buffer.alloc(33), endpoint: { ip: a.ip, udpPort: 9000, tcpPort: 9000 } };
  });
  const firsts = new Set<string>();
  for (let round = 0; round < 20; round++) {
    const offered = source.knownNodes(32);
    t.is(offered.length, 20, 'every node, each once');
    t.is(new Set(offered.map(label)).size, 20);
    firsts.add(label(offered[0]!));
  }
  t.log(`20 rounds: ${firsts.size} different nodes offered first`);
  t.true(firsts.size >= 5, 'the most recently seen node is not always first');
});
