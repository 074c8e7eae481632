import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { createNodeSetup, killNode, stopNode } from './harness.js';
import { type NetNode, addPeer, peersOf, startNetNode, startNetNodeFrom, waitConnected } from './network-harness.js';

/** The ready peers of `a` that it dialled itself, by node id. */
async function outboundIds(a: NetNode): Promise<string[]> {
  const { peers } = await peersOf(a.setup);
  return peers.filter((p) => p.ready && p.direction === 'outbound' && p.nodeId !== null).map((p) => p.nodeId!).sort();
}

test('a node restarted with an empty bootstrap list reconnects to its anchors, then from peers.json, also after kill -9', async (t) => {
  // B and C never dial anyone (discovery off, no addpeer): every connection below is A's doing.
  const b = await startNetNode(t);
  const c = await startNetNode(t);
  // A: automatic connections on (discovery), but an empty bootstrap list.
  const setupA = await createNodeSetup(t, { discovery: true, bootstrap: [] });
  const anchorsFile = join(setupA.dataDir, 'anchors.json');
  const peersFile = join(setupA.dataDir, 'peers.json');
  const expected = [b.nodeId, c.nodeId].sort();

  let a = await startNetNodeFrom(t, setupA);
  await addPeer(a, b);
  await addPeer(a, c);
  await waitConnected(a, b);
  await waitConnected(a, c);
  t.is(await stopNode(a.process), 0);
  const stored = JSON.parse(await readFile(anchorsFile, 'utf8')) as { anchors: Array<{ nodeId: string; ip: string; tcpPort: number }> };
  t.deepEqual(stored.anchors.map((x) => x.nodeId).sort(), expected, 'the two outbound peers are the anchors');
  t.deepEqual(stored.anchors.map((x) => x.tcpPort).sort(), [b.tcpPort, c.tcpPort].sort());

  // 1. Anchors only: without peers.json nothing else could lead A back to B and C.
  await rm(peersFile);
  a = await startNetNodeFrom(t, setupA);
  t.false(existsSync(anchorsFile), 'anchors.json is deleted once read');
  await waitConnected(a, b);
  await waitConnected(a, c);
  t.deepEqual(await outboundIds(a), expected, 'A dialled its anchors');
  t.regex(a.process.output(), /peer table loaded: 0 addresses, 2 anchors/);
  t.is(await stopNode(a.process), 0);

  // 2. No anchors (as after a crash): the tried entries of peers.json lead back.
  await rm(anchorsFile);
  a = await startNetNodeFrom(t, setupA);
  await waitConnected(a, b);
  await waitConnected(a, c);
  t.deepEqual(await outboundIds(a), expected, 'A dialled the tried addresses');
  t.regex(a.process.output(), /peer table loaded: 2 addresses, 0 anchors/);

  // 3. kill -9: no anchors are written, peers.json from the last save still leads back.
  await killNode(a.process);
  t.false(existsSync(anchorsFile));
  a = await startNetNodeFrom(t, setupA);
  await waitConnected(a, b);
  await waitConnected(a, c);
  t.deepEqual(await outboundIds(a), expected);
});
