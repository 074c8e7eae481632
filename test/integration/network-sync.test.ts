import test from 'ava';
import { balanceOf, getInfo } from './harness.js';
import { addPeer, createAddress, genesis, mineBlocks, send, startNetNode, waitConnected, waitSameTip } from './network-harness.js';

const CHAIN_BLOCKS = 520;
const TX_EVERY_BLOCKS = 100;

test(`a node started later syncs ${CHAIN_BLOCKS} blocks (with their txs) from a peer`, async (t) => {
  const a = await startNetNode(t, { txpoolSize: 1000 }, ['--no-discovery']);
  const g = await genesis(a.setup);
  const payee = await createAddress(a.setup);
  const mineStartMs = Date.now();
  let sent = 0;
  for (let mined = 0; mined < CHAIN_BLOCKS; mined += TX_EVERY_BLOCKS) {
    await send(a.setup, g, payee, 10);
    sent++;
    await mineBlocks(a.setup, Math.min(TX_EVERY_BLOCKS, CHAIN_BLOCKS - mined));
  }
  const tip = await getInfo(a.setup);
  t.is(tip.height, CHAIN_BLOCKS);
  t.log(`mined ${CHAIN_BLOCKS} blocks in ${Date.now() - mineStartMs} ms`);

  const b = await startNetNode(t, { txpoolSize: 1000 }, ['--no-discovery']);
  t.is((await getInfo(b.setup)).height, null);
  const syncStartMs = Date.now();
  await addPeer(b, a);
  await waitConnected(a, b);
  await waitSameTip([a, b], 40_000, tip.tip!);
  const syncMs = Date.now() - syncStartMs;
  t.log(`synced ${CHAIN_BLOCKS + 1} blocks in ${syncMs} ms (${Math.round(((CHAIN_BLOCKS + 1) * 1000) / syncMs)} blocks/s)`);

  const infoB = await getInfo(b.setup);
  t.is(infoB.height, CHAIN_BLOCKS);
  t.is(infoB.genesis, tip.genesis);
  t.is(await balanceOf(b.setup, payee), BigInt(sent * 10));
  t.is(await balanceOf(b.setup, g), await balanceOf(a.setup, g));
  const syncLog = b.process.output();
  t.regex(syncLog, /"msg":"starting block sync"/);
  t.regex(syncLog, /"reason":"caught up","height":520,"blocks":521,"txs":\d+,"seconds":[\d.]+,"blocksPerSec":[\d.]+,"msg":"block sync ended"/);
});
