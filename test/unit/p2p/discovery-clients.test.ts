/**
 * Nodes that advertise no TCP endpoint (TCP port 0 in their own signed ping: behind a NAT) are
 * clients, as in libp2p kad-dht's client mode: they bond and their find-nodes are answered, but
 * they are not kept in the table, so never shared in neighbours answers or dialled; and only the
 * node's own ping may set its TCP port (docs/protocol.md "Clients"; docs/scale.md defects 5, 10).
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import type { NeighbourNode } from '../../../src/p2p/discovery/payloads.js';
import { HOST, RawPeer, hasNode, sleep, startNode, waitFor } from './discovery-harness.js';

/** Longer than the test ping timeout (300 ms) and the bond wait: an admission would have happened by then. */
const SETTLE_MS = 600;

/** Answers the service's find-nodes with `nodes` (a third party's neighbours answer). */
function answerFindNodes(peer: RawPeer, servicePort: number, nodes: () => NeighbourNode[]): () => void {
  let answered = 0;
  const timer = setInterval(() => {
    const asked = peer.received.filter((p) => p.packet.type === 'find-node').length;
    for (; answered < asked; answered++) peer.send({ type: 'neighbours', nodes: nodes(), expiration: peer.expiration() }, servicePort);
  }, 5);
  return () => clearInterval(timer);
}

test('a node whose own ping advertises TCP port 0 bonds and gets answers to its find-nodes, but is not admitted to the table', async (t) => {
  const service = await startNode();
  const server = await startNode({ bootstrap: [{ host: HOST, port: service.udpPort }] });
  const client = await RawPeer.create();
  try {
    t.true(await waitFor(() => hasNode(service, server.nodeId), 3000));
    client.ping(service.udpPort, 0);
    t.true(await waitFor(() => client.count('ping') >= 1, 2000), 'the service pings the client back (bond: the client gets its endpoint proof)');
    await sleep(SETTLE_MS);
    t.false(hasNode(service, client.key.nodeId), 'not in the table: it cannot be dialled');
    client.send({ type: 'find-node', target: server.nodeId, expiration: client.expiration() }, service.udpPort);
    t.true(await waitFor(() => client.count('neighbours') >= 1, 2000), 'its query is answered');
    t.log(`table ${service.tableSize} entries, client answered with ${client.count('neighbours')} neighbours packet(s)`);
  } finally {
    await Promise.all([service.stop(), server.stop(), client.close()]);
  }
});

test('a table entry whose ping switches to TCP port 0 is removed and no longer named in neighbours answers', async (t) => {
  const service = await startNode();
  const natted = await RawPeer.create();
  const asker = await RawPeer.create();
  // Live nodes answer the service's refresh lookups; silence would get them removed for failures.
  natted.autoNeighbours = true;
  asker.autoNeighbours = true;
  try {
    natted.ping(service.udpPort, 4242);
    asker.ping(service.udpPort, 4343);
    t.true(await waitFor(() => hasNode(service, natted.key.nodeId) && hasNode(service, asker.key.nodeId), 3000), 'both servers admitted');
    const namesNatted = async (): Promise<boolean> => {
      const before = asker.count('neighbours');
      asker.send({ type: 'find-node', target: natted.key.nodeId, expiration: asker.expiration() }, service.udpPort);
      if (!(await waitFor(() => asker.count('neighbours') > before, 2000))) throw new Error('no neighbours answer');
      const last = asker.received.filter((p) => p.packet.type === 'neighbours').at(-1);
      return last?.packet.type === 'neighbours' && last.packet.nodes.some((n) => n.endpoint.udpPort === natted.port);
    };
    t.true(await namesNatted(), 'named while it advertised a TCP port');
    natted.ping(service.udpPort, 0); // its dial-backs failed: it withdraws its TCP endpoint
    t.true(await waitFor(() => !hasNode(service, natted.key.nodeId), 2000), 'removed on its own ping with TCP port 0');
    t.false(await namesNatted(), 'not named any more');
  } finally {
    await Promise.all([service.stop(), natted.close(), asker.close()]);
  }
});

test("a third party's neighbours answer cannot make a client dialable: it stays out of the table whatever port the answer claims", async (t) => {
  const service = await startNode();
  const third = await RawPeer.create();
  const client = await RawPeer.create();
  try {
    third.ping(service.udpPort, 4242);
    t.true(await waitFor(() => hasNode(service, third.key.nodeId), 3000));
    client.ping(service.udpPort, 0);
    t.true(await waitFor(() => client.count('ping') >= 1, 2000));
    await sleep(SETTLE_MS);
    const stop = answerFindNodes(third, service.udpPort, () => [{ endpoint: { ip: HOST, udpPort: client.port, tcpPort: 9999 }, publicKey: client.key.publicKey }]);
    try {
      await service.lookup(randomBytes(32));
      await sleep(SETTLE_MS);
    } finally {
      stop();
    }
    t.true(client.count('ping') >= 2, 'the service bonded with the named node again (it pinged it with the hint)');
    t.false(hasNode(service, client.key.nodeId), 'its own claim (TCP port 0) wins over the answer (9999)');
  } finally {
    await Promise.all([service.stop(), third.close(), client.close()]);
  }
});

test("a third party naming an honest server with TCP port 0 does not hide it: the server's own ping sets its port", async (t) => {
  const service = await startNode();
  const third = await RawPeer.create();
  const honest = await RawPeer.create();
  honest.autoNeighbours = true;
  try {
    third.ping(service.udpPort, 4242);
    t.true(await waitFor(() => hasNode(service, third.key.nodeId), 3000));
    const stop = answerFindNodes(third, service.udpPort, () => [{ endpoint: { ip: HOST, udpPort: honest.port, tcpPort: 0 }, publicKey: honest.key.publicKey }]);
    try {
      await service.lookup(randomBytes(32));
    } finally {
      stop();
    }
    t.true(await waitFor(() => hasNode(service, honest.key.nodeId), 2000), 'admitted: a 0 in someone else\'s answer means "port unknown", not "client"');
    honest.ping(service.udpPort, 5151);
    const port = (): number | undefined => service.knownNodes(100).find((n) => n.nodeId.equals(honest.key.nodeId))?.endpoint.tcpPort;
    t.true(await waitFor(() => port() === 5151, 2000), `its own ping set the port (${port()})`);
  } finally {
    await Promise.all([service.stop(), third.close(), honest.close()]);
  }
});

test('a node that stops advertising its TCP port tells the nodes in its table at once: they drop it without waiting for revalidation', async (t) => {
  const a = await startNode();
  const b = await startNode({ bootstrap: [{ host: HOST, port: a.udpPort }] });
  try {
    t.true(await waitFor(() => hasNode(a, b.nodeId) && hasNode(b, a.nodeId), 3000), 'bonded both ways');
    b.setAdvertisedEndpoint({ ...b.localEndpoint, tcpPort: 0 });
    t.true(await waitFor(() => !hasNode(a, b.nodeId), 2000), 'a dropped b within 2 s (revalidation is 60 s in these tests)');
    t.true(hasNode(b, a.nodeId), 'b keeps a: a client still queries servers');
    b.setAdvertisedEndpoint({ ...b.localEndpoint, tcpPort: 4747 });
    const port = (): number | undefined => a.knownNodes(10).find((n) => n.nodeId.equals(b.nodeId))?.endpoint.tcpPort;
    t.true(await waitFor(() => port() === 4747, 2000), 'dialable again: back in a\'s table with its new port');
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});
