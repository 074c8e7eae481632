import test from 'ava';
import { balanceOf, cli, getInfo, waitFor } from './harness.js';
import { createAddress, mempoolTxids, readyPeerIds, send, startNetNode, waitConnected, waitSameTip } from './network-harness.js';

const ADDRESS = /^Genesis Wallet is: (1[1-9A-HJ-NP-Za-km-z]{25,34})$/;

test('the tutorial on two nodes: B finds A by UDP discovery, adopts its genesis, sends on both, one block, same balances', async (t) => {
  // Discovery on, as in the tutorial; only A auto-mines (B's pool threshold is out of reach), so one block is mined, not two competing ones.
  const a = await startNetNode(t, { discovery: true, txpoolSize: 2 });
  t.is(a.udpPort, a.tcpPort, 'with port 0 the UDP socket takes the TCP port number');
  const b = await startNetNode(t, { discovery: true, txpoolSize: 1000 }, ['--bootstrap', a.udpAddress]);

  // No addpeer: B's discovery ping to A is how they meet; A's node then dials B's advertised TCP port (or B dials A).
  await waitConnected(a, b);
  t.deepEqual(await readyPeerIds(b.setup), [a.nodeId]);
  const infoB = await getInfo(b.setup);
  t.is(infoB.peers, 1);
  t.is(infoB.height, null, 'B has no chain yet');

  const genesis = await cli(a.setup, ['genesis_block']);
  t.is(genesis.code, 0, genesis.stderr);
  const g = ADDRESS.exec(genesis.stdout)?.[1];
  t.truthy(g, genesis.stdout);
  await waitSameTip([a, b]);
  t.is((await cli(b.setup, ['balance', g!])).stdout, `${g} balance is 1000`, 'B adopted A\'s genesis');

  const onB = await createAddress(b.setup);
  const tx1 = await send(a.setup, g!, onB, 100);
  await waitFor('tx1 in B\'s mempool', async () => (await mempoolTxids(b.setup)).includes(tx1));
  t.is((await cli(b.setup, ['balance', onB])).stdout, `${onB} balance is 0 (100 counting unconfirmed transactions)`);

  // B spends the unconfirmed 100 it just received; that is the pool's 2nd tx, so A mines block 1.
  const tx2 = await send(b.setup, onB, g!, 30);
  await waitFor('block 1 on A', async () => (await getInfo(a.setup)).height === 1);
  await waitSameTip([a, b]);
  const [infoA, infoB2] = await Promise.all([getInfo(a.setup), getInfo(b.setup)]);
  t.is(infoA.height, 1);
  t.is(infoB2.tip, infoA.tip);
  await waitFor('empty mempools', async () => (await mempoolTxids(a.setup)).length + (await mempoolTxids(b.setup)).length === 0);
  t.not(tx1, tx2);

  for (const node of [a, b]) {
    t.is(await balanceOf(node.setup, g!), 1000n - 100n + 30n + 1000n, 'the block reward went to A\'s mining address (the genesis address)');
    t.is(await balanceOf(node.setup, onB), 70n);
  }
  const peers = await cli(a.setup, ['peers']);
  t.regex(peers.stdout, new RegExp(`^1 peer\\(s\\)\\nID +ADDRESS +DIR +HEIGHT +PING +CONNECTED\\n${b.nodeId.slice(0, 16)} +127\\.0\\.0\\.1:\\d+ +(in|out) +\\d+ `));
});
