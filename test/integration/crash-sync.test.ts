/**
 * Crash safety under real load (issue #9 item 3): node B block-syncs a chain of thousands of
 * blocks with transactions from node A (both real `cli start` processes) and is killed -9 at
 * random moments of that sync, each kill checked to land mid-sync (0 < height < tip). After every
 * restart B must open its data dir, its tip must be a block of A's chain at the height getinfo
 * reports, and its balances must equal the UTXO set rebuilt from the fixture up to that height;
 * verifychain must pass (the UTXO set replayed from B's stored blocks equals B's stored one);
 * at the end B reaches A's tip with A's balances and A's UTXO-set digest. While B is down after each kill, its data dir is
 * also checked byte for byte against a replay of the chain up to its tip (auditStore). CRASH_KILLS sets the number of kills (CI: 4,
 * `npm run crash`: 20); CRASH_BLOCKS the chain length.
 */
import test from 'ava';
import { join } from 'node:path';
import { Chain } from '../../src/chain/chain.js';
import { CHAIN_DIR_NAME } from '../../src/node/constants.js';
import { Block } from '../../src/primitives/block.js';
import { silentLogger } from '../../src/util/logger.js';
import { buildBlockFixture, loadBlockFixture } from '../bench/block-fixture.js';
import { TEST_PARAMS } from '../helpers/fixtures.js';
import { auditStore, expectedBalances, stableView, verifyChain } from './crash-helpers.js';
import { createNodeSetup, getInfo, killNode, rpc, sleep, waitFor } from './harness.js';
import { type NetNode, addPeer, startNetNodeFrom, waitSameTip } from './network-harness.js';

const KILLS = Number(process.env.CRASH_KILLS ?? 4);
const CHAIN_BLOCKS = Number(process.env.CRASH_BLOCKS ?? 3000);
/** 2-in/2-out transactions per block: every block spends outputs of the one before (undo data, signatures). */
const TXS_PER_BLOCK = 4;
/** Extra random delay after the kill height is reached, so kills do not always follow a getinfo reply. */
const KILL_JITTER_MS = 15;
/** Budget per kill (restart, checks, the sync up to the next kill height) and for the final sync. */
const PER_KILL_MS = 15_000;
const FIXED_MS = 60_000;



