import test from 'ava';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { balanceOf, cli, createNodeSetup, getInfo, startNode, stopNode, waitFor } from './harness.js';

const ADDRESS = '(1[1-9A-HJ-NP-Za-km-z]{25,34})';

test('the tutorial: genesis, wallet, two sends mine a block, balances survive a restart', async (t) => {
  const setup = await createNodeSetup(t);
  let node = await startNode(t, setup);

  const genesis = await cli(setup, ['genesis_block']);
  t.is(genesis.code, 0, genesis.stderr);
  const genesisAddress = new RegExp(`^Genesis Wallet is: ${ADDRESS}$`).exec(genesis.stdout)?.[1];
  t.truthy(genesisAddress, genesis.stdout);
  const a = genesisAddress!;

  t.is((await cli(setup, ['balance', a])).stdout, `${a} balance is 1000`);

  const created = await cli(setup, ['createwallet']);
  const b = new RegExp(`^Wallet address is ${ADDRESS}$`).exec(created.stdout)?.[1];
  t.truthy(b, created.stdout);

  const printed = await cli(setup, ['printwallet']);
  t.deepEqual(printed.stdout.split('\n'), [a, b]);

  // Two sends before any block: the second spends the first one's unconfirmed change.
  for (let i = 0; i < 2; i++) {
    const sent = await cli(setup, ['send', '--from', a, '--to', b!, '--amount', '100']);
    t.is(sent.code, 0, sent.stderr);
    t.regex(sent.stdout, new RegExp(`^Sent 100 from ${a} to ${b} in transaction [0-9a-f]{64}$`));
  }
  // txpool.size = 2: the second send makes the miner build block 1.
  await waitFor('block 1', async () => (await getInfo(setup)).height === 1);
  await waitFor('an empty mempool', async () => (await getInfo(setup)).mempoolSize === 0);
  t.is(await balanceOf(setup, a), 1800n);
  t.is(await balanceOf(setup, b!), 200n);
  t.is((await cli(setup, ['balance', b!])).stdout, `${b} balance is 200`);

  const header = await cli(setup, ['print', '1']);
  t.is(header.code, 0, header.stderr);
  const json = JSON.parse(header.stdout) as { height: number; hash: string; prevHash: string };
  t.is(json.height, 1);
  t.is(json.prevHash as string | undefined, (await getInfo(setup)).genesis ?? undefined);

  const info = await getInfo(setup);
  t.is(info.peers, 0);
  t.is(info.walletAddresses, 2);
  t.is(info.miningAddress, a);

  t.is(await stopNode(node), 0, node.output());
  t.false(existsSync(join(setup.dataDir, '.cookie')), 'the cookie is removed on stop');
  t.false(existsSync(join(setup.dataDir, 'node.lock')), 'the lock is released on stop');

  node = await startNode(t, setup);
  const after = await getInfo(setup);
  t.is(after.height, 1);
  t.is(after.tip, info.tip);
  t.is(await balanceOf(setup, a), 1800n);
  t.is(await balanceOf(setup, b!), 200n);
  t.deepEqual((await cli(setup, ['printwallet'])).stdout.split('\n'), [a, b]);
  t.is(await stopNode(node), 0);
});

test('SIGTERM stops the node cleanly with exit 0', async (t) => {
  const setup = await createNodeSetup(t);
  const node = await startNode(t, setup);
  node.child.kill('SIGTERM');
  t.is(await node.exited, 0, node.output());
  t.false(existsSync(join(setup.dataDir, '.cookie')));
});
