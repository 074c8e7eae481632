import test from 'ava';
import { balanceOf, getInfo, rpc, stopNode, waitFor } from './harness.js';
import {
  addPeer,
  createAddress,
  genesis,
  mempoolTxids,
  mineBlocks,
  send,
  startNetNode,
  startNetNodeFrom,
  waitConnected,
  waitSameTip,
} from './network-harness.js';

test('two nodes mine competing branches apart, reconnect, converge on the most-work branch and lose no tx', async (t) => {
  const a = await startNetNode(t, { txpoolSize: 1000 }, ['--no-discovery']);
  let b = await startNetNode(t, { txpoolSize: 1000 }, ['--no-discovery']);
  const g = await genesis(a.setup);
  await addPeer(b, a);
  await waitSameTip([a, b]);
  const shared = await getInfo(a.setup);

  // Apart: B is stopped (manual peers are not remembered), A mines 2 blocks holding txA.
  t.is(await stopNode(b.process), 0);
  const onA = await createAddress(a.setup);
  const txA = await send(a.setup, g, onA, 100);
  t.is(await mineBlocks(a.setup, 2), 2);
  const txA2 = await send(a.setup, onA, g, 40); // spends txA's output; stays unconfirmed
  const branchA = await getInfo(a.setup);

  // B restarts alone and mines a longer branch (4 blocks) with its own txB.
  b = await startNetNodeFrom(t, b.setup, ['--no-discovery']);
  t.is((await getInfo(b.setup)).peers, 0, 'B is on its own');
  const minerB = await createAddress(b.setup);
  const payeeB = await createAddress(b.setup);
  t.is(await mineBlocks(b.setup, 1), 1);
  const txB = await send(b.setup, minerB, payeeB, 50);
  t.is(await mineBlocks(b.setup, 3), 4);
  const branchB = await getInfo(b.setup);
  t.is(branchA.height, 2);
  t.is(branchB.height, 4);
  t.is(branchB.genesis, shared.genesis);
  t.not(branchA.tip, branchB.tip);

  // Reconnect: both end on B's branch (more work: same target, more blocks).
  await addPeer(a, b);
  await waitConnected(a, b);
  await waitSameTip([a, b], 20_000, branchB.tip!);
  t.regex(a.process.output(), /"status":"reorganized"|reorg/i, 'A logged a reorganisation');

  // No tx lost: txB is confirmed; A's txs are back in its mempool. (B may hold txA too, relayed
  // after A's reorg; txA2 reached B while B still lacked txA, and B does not keep orphan txs.)
  for (const node of [a, b]) t.is(await balanceOf(node.setup, payeeB), 50n, 'txB is in the winning chain');
  let pools: string[][] = [];
  await waitFor('txA and txA2 back in A\'s mempool', async () => {
    pools = await Promise.all([mempoolTxids(a.setup), mempoolTxids(b.setup)]);
    return [txA, txA2].every((tx) => pools[0]!.includes(tx));
  }).catch((err: Error) => {
    throw new Error(`${err.message}: txA ${txA}, txA2 ${txA2}, pools of A and B: ${JSON.stringify(pools)}`);
  });
  t.false(pools.flat().includes(txB), 'txB is confirmed, not pooled');
  t.is(await balanceOf(a.setup, onA), 0n, 'A\'s branch is gone');

  // One more block, mined by A on the winning chain, confirms them; B takes it.
  const mined = (await rpc(a.setup, 'mine')) as { height: number; transactions: number; hash: string };
  t.is(mined.height, 5);
  t.is(mined.transactions, 3, 'coinbase + txA + txA2');
  await waitSameTip([a, b], 10_000, mined.hash);
  for (const node of [a, b]) {
    t.is(await balanceOf(node.setup, onA), 60n);
    t.is(await balanceOf(node.setup, g), 1000n - 100n + 40n + 1000n, 'A\'s lost rewards are gone; block 5 pays it');
    t.deepEqual(await mempoolTxids(node.setup), []);
  }
  // After the reorganisation each node's stored chain replays to its UTXO set, and both hold the same one.
  const checks = (await Promise.all([a, b].map((node) => rpc(node.setup, 'verifychain', { depth: 0 })))) as Array<{ ok: boolean; failure: { reason: string } | null; actual: { hash: string } }>;
  for (const check of checks) t.true(check.ok, check.failure?.reason);
  t.is(checks[0]!.actual.hash, checks[1]!.actual.hash, 'A and B hold the same UTXO set');
});
