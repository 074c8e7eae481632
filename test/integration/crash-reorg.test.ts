/**
 * Crash safety of a multi-block reorg (issue #9 item 3): node B holds its own branch of
 * REORG_DEPTH blocks with transactions above a common fork point; node A holds a competing branch
 * with more work from the same fork point (both real `cli start` processes, their chains written
 * in-process beforehand). B dials A and reorganises: it stores A's branch as side blocks while its
 * tip stays on its own branch, switches over in one transaction (disconnect REORG_DEPTH blocks,
 * connect as many plus one), then connects the rest of A's branch. B is killed -9 in each of those
 * phases; every kill is checked, from B's data dir while B is down, to have landed during the
 * reorg (tip on B's branch with A's branch partly stored, or the switch logged as started and not
 * finished, or the tip on A's branch short of A's tip). The data dir must then hold exactly the
 * UTXO set, address index, heights and undo records of a replay of its tip's own branch; after
 * the restart verifychain must pass and B's balances must match that replay, and at the end B is
 * on A's tip with A's balances and A's UTXO-set digest (gettxoutsetinfo). The kills aimed at the
 * switch must land inside it (at least 30 % of all kills): one that lands after it is not counted,
 * B's data dir is put back as it was before that attempt, and the attempt is repeated. CRASH_REORG_KILLS sets the kills (CI: 3, `npm run crash`: 10); CRASH_REORG_DEPTH the depth
 * (CI: 500, `npm run crash`: 1000); CRASH_REORG_EXTRA how many more blocks A's branch has.
 */
import test from 'ava';
import { cp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Chain } from '../../src/chain/chain.js';
import { CHAIN_DIR_NAME } from '../../src/node/constants.js';
import { Block } from '../../src/primitives/block.js';
import { silentLogger } from '../../src/util/logger.js';
import { buildForkFixture, loadBlockFixture } from '../bench/block-fixture.js';
import { TEST_PARAMS } from '../helpers/fixtures.js';
import { auditStore, expectedBalances, stableView, verifyChain } from './crash-helpers.js';
import { type NodeSetup, createNodeSetup, getInfo, killNode, rpc, sleep, waitFor } from './harness.js';
import { type NetNode, addPeer, startNetNodeFrom, waitSameTip } from './network-harness.js';

const KILLS = Number(process.env.CRASH_REORG_KILLS ?? 3);
/** Blocks of B's own branch above the fork point: what the reorg disconnects. */
const REORG_DEPTH = Number(process.env.CRASH_REORG_DEPTH ?? 500);
/** A's branch is this much longer (more work at the same target): blocks connected after the switch. */
const EXTRA_BLOCKS = Number(process.env.CRASH_REORG_EXTRA ?? 600);
/** Blocks both chains share (genesis excluded). */
const FORK_HEIGHT = 50;
const TXS_PER_BLOCK = 4;
/** Kill delays: after the side-block count or height is reached, and after the switch is logged as started (it lasts 0.5-2 s here). */
const KILL_JITTER_MS = 15;
const SWITCH_KILL_DELAY_MAX_MS = 30;
const SWITCH_POLL_MS = 2;
/** Budget per kill attempt (restart, audit, the work up to the next kill) and for the rest. */
const PER_KILL_MS = 20_000;
const FIXED_MS = 60_000;
/** Kills that land outside the reorg, or aimed at the switch and landing after it, are retried, up to this many extra attempts in all. */
const SPARE_ATTEMPTS = 6;

type Phase = 'side' | 'switch' | 'after';
/** What B's data dir showed after a kill. */
type Landed = 'side-blocks stored, tip on old branch' | 'inside the switch' | 'tip on new branch, short of its tip' | 'before the reorg' | 'after the reorg';

const countOf = (text: string, msg: string): number => text.split(`"msg":"${msg}"`).length - 1;

/** Milliseconds from the first 'chain reorganisation started' to the first 'chain reorganisation' line of a log, if both are there. */
function switchDurationMs(log: string): number | undefined {
  const timeOf = (msg: string): number | undefined => {
    const line = log.split('\n').find((l) => l.includes(`"msg":"${msg}"`));
    return line === undefined ? undefined : (JSON.parse(line) as { time: number }).time;
  };
  const started = timeOf('chain reorganisation started');
  const finished = timeOf('chain reorganisation');
  return started !== undefined && finished !== undefined ? finished - started : undefined;
}

