import test from 'ava';
import { createHash } from 'node:crypto';
import type { EndpointIndex } from '../../../src/p2p/discovery/endpoint-index.js';
import { NodeTable } from '../../../src/p2p/discovery/node-table.js';
import type { TableEntry } from '../../../src/p2p/discovery/table-entry.js';

const id = (n: number): Buffer => createHash('sha256').update(`node ${n}`).digest();
const key = Buffer.alloc(33, 2);

function setup() {
  const removed: string[] = [];
  const table = new NodeTable({
    selfId: id(0),
    nowMs: () => 0,
    ping: async () => true,
    onAdded: () => undefined,
    onRemoved: (e: TableEntry) => void removed.push(e.nodeId.toString('hex')),
  });
  return { table, removed };
}

test('a new node id proving an endpoint replaces the entry of the old id there (one UDP socket is one node)', (t) => {
  const { table, removed } = setup();
  table.verified(id(1), key, { ip: '7.7.7.2', udpPort: 9000, tcpPort: 9000 });
  table.verified(id(2), key, { ip: '7.7.7.2', udpPort: 9001, tcpPort: 9001 }); // same IP, another port: another node (CGNAT)
  table.verified(id(3), key, { ip: '7.7.7.2', udpPort: 9000, tcpPort: 0 }); // restarted with a new key
  t.deepEqual(removed, [id(1).toString('hex')]);
  t.is(table.get(id(1)), undefined);
  t.truthy(table.get(id(2)));
  t.truthy(table.get(id(3)));
  table.verified(id(3), key, { ip: '7.7.7.2', udpPort: 9000, tcpPort: 0 });
  t.is(table.size, 2, 'the same node again changes nothing');
});

test('an entry that moved away is not removed by a newcomer at its old endpoint', (t) => {
  const { table, removed } = setup();
  table.verified(id(1), key, { ip: '7.7.7.2', udpPort: 9000, tcpPort: 9000 });
  table.failed(id(1), '7.7.7.2', 9000); // its NAT mapping changed: silent at the old endpoint…
  table.verified(id(1), key, { ip: '8.8.8.2', udpPort: 9000, tcpPort: 9000 }); // …and proven at the new one
  t.is(table.get(id(1))?.endpoint.ip, '8.8.8.2');
  table.verified(id(2), key, { ip: '7.7.7.2', udpPort: 9000, tcpPort: 9000 });
  t.deepEqual(removed, []);
  t.is(table.size, 2);
});

test('the endpoint index stays bounded by the table when nodes keep moving', (t) => {
  const { table } = setup();
  for (let i = 0; i < 5_000; i++) {
    // A move is taken once the old endpoint went silent (a live entry does not move on one pong from elsewhere).
    if (i > 0) table.failed(id(1), '7.7.7.2', 1_000 + i - 1);
    table.verified(id(1), key, { ip: '7.7.7.2', udpPort: 1_000 + i, tcpPort: 0 });
  }
  t.is(table.get(id(1))?.endpoint.udpPort, 5_999, 'every move was taken');
  const index = (table as unknown as { byEndpoint: EndpointIndex }).byEndpoint;
  t.log(`index keys after 5000 moves of one node: ${index.size}`);
  t.true(index.size <= 4 * (table.size + 1) + 1);
});

test('an entry keeps its key and id in memory of its own, not in the 8 KB pool slab the decoded packet came from', (t) => {
  const { table } = setup();
  // A decoded packet's key and id: small copies, i.e. slices of Node's shared Buffer pool slab.
  const pooledKey = Buffer.from(Buffer.alloc(33, 3));
  const pooledId = Buffer.from(id(1));
  t.true(pooledKey.buffer.byteLength >= 4096, `precondition: the copy sits in a pool slab (${pooledKey.buffer.byteLength} bytes)`);
  table.verified(pooledId, pooledKey, { ip: '7.7.7.2', udpPort: 9000, tcpPort: 9000 });
  const entry = table.get(id(1));
  if (entry === undefined) return t.fail('the node is in the table');
  t.true(entry.publicKey.equals(pooledKey) && entry.nodeId.equals(id(1)) && entry.id === entry.nodeId);
  t.log(`the entry's key and id are backed by ${entry.publicKey.buffer.byteLength} bytes`);
  t.true(entry.publicKey.buffer.byteLength <= 33 + 32 && entry.nodeId.buffer === entry.publicKey.buffer);
  // Verified again (every pong): the entry keeps the memory it has instead of allocating more.
  table.verified(Buffer.from(id(1)), Buffer.from(pooledKey), { ip: '7.7.7.2', udpPort: 9000, tcpPort: 9000 });
  t.is(table.get(id(1))?.publicKey.buffer, entry.publicKey.buffer);
});

test("a known node's pong from the same endpoint refreshes its entry in place: seen now, failures cleared, moved to its bucket's tail, no onAdded", (t) => {
  let now = 0;
  const added: string[] = [];
  const table = new NodeTable({ selfId: id(0), nowMs: () => now, ping: async () => true, onAdded: (e) => void added.push(`${e.nodeId.toString('hex').slice(0, 4)} ${e.endpoint.ip}`), onRemoved: () => undefined });
  // Two ids in one bucket (half of all ids fall in the farthest).
  const candidates = Array.from({ length: 40 }, (_, i) => id(i + 1));
  const [a, b] = candidates.filter((c) => table.bucketIndexOf(c) === 255);
  if (a === undefined || b === undefined) return t.fail('two ids in the farthest bucket');
  table.verified(a, key, { ip: '7.7.7.2', udpPort: 9000, tcpPort: 9000 });
  table.verified(b, key, { ip: '7.7.7.3', udpPort: 9000, tcpPort: 9000 });
  const before = table.get(a);
  table.failed(a, '7.7.7.9', 9000);
  t.is(table.get(a)?.failures, 0, 'silence at another address is no failure of the entry');
  table.failed(a, '7.7.7.2', 9000);
  t.is(table.get(a)?.failures, 1);
  now = 5_000;
  added.length = 0;
  table.verified(a, key, { ip: '7.7.7.2', udpPort: 9000, tcpPort: 9000 });
  const after = table.get(a);
  t.is(after, before, 'the same record');
  t.is(after?.lastSeenMs, 5_000);
  t.is(after?.failures, 0);
  t.deepEqual(added, [], 'same endpoint: nothing new to announce');
  const index = table.bucketIndexOf(a);
  t.deepEqual(table.bucket(index).map((e) => e.nodeId), [b, a], 'least recently seen first');
  table.verified(a, key, { ip: '7.7.7.9', udpPort: 9000, tcpPort: 9000 });
  t.is(table.get(a)?.endpoint.ip, '7.7.7.2', 'a live entry does not move on a pong from elsewhere (it may be relayed)');
  t.deepEqual(added, []);
  table.failed(a, '7.7.7.2', 9000);
  table.verified(a, key, { ip: '7.7.7.9', udpPort: 9000, tcpPort: 9000 });
  t.is(added.length, 1, 'once silent at its old endpoint, the new one is taken and announced');
  t.is(table.get(a)?.endpoint.ip, '7.7.7.9');
});
