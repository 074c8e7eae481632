import test from 'ava';
import { INBOUND_TX_REQUEST_DELAY_MS } from '../../src/p2p/constants.js';
import { getInfo, rpc, waitFor } from './harness.js';
import { type NetNode, addPeer, createAddress, genesis, mempoolTxids, readyPeerIds, send, startNetNode, waitConnected, waitSameTip } from './network-harness.js';

const LINE_LENGTH = 5;

test('5-node line 1-2-3-4-5: a tx sent on node 1 reaches node 5, the block mined on node 5 reaches every node', async (t) => {
  // No discovery: the topology is exactly the addpeer calls below.
  const nodes: NetNode[] = [];
  for (let i = 0; i < LINE_LENGTH; i++) nodes.push(await startNetNode(t, { txpoolSize: 1000 }, ['--no-discovery']));
  for (let i = 0; i + 1 < LINE_LENGTH; i++) await addPeer(nodes[i]!, nodes[i + 1]!);
  for (let i = 0; i + 1 < LINE_LENGTH; i++) await waitConnected(nodes[i]!, nodes[i + 1]!);
  for (const [i, node] of nodes.entries()) {
    const expected = [nodes[i - 1]?.nodeId, nodes[i + 1]?.nodeId].filter((x): x is string => x !== undefined).sort();
    t.deepEqual((await readyPeerIds(node.setup)).sort(), expected, `node ${i + 1} is only connected to its neighbours`);
    t.is((await getInfo(node.setup)).udpPort, null, 'discovery is off');
  }
  const [first, , , , last] = nodes as [NetNode, NetNode, NetNode, NetNode, NetNode];

  const g = await genesis(first.setup);
  await waitSameTip(nodes);

  const to = await createAddress(last.setup);
  const sentAtMs = Date.now();
  const txid = await send(first.setup, g, to, 250);
  // Node i dialled node i + 1, so each hop's announcer is inbound and waits INBOUND_TX_REQUEST_DELAY_MS (Core's NONPREF_PEER_TX_DELAY).
  await waitFor('the tx in node 5\'s mempool', async () => (await mempoolTxids(last.setup)).includes(txid), 4 * INBOUND_TX_REQUEST_DELAY_MS + 10_000);
  t.log(`tx crossed 4 hops in ${Date.now() - sentAtMs} ms (including RPC polling)`);
  for (const node of nodes) t.deepEqual(await mempoolTxids(node.setup), [txid], 'every node of the line holds the tx');

  const minedAtMs = Date.now();
  const mined = (await rpc(last.setup, 'mine')) as { hash: string; height: number; transactions: number };
  t.is(mined.height, 1);
  t.is(mined.transactions, 2);
  await waitSameTip(nodes, 10_000, mined.hash);
  t.log(`block crossed 4 hops in ${Date.now() - minedAtMs} ms (including RPC polling)`);
  for (const node of nodes) {
    t.deepEqual(await mempoolTxids(node.setup), [], 'the block emptied every mempool');
    // `to` is node 5's first address, so its mining address too: 250 paid + the 1000 reward.
    t.is(((await rpc(node.setup, 'balance', { address: to })) as { confirmed: number }).confirmed, 1250);
    t.is(((await rpc(node.setup, 'balance', { address: g })) as { confirmed: number }).confirmed, 750);
  }
});
