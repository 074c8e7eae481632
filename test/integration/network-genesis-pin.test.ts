import test from 'ava';
import { cli, createNodeSetup, getInfo, sleep, startNode, stopNode, waitFor } from './harness.js';
import { addPeer, genesis, mineBlocks, readyPeerIds, startNetNode, waitConnected, waitSameTip } from './network-harness.js';

test('a node pinned to A genesis refuses a node of another genesis while empty, then syncs from A', async (t) => {
  const a = await startNetNode(t, { txpoolSize: 1000 }, ['--no-discovery']);
  const other = await startNetNode(t, { txpoolSize: 1000 }, ['--no-discovery']);
  await genesis(a.setup);
  await mineBlocks(a.setup, 3);
  await genesis(other.setup);
  const genesisA = (await getInfo(a.setup)).genesis!;
  const genesisOther = (await getInfo(other.setup)).genesis!;
  t.not(genesisA, genesisOther);

  const pinned = await startNetNode(t, { txpoolSize: 1000 }, ['--no-discovery', '--genesis', genesisA]);
  await addPeer(pinned, other);
  const refusal = new RegExp(`"code":"different-genesis","reason":"peer's genesis ${genesisOther} differs from ours ${genesisA}","msg":"refusing peer"`);
  await waitFor('the refusal in the pinned node log', async () => refusal.test(pinned.process.output()), 10_000);
  // The refused node is redialled with backoff; no attempt may hand the pinned node its genesis.
  for (let i = 0; i < 10; i++) {
    t.deepEqual(await readyPeerIds(pinned.setup), []);
    await sleep(150);
  }
  const empty = await getInfo(pinned.setup);
  t.is(empty.height, null, 'the pinned node keeps its chain empty');
  t.is(empty.genesis, null);

  await addPeer(pinned, a);
  await waitConnected(pinned, a);
  await waitSameTip([a, pinned]);
  const synced = await getInfo(pinned.setup);
  t.is(synced.genesis, genesisA);
  t.is(synced.height, 3);
  t.is((await getInfo(other.setup)).genesis, genesisOther);
});

test('genesis_block on a pinned empty node refuses and creates nothing', async (t) => {
  const pin = 'ab'.repeat(32);
  const setup = await createNodeSetup(t);
  await startNode(t, setup, ['--genesis', pin]);
  const result = await cli(setup, ['genesis_block']);
  t.is(result.code, 1);
  t.is(result.stderr, `error -1: this node is pinned to genesis ${pin}; it gets that block from its peers`);
  const info = await getInfo(setup);
  t.is(info.height, null);
  t.is(info.walletAddresses, 0, 'no wallet key was made for the refused genesis');
});

test('a data dir whose genesis differs from the pin refuses to start, naming both hashes', async (t) => {
  const setup = await createNodeSetup(t);
  const node = await startNode(t, setup);
  await genesis(setup);
  const stored = (await getInfo(setup)).genesis!;
  t.is(await stopNode(node), 0);

  const pin = 'cd'.repeat(32);
  const refused = await cli(undefined, ['start', '--config', setup.configFile, '--genesis', pin]);
  t.is(refused.code, 1);
  t.true(
    refused.stderr.split('\n').some((line) => line.includes(`starts at genesis ${stored}, but this node is pinned to genesis ${pin}`)),
    refused.stderr,
  );
  // The matching pin starts normally on the same data dir.
  await startNode(t, setup, ['--genesis', stored]);
  t.is((await getInfo(setup)).genesis, stored);
});
