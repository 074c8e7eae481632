import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { pino } from 'pino';
import { AddressManager, ANCHORS_FILE_NAME, PEERS_FILE_NAME } from '../../../src/p2p/addrman/index.js';
import type { PeerFeed } from '../../../src/p2p/addrman/index.js';
import { MAX_ANCHORS_FILE_BYTES, MAX_PEERS_FILE_BYTES } from '../../../src/p2p/addrman/constants.js';
import { chooseAnchors } from '../../../src/p2p/addrman/manager.js';
import { parsePeersJson } from '../../../src/p2p/addrman/peers-file.js';
import type { PeerInfo } from '../../../src/p2p/peer-info.js';
import type { DiscoveredNode, PeerSource } from '../../../src/p2p/types.js';
import { randomSourceFrom } from '../../../src/util/random-source.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { Clock, address, ipIn, nodeIdFor, seededRandom } from './addrman-helpers.js';

const OWN_ID = nodeIdFor('ourselves');

interface LogLine {
  level: number;
  msg: string;
  file?: string;
}
const WARN = 40;
const INFO = 30;

function capture(): { logger: pino.Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  return { logger, lines };
}

function peerInfo(ip: string, port: number, direction: 'inbound' | 'outbound', connectedSinceMs: number, extra: Partial<PeerInfo> = {}): PeerInfo {
  return {
    nodeId: nodeIdFor(`${ip}:${port}`),
    address: `${ip}:${port}`,
    listenPort: undefined,
    direction,
    ready: true,
    manual: false,
    discouraged: false,
    handshakeHeight: 0,
    handshakeWork: '0',
    bestHeight: 0,
    bestWork: '0',
    pingRttMs: undefined,
    connectedSinceMs,
    ...extra,
  };
}

/** A stand-in for P2PNetwork: a peer list and the 'peer:ready' event. */
class FakeFeed implements PeerFeed {
  list: PeerInfo[] = [];
  private readonly listeners = new Set<(info: PeerInfo) => void>();
  peers(): PeerInfo[] {
    return this.list;
  }
  on(_event: 'peer:ready', listener: (info: PeerInfo) => void): void {
    this.listeners.add(listener);
  }
  off(_event: 'peer:ready', listener: (info: PeerInfo) => void): void {
    this.listeners.delete(listener);
  }
  ready(info: PeerInfo): void {
    this.list.push(info);
    for (const l of this.listeners) l(info);
  }
}

async function open(dataDir: string, clock: Clock, logger = pino({ level: 'silent' }), useAnchors = true): Promise<AddressManager> {
  return AddressManager.open({ dataDir, ownNodeId: OWN_ID, useAnchors, logger, nowMs: clock.now, random: randomSourceFrom(seededRandom(5)) });
}

test('peers.json round trip: entries, their times and the bucketing key survive a restart', async (t) => {
  const dir = await tempDir(t);
  const clock = new Clock();
  const first = await open(dir, clock);
  const feed = new FakeFeed();
  first.attach(feed);
  for (let i = 0; i < 50; i++) first.table.add(address(ipIn(i, 2)), ipIn(i, 2));
  feed.ready(peerInfo('5.6.7.8', 9100, 'outbound', clock.ms));
  feed.ready(peerInfo('5.6.7.9', 50_000, 'inbound', clock.ms, { listenPort: 9101 }));
  first.table.attempt(ipIn(3, 2), 9000);
  await first.stop();
  t.true(existsSync(join(dir, PEERS_FILE_NAME)));

  const { logger, lines } = capture();
  const second = await open(dir, clock, logger);
  t.deepEqual(second.table.entries(), first.table.entries());
  t.true(second.table.key.equals(first.table.key));
  t.is(second.table.triedCount, 1);
  t.true(second.table.get('5.6.7.8', 9100)!.tried, 'the outbound handshake made it tried');
  t.is(second.table.get('5.6.7.9', 9101), undefined, "an inbound peer's claimed listen port is not learned (those that dial in are mostly behind NAT)");
  t.is(second.table.get(ipIn(3, 2), 9000)!.attempts, 1);
  const info = lines.find((l) => l.level === INFO && l.msg.startsWith('peer table loaded'));
  t.truthy(info, 'one info line at start');
  t.regex(info!.msg, /51 addresses, 1 anchors/);
});

test('our own node id is never stored', async (t) => {
  const dir = await tempDir(t);
  const clock = new Clock();
  const manager = await open(dir, clock);
  const feed = new FakeFeed();
  manager.attach(feed);
  feed.ready(peerInfo('5.6.7.8', 9100, 'outbound', clock.ms, { nodeId: OWN_ID }));
  t.is(manager.table.size, 0);
  await manager.stop();
});

