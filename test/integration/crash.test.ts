import test from 'ava';
import { RpcFailure, balanceOf, createNodeSetup, getInfo, killNode, rpc, sleep, startNode, waitFor } from './harness.js';

/** Harder than the easy test target so a kill lands during nonce searches too (~65k hashes a block). */
const MODERATE_POW_BITS = '0x1f00ffff';
const REWARD = 1000n;

test('kill -9 during a burst of sends and mining leaves a consistent chain', async (t) => {
  const setup = await createNodeSetup(t, { powBits: MODERATE_POW_BITS });
  let node = await startNode(t, setup);
  const { address: a } = (await rpc(setup, 'genesis_block')) as { address: string };
  const { address: b } = (await rpc(setup, 'createwallet')) as { address: string };

  let sends = 0;
  let refused = 0;
  let minedOverRpc = 0;
  let alive = true;
  // A dead node (fetch fails) ends a loop; RPC refusals (b has nothing yet, a conflict) are fine.
  const sendLoop = (async () => {
    for (let i = 0; alive; i++) {
      try {
        await rpc(setup, 'send', { from: i % 3 === 2 ? b : a, to: i % 3 === 2 ? a : b, amount: String(1 + (i % 5)) });
        sends++;
      } catch (err) {
        if (!(err instanceof RpcFailure)) return;
        refused++;
      }
    }
  })();
  const mineLoop = (async () => {
    while (alive) {
      try {
        await rpc(setup, 'mine');
        minedOverRpc++;
      } catch (err) {
        if (!(err instanceof RpcFailure)) return;
      }
    }
  })();
  // Kill at a random moment once blocks are flowing (sends, auto-mining and `mine` all in progress).
  await waitFor('block 1', async () => ((await getInfo(setup)).height ?? 0) >= 1);
  await sleep(100 + Math.floor(Math.random() * 800));
  await killNode(node);
  alive = false;
  await Promise.all([sendLoop, mineLoop]);
  t.log(`before the kill: ${sends} sends accepted, ${refused} refused, ${minedOverRpc} blocks mined over RPC`);
  t.true(sends > 0);

  node = await startNode(t, setup);
  const info = await getInfo(setup);
  t.not(info.height, null);
  const height = info.height!;
  t.log(`height after restart: ${height}`);
  t.true(height >= 1, 'blocks mined before the kill survive it');

  // No fees were paid and every coinbase went to wallet addresses: the wallet holds every coin ever made.
  const { addresses } = (await rpc(setup, 'printwallet')) as { addresses: string[] };
  t.deepEqual(addresses, [a, b]);
  let total = 0n;
  for (const address of addresses) total += await balanceOf(setup, address);
  t.is(total, REWARD * BigInt(height + 1));

  let prev: string | undefined;
  for (let h = 0; h <= height; h++) {
    const header = (await rpc(setup, 'print', { height: h })) as { height: number; hash: string; prevHash: string };
    t.is(header.height, h);
    if (prev !== undefined) t.is(header.prevHash, prev);
    prev = header.hash;
  }
  t.is(prev, info.tip ?? undefined);
  const verified = (await rpc(setup, 'verifychain', { depth: 0 })) as { ok: boolean; failure: { reason: string } | null; replayedBlocks: number };
  t.true(verified.ok, `verifychain after the kill: ${verified.failure?.reason}`);
  t.is(verified.replayedBlocks, height + 1);
  const utxo = (await rpc(setup, 'gettxoutsetinfo')) as { totalAmount: number };
  t.is(BigInt(utxo.totalAmount), REWARD * BigInt(height + 1), 'the UTXO set holds every reward, no more');

  const { txid } = (await rpc(setup, 'send', { from: a, to: b, amount: '1' })) as { txid: string };
  t.regex(txid, /^[0-9a-f]{64}$/);
  const mined = (await rpc(setup, 'mine')) as { height: number };
  t.is(mined.height, height + 1);
  t.is((await getInfo(setup)).height, height + 1);
});