/** The phase kill `index` (0-based) aims at: about 40 % while side blocks are stored, 30 % in the switch, 30 % after. */
function plannedPhase(index: number): Phase {
  if (index < Math.ceil(KILLS * 0.4)) return 'side';
  if (index < Math.ceil(KILLS * 0.7)) return 'switch';
  return 'after';
}
/** Kills planned for the switch (at least 30 % of them, rounded up): each must land inside it. */
const SWITCH_KILLS = Math.ceil(KILLS * 0.7) - Math.ceil(KILLS * 0.4);

test(`kill -9 ${KILLS} times during a reorg ${REORG_DEPTH} blocks deep: every state left is one branch's replay, and the reorg completes`, async (t) => {
  t.timeout(FIXED_MS + (KILLS + SPARE_ATTEMPTS) * PER_KILL_MS);
  const buildStartMs = Date.now();
  const fixture = buildForkFixture(FORK_HEIGHT, REORG_DEPTH + EXTRA_BLOCKS, REORG_DEPTH, TXS_PER_BLOCK);
  const decode = (list: readonly Buffer[]): Block[] => list.map((bytes) => Block.decode(bytes));
  const common = decode([fixture.genesis, ...fixture.common]);
  const chainA = [...common, ...decode(fixture.branchA)];
  const chainB = [...common, ...decode(fixture.branchB)];
  const tipA = chainA.at(-1)!;
  const heightOfA = new Map(chainA.map((b) => [b.hashHex, b.height]));
  const heightOfB = new Map(chainB.map((b) => [b.hashHex, b.height]));
  const chainOf = (tip: string): Block[] | undefined => {
    const onA = heightOfA.get(tip);
    if (onA !== undefined) return chainA.slice(0, onA + 1);
    const onB = heightOfB.get(tip);
    return onB !== undefined ? chainB.slice(0, onB + 1) : undefined;
  };
  const sideHashes = chainA.slice(FORK_HEIGHT + 1, FORK_HEIGHT + 1 + REORG_DEPTH).map((b) => b.hash);
  const addresses = [...new Set([...expectedBalances(chainA).keys(), ...expectedBalances(chainB).keys()])];

  const loadInto = async (setup: NodeSetup, blocks: readonly Buffer[]): Promise<void> => {
    const chain = await Chain.open({ path: join(setup.dataDir, CHAIN_DIR_NAME), params: TEST_PARAMS, logger: silentLogger() });
    await loadBlockFixture(chain, fixture.genesis, blocks);
    await chain.close();
  };
  const setupA = await createNodeSetup(t, { txpoolSize: 1000 });
  const setupB = await createNodeSetup(t, { txpoolSize: 1000 });
  await loadInto(setupA, [...fixture.common, ...fixture.branchA]);
  await loadInto(setupB, [...fixture.common, ...fixture.branchB]);
  const a = await startNetNodeFrom(t, setupA, ['--no-discovery']);
  t.is((await getInfo(a.setup)).tip, tipA.hashHex);
  let b: NetNode = await startNetNodeFrom(t, setupB, ['--no-discovery']);
  t.is((await getInfo(b.setup)).tip, chainB.at(-1)!.hashHex);
  t.log(`fork at height ${FORK_HEIGHT}: B's branch ${REORG_DEPTH} blocks, A's ${REORG_DEPTH + EXTRA_BLOCKS} (${TXS_PER_BLOCK} txs each), built and loaded in ${Date.now() - buildStartMs} ms`);

  const chainDirB = join(setupB.dataDir, CHAIN_DIR_NAME);
  const landedCounts = new Map<Landed, number>();
  let sideStored = 0; // of A's blocks, as of the last audit
  let switched = false;
  let duringReorg = 0;
  let insideSwitch = 0;
  let switchMisses = 0;
  let mismatches = 0;
  let verifiedBlocks = 0;
  const phaseNow = (): Phase => (switched ? 'after' : sideStored >= REORG_DEPTH ? (plannedPhase(duringReorg) === 'after' ? 'after' : 'switch') : plannedPhase(duringReorg));
  /** B's data dir (B down, right after a kill) before an attempt aimed at the switch, with what was known of it then: a miss is put back to it. */
  const snapshotDir = join(setupB.root, 'before-switch-attempt');
  let snapshot: { sideStored: number; tip: string } | undefined;
  const reorgStartMs = Date.now();
  for (let attempt = 1; duringReorg < KILLS && attempt <= KILLS + SPARE_ATTEMPTS; attempt++) {
    const phase = phaseNow();
    const outputAtStart = b.process.output().length;
    const sinceStart = (): string => b.process.output().slice(outputAtStart);
    /** B must only ever stop by our kill: anything else is a crash to report with its last log lines. */
    const assertAlive = (): void => {
      const { exitCode, signalCode } = b.process.child;
      if (exitCode !== null || signalCode !== null) throw new Error(`B exited by itself (${exitCode ?? signalCode}):\n${sinceStart().split('\n').slice(-20).join('\n')}`);
    };
    await addPeer(b, a);
    let aim: string;
    if (phase === 'side') {
      const sideKillsLeft = Math.max(1, Math.ceil(KILLS * 0.4) - duringReorg);
      const share = Math.max(1, Math.floor((REORG_DEPTH - 1 - sideStored) / (sideKillsLeft + 1)));
      const target = Math.min(REORG_DEPTH - 1, sideStored + 1 + Math.floor(Math.random() * share));
      aim = `${target} side blocks stored`;
      await waitFor(aim, async () => {
        assertAlive();
        return sideStored + countOf(sinceStart(), 'stored side-branch block') >= target || countOf(sinceStart(), 'chain reorganisation started') > 0;
      }, PER_KILL_MS);
      await sleep(Math.floor(Math.random() * KILL_JITTER_MS));
    } else if (phase === 'switch') {
      aim = 'the switch';
      // Polled on the log itself (a search from where this run's output starts), not over RPC:
      // the switch holds B's thread for about a second, and the kill must land inside it.
      await waitFor('the switch to start', async () => {
        assertAlive();
        return b.process.output().includes('"msg":"chain reorganisation started"', outputAtStart);
      }, PER_KILL_MS, SWITCH_POLL_MS);
      await sleep(Math.floor(Math.random() * SWITCH_KILL_DELAY_MAX_MS));
    } else {
      const from = switched ? ((await getInfo(b.setup)).height ?? 0) : FORK_HEIGHT + REORG_DEPTH + 1;
      // A random height in this kill's share of what is left, so the kills still to come have room too.
      const share = Math.max(1, Math.floor((tipA.height - 1 - from) / (KILLS - duringReorg + 1)));
      const target = Math.min(tipA.height - 1, from + 1 + Math.floor(Math.random() * share));
      aim = `height ${target} on A's branch`;
      await waitFor(aim, async () => {
        assertAlive();
        const info = await getInfo(b.setup);
        return heightOfA.has(info.tip ?? '') && (info.height ?? 0) >= target;
      }, PER_KILL_MS);
      await sleep(Math.floor(Math.random() * KILL_JITTER_MS));
    }
    assertAlive();
    await killNode(b.process);
    const log = sinceStart();

    const audit = await auditStore(chainDirB, chainOf, sideHashes);
    const onA = audit.tipHash !== undefined && heightOfA.has(audit.tipHash) && audit.tipHeight! > FORK_HEIGHT;
    const switchOpen = countOf(log, 'chain reorganisation started') > countOf(log, 'chain reorganisation');
    let landed: Landed;
    if (onA) landed = audit.tipHash === tipA.hashHex ? 'after the reorg' : 'tip on new branch, short of its tip';
    else if (switchOpen) landed = 'inside the switch';
    else landed = audit.watchedStored > 0 ? 'side-blocks stored, tip on old branch' : 'before the reorg';
    // A kill aimed at the switch counts only inside it: one landing after it proves nothing about the switch.
    const missedSwitch = phase === 'switch' && landed !== 'inside the switch';
    const counted = landed !== 'before the reorg' && landed !== 'after the reorg' && !missedSwitch;
    landedCounts.set(landed, (landedCounts.get(landed) ?? 0) + 1);
    if (counted) duringReorg++;
    if (counted && landed === 'inside the switch') insideSwitch++;
    if (missedSwitch) switchMisses++;
    mismatches += audit.mismatches.length;
    t.deepEqual(audit.mismatches, [], `attempt ${attempt}: B's data dir matches the replay of its branch up to its tip`);
    t.log(
      `kill ${attempt} (aimed at ${phase}: ${aim}): ${landed}${counted ? '' : missedSwitch ? ' (missed the switch: not counted, data dir put back, retried)' : ' (not counted)'}; tip height ${audit.tipHeight} on ${onA ? "A's" : "B's"} branch, ` +
        `${audit.watchedStored}/${REORG_DEPTH} of A's blocks below the switch stored, data dir mismatches ${audit.mismatches.length}`,
    );
    const switchMs = switchDurationMs(log);
    if (switchMs !== undefined) t.log(`  the switch (${REORG_DEPTH} blocks off, ${REORG_DEPTH + 1} on) took ${switchMs} ms before this kill`);
    sideStored = audit.watchedStored;
    switched = onA;
    let expectedTip = audit.tipHash ?? '';
    if (missedSwitch && snapshot !== undefined) {
      await rm(setupB.dataDir, { recursive: true, force: true });
      await cp(snapshotDir, setupB.dataDir, { recursive: true });
      ({ sideStored, tip: expectedTip } = snapshot);
      switched = false;
    } else if (phaseNow() === 'switch' && duringReorg < KILLS) {
      await rm(snapshotDir, { recursive: true, force: true });
      await cp(setupB.dataDir, snapshotDir, { recursive: true });
      snapshot = { sideStored, tip: expectedTip };
    }

    b = await startNetNodeFrom(t, setupB, ['--no-discovery']);
    const view = await stableView(b.setup, addresses);
    const own = chainOf(view.tip);
    t.truthy(own, `after restart ${attempt} B's tip ${view.tip} is a block of one of the branches`);
    t.is(view.tip, expectedTip, `after restart ${attempt} B reopened at the tip its data dir held`);
    const verified = await verifyChain(b.setup);
    t.true(verified.ok, `after restart ${attempt}: verifychain: ${verified.failure?.reason}`);
    verifiedBlocks += verified.replayedBlocks;
    const expected = expectedBalances(own ?? []);
    for (const address of addresses) {
      const got = view.balances.get(address)!;
      if (got.confirmed + got.immature !== (expected.get(address) ?? 0n)) mismatches++;
      t.is(got.confirmed + got.immature, expected.get(address) ?? 0n, `after restart ${attempt} (height ${view.height}) balance of ${address}`);
    }
  }
  t.is(duringReorg, KILLS, `every one of the ${KILLS} kills landed during the reorg`);
  t.true(insideSwitch >= SWITCH_KILLS, `${insideSwitch} kills landed inside the switch, ${SWITCH_KILLS} required`);

  await addPeer(b, a);
  await waitSameTip([a, b], PER_KILL_MS * 2, tipA.hashHex);
  const finalB = await stableView(b.setup, addresses);
  const finalA = await stableView(a.setup, addresses);
  const expected = expectedBalances(chainA);
  for (const address of addresses) {
    t.deepEqual(finalB.balances.get(address), finalA.balances.get(address), `final balance of ${address} on B and A`);
    const got = finalB.balances.get(address)!;
    t.is(got.confirmed + got.immature, expected.get(address) ?? 0n);
  }
  const finalVerify = await verifyChain(b.setup);
  t.true(finalVerify.ok, `final verifychain: ${finalVerify.failure?.reason}`);
  const digestA = ((await rpc(a.setup, 'gettxoutsetinfo')) as { hash: string }).hash;
  const digestB = ((await rpc(b.setup, 'gettxoutsetinfo')) as { hash: string }).hash;
  t.is(digestB, digestA, "B ends with A's UTXO set (gettxoutsetinfo)");
  t.is(finalVerify.actual?.hash, digestA, "B's UTXO set replayed by verifychain is A's");
  const landedSummary = [...landedCounts].map(([what, n]) => `${n} ${what}`).join(', ');
  t.log(`kills ${[...landedCounts.values()].reduce((sum, n) => sum + n, 0)}, kills during the reorg ${duringReorg} (${landedSummary}), inside the switch ${insideSwitch}/${SWITCH_KILLS} required, switch misses retried ${switchMisses}, mismatches ${mismatches}; reorg complete in ${Date.now() - reorgStartMs} ms`);
  t.log(`verifychain ok after every restart (${verifiedBlocks} blocks replayed in all) and at the end; UTXO digest ${digestA} on A and B`);
});