test('a corrupt peers.json is logged at warn with its name and the node starts with an empty table', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, PEERS_FILE_NAME);
  const entry = { nodeId: nodeIdFor('x'), ip: '1.2.3.4', tcpPort: 9000, source: '1.2.3.4', lastSeenMs: 1, lastTriedMs: 0, lastSuccessMs: 0, attempts: 0, tried: true };
  const withEntry = (e: object): string => JSON.stringify({ version: 1, key: '00'.repeat(32), entries: [entry, e] });
  const texts = [
    '{"version":1,"key":',
    '[]',
    JSON.stringify({ version: 2, key: '00'.repeat(32), entries: [] }),
    withEntry({ ...entry, nodeId: 'zz' }),
    withEntry({ ...entry, ip: 'fe80::1%eth0' }),
    withEntry({ ...entry, ip: '::ffff:1.2.3.5' }),
    withEntry({ ...entry, tcpPort: 70_000 }),
    withEntry({ ...entry, attempts: -1 }),
  ];
  t.is(parsePeersJson('x', withEntry({ ...entry, ip: '1.2.3.5' })).entries.length, 2, 'the valid variant parses');
  for (const text of texts) {
    await writeFile(file, text);
    const { logger, lines } = capture();
    const manager = await open(dir, new Clock(), logger);
    t.is(manager.table.size, 0);
    const warn = lines.find((l) => l.level === WARN);
    t.truthy(warn, `a warning for ${text}`);
    t.is(warn!.file, file);
    t.regex(warn!.msg, /corrupt.*empty peer table/);
    t.is(await readFile(file, 'utf8'), text, 'the file is left alone until the next save');
  }
});

test('an oversized peers.json is refused without being read', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, PEERS_FILE_NAME);
  await writeFile(file, '');
  await truncate(file, MAX_PEERS_FILE_BYTES + 1); // sparse: costs no disk, and any read of it would be 4 MiB of zeros
  const { logger, lines } = capture();
  const manager = await open(dir, new Clock(), logger);
  t.is(manager.table.size, 0);
  const warn = lines.find((l) => l.level === WARN);
  t.regex(warn?.msg ?? '', /more than the \d+ .*not read/);
  t.is(warn?.file, file);
});

test('a table exactly at the size limit is still read', async (t) => {
  const dir = await tempDir(t);
  const clock = new Clock();
  const first = await open(dir, clock);
  first.table.add(address('9.9.9.9'), '9.9.9.9');
  await first.stop();
  const file = join(dir, PEERS_FILE_NAME);
  const text = await readFile(file, 'utf8');
  await writeFile(file, text.trimEnd() + ' '.repeat(MAX_PEERS_FILE_BYTES - Buffer.byteLength(text.trimEnd())));
  const second = await open(dir, clock);
  t.is(second.table.size, 1);
});

test('at stop the two longest-connected ready outbound peers become anchors; at start they are read and the file deleted', async (t) => {
  const dir = await tempDir(t);
  const clock = new Clock();
  const first = await open(dir, clock);
  const feed = new FakeFeed();
  first.attach(feed);
  feed.list = [
    peerInfo('1.1.1.1', 9001, 'outbound', clock.ms - 3_000),
    peerInfo('2.2.2.2', 9002, 'inbound', clock.ms - 9_000),
    peerInfo('3.3.3.3', 9003, 'outbound', clock.ms - 1_000),
    peerInfo('4.4.4.4', 9004, 'outbound', clock.ms - 2_000),
    peerInfo('5.5.5.5', 9005, 'outbound', clock.ms - 8_000, { ready: false }),
  ];
  await first.stop();
  const anchorsFile = join(dir, ANCHORS_FILE_NAME);
  t.true(existsSync(anchorsFile));

  const { logger, lines } = capture();
  const second = await open(dir, clock, logger);
  t.deepEqual(second.anchors.map((a) => `${a.ip}:${a.tcpPort}`), ['1.1.1.1:9001', '4.4.4.4:9004']);
  t.is(second.anchors[0]!.nodeId, nodeIdFor('1.1.1.1:9001'));
  t.false(existsSync(anchorsFile), 'deleted after reading, so a crash loop does not pin them');
  t.truthy(lines.find((l) => l.level === INFO && /2 anchors/.test(l.msg)));
  const third = await open(dir, clock);
  t.is(third.anchors.length, 0);
});