test(`kill -9 ${KILLS} times during a sync of ${CHAIN_BLOCKS} blocks with transactions: each restart is consistent and the sync completes`, async (t) => {
  t.timeout(FIXED_MS + KILLS * PER_KILL_MS);
  const buildStartMs = Date.now();
  const fixture = buildBlockFixture(CHAIN_BLOCKS, TXS_PER_BLOCK);
  const blocks = [fixture.genesis, ...fixture.blocks].map((bytes) => Block.decode(bytes));
  const hashAt = blocks.map((block) => block.header.hashHex);
  const addresses = [...expectedBalances(blocks).keys()];

  // A's chain is written in-process into its data dir, then A starts on it.
  const setupA = await createNodeSetup(t, { txpoolSize: 1000 });
  const chainA = await Chain.open({ path: join(setupA.dataDir, CHAIN_DIR_NAME), params: TEST_PARAMS, logger: silentLogger() });
  await loadBlockFixture(chainA, fixture.genesis, fixture.blocks);
  await chainA.close();
  const a = await startNetNodeFrom(t, setupA, ['--no-discovery']);
  const infoA = await getInfo(a.setup);
  t.is(infoA.height, CHAIN_BLOCKS);
  t.is(infoA.tip, hashAt[CHAIN_BLOCKS]);
  t.log(`fixture of ${CHAIN_BLOCKS} blocks (${fixture.inputs} inputs) built and loaded into A in ${Date.now() - buildStartMs} ms`);

  const setupB = await createNodeSetup(t, { txpoolSize: 1000 });
  let b: NetNode = await startNetNodeFrom(t, setupB, ['--no-discovery']);
  t.is((await getInfo(b.setup)).height, null);

  const syncStartMs = Date.now();
  let reached = 0;
  let mismatches = 0;
  for (let kill = 1; kill <= KILLS; kill++) {
    await addPeer(b, a);
    // A random kill height in this kill's share of what is left, so every kill has room to land mid-sync.
    const share = Math.max(1, Math.floor((CHAIN_BLOCKS - 1 - reached) / (KILLS - kill + 2)));
    const target = reached + 1 + Math.floor(Math.random() * share);
    await waitFor(`B at height ${target}`, async () => ((await getInfo(b.setup)).height ?? 0) >= target, PER_KILL_MS);
    await sleep(Math.floor(Math.random() * KILL_JITTER_MS));
    const atKill = (await getInfo(b.setup)).height ?? 0;
    await killNode(b.process);
    t.true(atKill > 0 && atKill < CHAIN_BLOCKS, `kill ${kill} landed mid-sync (height ${atKill} of ${CHAIN_BLOCKS})`);
    const audit = await auditStore(join(setupB.dataDir, CHAIN_DIR_NAME), (tip) => {
      const height = hashAt.indexOf(tip);
      return height >= 0 ? blocks.slice(0, height + 1) : undefined;
    });
    mismatches += audit.mismatches.length;
    t.deepEqual(audit.mismatches, [], `after kill ${kill} B's data dir matches the replay of A's chain up to its tip`);

    b = await startNetNodeFrom(t, setupB, ['--no-discovery']);
    const view = await stableView(b.setup, addresses);
    t.log(`kill ${kill}: height ${atKill} at the kill (target ${target}), ${view.height} after the restart`);
    t.true(view.height < CHAIN_BLOCKS, `after kill ${kill} B is still short of the tip (the kill was before the sync ended)`);
    t.is(view.tip, hashAt[view.height], `after kill ${kill} B's tip is A's block at height ${view.height}`);
    t.is(((await rpc(b.setup, 'print', { height: view.height })) as { hash: string }).hash, view.tip);
    const expected = expectedBalances(blocks.slice(0, view.height + 1));
    for (const address of addresses) {
      const got = view.balances.get(address)!;
      if (got.confirmed + got.immature !== (expected.get(address) ?? 0n)) mismatches++;
      t.is(got.confirmed + got.immature, expected.get(address) ?? 0n, `after kill ${kill} (height ${view.height}) balance of ${address}`);
    }
    const verified = await verifyChain(b.setup);
    t.true(verified.ok, `after kill ${kill}: verifychain: ${verified.failure?.reason}`);
    t.log(`kill ${kill}: verifychain ok at height ${verified.height} (${verified.replayedBlocks} blocks replayed, ${verified.checkedBlocks} in full, ${verified.elapsedMs} ms)`);
    reached = Math.max(reached, view.height);
  }

  await addPeer(b, a);
  await waitSameTip([a, b], PER_KILL_MS * 2, infoA.tip!);
  t.log(`${KILLS} kills, all mid-sync, mismatches ${mismatches} (data dir and balances); sync complete in ${Date.now() - syncStartMs} ms`);
  const finalB = await stableView(b.setup, addresses);
  const finalA = await stableView(a.setup, addresses);
  t.is(finalB.height, CHAIN_BLOCKS);
  const expected = expectedBalances(blocks);
  for (const address of addresses) {
    t.deepEqual(finalB.balances.get(address), finalA.balances.get(address), `final balance of ${address} on B and A`);
    const got = finalB.balances.get(address)!;
    t.is(got.confirmed + got.immature, expected.get(address) ?? 0n);
  }
  // Default depth: the replay from genesis still compares every coin; full signature checks of all
  // 3,000 blocks would add ~8 s on a loaded CI machine, and B checked each signature when it synced.
  const finalVerify = await verifyChain(b.setup);
  t.true(finalVerify.ok, `final verifychain: ${finalVerify.failure?.reason}`);
  const digestA = ((await rpc(a.setup, 'gettxoutsetinfo')) as { hash: string }).hash;
  t.is(finalVerify.actual?.hash, digestA, 'B ends with A\'s UTXO set');
  t.log(`final verifychain: ${finalVerify.replayedBlocks} blocks replayed, ${finalVerify.checkedBlocks} in full, in ${finalVerify.elapsedMs} ms, digest ${digestA} on A and B`);
});
