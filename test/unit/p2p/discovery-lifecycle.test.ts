import test from 'ava';
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { DiscoveryError } from '../../../src/p2p/discovery/errors.js';
import type { DiscoveredNode } from '../../../src/p2p/types.js';
import { FAST_TIMING, HOST, RawPeer, hasNode, nodeKeyInBucket, sleep, startNode, waitFor } from './discovery-harness.js';

const FAR_BUCKET = 255;

test('full bucket: a dead least-recently-seen entry is evicted for a live newcomer', async (t) => {
  const service = await startNode({ bucketSize: 1 });
  const removed: DiscoveredNode[] = [];
  service.on('node:removed', (n) => removed.push(n));
  const dead = await RawPeer.create(nodeKeyInBucket(service.nodeId, FAR_BUCKET));
  const newcomer = await RawPeer.create(nodeKeyInBucket(service.nodeId, FAR_BUCKET));
  try {
    dead.ping(service.udpPort);
    t.true(await waitFor(() => hasNode(service, dead.key.nodeId), 2000));
    dead.autoPong = false;
    newcomer.ping(service.udpPort);
    t.true(await waitFor(() => hasNode(service, newcomer.key.nodeId), 3000), 'newcomer took the place');
    t.false(hasNode(service, dead.key.nodeId));
    t.is(service.tableSize, 1);
    t.true(removed.some((n) => n.nodeId.equals(dead.key.nodeId)), "'node:removed' for the dead entry");
    t.true(dead.count('ping') >= 2, 'the old entry was pinged before it was evicted');
  } finally {
    await Promise.all([service.stop(), dead.close(), newcomer.close()]);
  }
});

test('full bucket: a live least-recently-seen entry stays and the newcomer is dropped', async (t) => {
  const service = await startNode({ bucketSize: 1 });
  const old = await RawPeer.create(nodeKeyInBucket(service.nodeId, FAR_BUCKET));
  const newcomer = await RawPeer.create(nodeKeyInBucket(service.nodeId, FAR_BUCKET));
  try {
    old.ping(service.udpPort);
    t.true(await waitFor(() => hasNode(service, old.key.nodeId), 2000));
    const pingsBefore = old.count('ping');
    newcomer.ping(service.udpPort);
    t.true(await waitFor(() => newcomer.count('ping') >= 1 && old.count('ping') > pingsBefore, 2000), 'the old entry is checked');
    await sleep(FAST_TIMING.pingTimeoutMs + 200);
    t.true(hasNode(service, old.key.nodeId));
    t.false(hasNode(service, newcomer.key.nodeId));
  } finally {
    await Promise.all([service.stop(), old.close(), newcomer.close()]);
  }
});

test('an entry that stops answering revalidation pings is removed', async (t) => {
  // No refresh lookups: the raw peer never answers find-node, and those failures would count too.
  const noRefresh = { refreshIntervalMs: 60_000, thinTableRetryMinMs: 60_000 };
  const service = await startNode({ timing: { ...FAST_TIMING, ...noRefresh, revalidateIntervalMs: 150, pingTimeoutMs: 500 } });
  const peer = await RawPeer.create();
  try {
    peer.ping(service.udpPort);
    t.true(await waitFor(() => hasNode(service, peer.key.nodeId), 2000));
    // Several revalidation rounds; the generous ping timeout keeps a loaded machine from losing a live pong.
    await sleep(800);
    t.true(peer.count('ping') >= 2, 'revalidation pinged the entry');
    t.true(hasNode(service, peer.key.nodeId), 'a live entry survives revalidation');
    peer.autoPong = false;
    const pingsBefore = peer.count('ping');
    t.true(await waitFor(() => !hasNode(service, peer.key.nodeId), 8000));
    t.true(peer.count('ping') - pingsBefore >= 3, 'removed only after repeated unanswered pings');
  } finally {
    await Promise.all([service.stop(), peer.close()]);
  }
});

test('stop() closes the socket, ends pending work, is safe to call twice; start() is one-shot', async (t) => {
  const boot = await startNode();
  const service = await startNode({ bootstrap: [{ host: HOST, port: boot.udpPort }] });
  t.true(await waitFor(() => hasNode(service, boot.nodeId), 2000));
  const port = service.udpPort;
  await boot.stop(); // the lookup below now waits on a dead node
  const lookup = service.lookup(randomBytes(32));
  const first = service.stop();
  t.is(service.stop(), first, 'a second stop joins the first');
  await first;
  await service.stop();
  t.true(Array.isArray(await lookup), 'a lookup in progress resolves at stop');

  const socket = createSocket('udp4');
  await t.notThrowsAsync(new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, HOST, resolve);
  }), 'the UDP port is free again');
  socket.close();
  const err = await t.throwsAsync(service.start(), { instanceOf: DiscoveryError });
  t.is(err?.code, 'already-started');
});

test('aborting the signal stops the service; a bound port in use is a bind-failed error', async (t) => {
  const controller = new AbortController();
  const service = await startNode({ signal: controller.signal });
  const raw = await RawPeer.create();
  try {
    const clash = startNode({ udpPort: service.udpPort });
    const err = await t.throwsAsync(clash, { instanceOf: DiscoveryError });
    t.is(err?.code, 'bind-failed');
    controller.abort();
    await sleep(50);
    raw.ping(service.udpPort);
    await sleep(300);
    t.is(raw.count('pong'), 0, 'a stopped service answers nothing');
  } finally {
    await Promise.all([service.stop(), raw.close()]);
  }
});