test('with automatic connections off, anchors are neither read nor written', async (t) => {
  const dir = await tempDir(t);
  const clock = new Clock();
  const anchorsFile = join(dir, ANCHORS_FILE_NAME);
  const text = JSON.stringify({ version: 1, anchors: [{ nodeId: nodeIdFor('x'), ip: '1.1.1.1', tcpPort: 9001 }] });
  await writeFile(anchorsFile, text);
  const manager = await open(dir, clock, undefined, false);
  t.is(manager.anchors.length, 0);
  const feed = new FakeFeed();
  manager.attach(feed);
  feed.list = [peerInfo('3.3.3.3', 9003, 'outbound', clock.ms)];
  await manager.stop();
  t.is(await readFile(anchorsFile, 'utf8'), text);
});

test('a corrupt or oversized anchors.json is logged, deleted, and the node starts without anchors', async (t) => {
  const dir = await tempDir(t);
  const anchorsFile = join(dir, ANCHORS_FILE_NAME);
  for (const write of [() => writeFile(anchorsFile, '{"version":1,"anchors":[{"ip":"1.1.1.1"}]}'), async () => {
    await writeFile(anchorsFile, '');
    await truncate(anchorsFile, MAX_ANCHORS_FILE_BYTES + 1);
  }]) {
    await write();
    const { logger, lines } = capture();
    const manager = await open(dir, new Clock(), logger);
    t.is(manager.anchors.length, 0);
    const warn = lines.find((l) => l.level === WARN);
    t.is(warn?.file, anchorsFile);
    t.false(existsSync(anchorsFile));
  }
});

class FakeDiscovery extends EventEmitter implements PeerSource {
  knownNodes(): DiscoveredNode[] {
    return [];
  }
}

test('addresses that discovery verifies are learned into the new table until stop', async (t) => {
  const dir = await tempDir(t);
  const manager = await open(dir, new Clock());
  const discovery = new FakeDiscovery();
  manager.peerSource(discovery, 8);
  const verified = (ip: string, label: string): DiscoveredNode => ({ nodeId: Buffer.from(nodeIdFor(label), 'hex'), publicKey: Buffer.alloc(33), endpoint: { ip, udpPort: 9000, tcpPort: 9001 } });
  discovery.emit('node:verified', verified('8.8.8.8', 'eight'));
  discovery.emit('node:verified', verified('8.8.4.4', 'ourselves'));
  // Known only from its own ping: maybe behind a NAT no dial passes (docs/scale.md defect 10).
  discovery.emit('node:verified', { ...verified('7.7.7.7', 'pinged us'), unsolicited: true });
  t.is(manager.table.get('7.7.7.7', 9001), undefined, 'a node that only contacted us is not learned');
  const entry = manager.table.get('8.8.8.8', 9001);
  t.is(entry?.nodeId, nodeIdFor('eight'));
  t.false(entry?.tried ?? true);
  t.is(entry?.source, '8.8.8.8', 'a verified endpoint is its own source');
  t.is(manager.table.size, 1, 'our own node id is not learned, nor the unsolicited one');
  await manager.stop();
  discovery.emit('node:verified', verified('9.9.9.9', 'nine'));
  t.is(manager.table.size, 1);
});

test('a punched connection never becomes an anchor: its far port was one punch try\'s port behind a NAT', (t) => {
  const punched = peerInfo('8.8.8.2', 41234, 'outbound', 1, { punched: { relay: 'ab'.repeat(32) } });
  const dialled = peerInfo('5.5.5.2', 9000, 'outbound', 2);
  t.deepEqual(chooseAnchors([punched, dialled]).map((a) => `${a.ip}:${a.tcpPort}`), ['5.5.5.2:9000']);
});

test('without a data directory the table lives in memory only: it learns from handshakes, and nothing is read or written', async (t) => {
  const dir = await tempDir(t);
  const clock = new Clock();
  const manager = await AddressManager.open({ dataDir: undefined, ownNodeId: OWN_ID, useAnchors: true, logger: pino({ level: 'silent' }), nowMs: clock.now, random: randomSourceFrom(seededRandom(5)) });
  t.is(manager.peersFile, undefined);
  t.is(manager.anchors.length, 0);
  const feed = new FakeFeed();
  manager.attach(feed);
  feed.ready(peerInfo('5.6.7.8', 9100, 'outbound', clock.ms));
  t.true(manager.table.get('5.6.7.8', 9100)?.tried === true);
  await manager.save();
  await manager.stop();
  t.is(manager.table.size, 1);
  // The same steps with a data directory write both files: the check above is not vacuous.
  const persisted = await open(dir, clock);
  const feed2 = new FakeFeed();
  persisted.attach(feed2);
  feed2.ready(peerInfo('5.6.7.8', 9100, 'outbound', clock.ms));
  await persisted.stop();
  t.true(existsSync(join(dir, PEERS_FILE_NAME)) && existsSync(join(dir, ANCHORS_FILE_NAME)));
});
