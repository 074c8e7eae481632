/**
 * Issue #9, partition and heal: nodes in network namespaces (10.97.0.0/24, only inside them) are
 * split in two by iptables DROP rules (TCP and UDP, both ways, no RST). Both halves accept
 * payments — including a double spend of one coin whose key both halves' wallets hold — and
 * mine; the winning half mines more blocks. After the heal every node must take the most-work
 * tip, every payment accepted on the losing side must come back (in every mempool, then mined
 * on the winning chain), the losing side's double spend must be gone everywhere, and the coins
 * must add up: the sum over every wallet address equals the rewards of the winning chain
 * (fees are 0), confirmed and counting the mempool alike.
 *
 * Each payer's payments chain through their change, so after the reorg the losing side's pools
 * hold chains longer than txpool.maxAncestors: their tails reach the winning side only after a
 * block (tx-retry.ts), and the winning side mines until every pool is empty.
 *
 * Two kinds of cut. 'short': the default heartbeat (a ping after 30 s of quiet, 60 s at the
 * accepting end, 20 s for its pong: ≥ 50 s of silence) outlives it, so the sessions across it survive and TCP delivers what was queued once it heals. 'long': 1 s pings
 * and a 5 s timeout, the cut is held until every session across it is gone and then 16 s more
 * (a minute in the full run), so the heal needs new connections.
 *
 * CI runs 5 nodes, ~100 payments, three scenarios: a short cut and a long cut joined by
 * discovery, and a long cut joined by addpeer only (14-43 s each on the 2 shared cores, 87 s for
 * the three). The long cut with discovery did not heal until a session dropped for a silent link
 * stopped putting its address on the 5-minute early-close cool-down and a dial round with slots
 * to spare redialled reached addresses whose dials failed during the cut (outbound-policy.ts):
 * held 16 s, the old code put every node on the winning tip 54 s after the heal (2 of 2 runs,
 * when the cool-downs ran out), the new one 4.2-4.9 s after it (the next dial round; 7 of 7),
 * addpeer 0.2-0.5 s (7 of 7). PARTITION_FULL=1
 * (npm run partition) runs 6 nodes and reorgs 24 blocks, a long cut held a minute more: with
 * discovery, with addpeer only, and a short cut. Knobs (one scenario of 5 nodes):
 * PARTITION_LINKS=addpeer|discovery, PARTITION_CUT=long|short.
 */
import test from 'ava';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_MEMPOOL_POLICY } from '../../src/mempool/constants.js';
import { publicKeyToAddress } from '../../src/primitives/address.js';
import { generatePrivateKey, publicKeyOf } from '../../src/primitives/secp256k1.js';
import { serializeWallet } from '../../src/wallet/wallet-file.js';
import { Firewall, findIptables, iptablesSkipReason } from './firewall.js';
import { type LabNode, LabCluster, type PoolTx } from './lab-cluster.js';
import { labSkipReason } from './netns.js';

const FULL = process.env['PARTITION_FULL'] === '1';
const NODE_COUNT = FULL ? 6 : 5;
/** Nodes 1–3 win (they mine more blocks), the rest lose. */
const WINNING_COUNT = 3;
/**
 * Payments per payer per round on each side (two rounds: one mined in the half, one left in its
 * pool). Each payer's payments chain through their change: after the losing side's reorg its
 * two rounds are one unconfirmed chain of 2 × 13 = 26, longer than txpool.maxAncestors (25).
 */
const PAYMENTS_PER_PAYER = FULL ? 15 : 13;
/** Full run: a reorg of 24 blocks (deeper than chain.coinbaseMaturity, 20) on the losing side. */
const WINNING_BLOCKS = FULL ? 30 : 3;
const LOSING_BLOCKS = FULL ? 24 : 2;
/**
 * How long a long cut is held after the halves lost each other: longer than a dial round and its
 * connect timeout (DIAL_INTERVAL_MS + CONNECT_TIMEOUT_MS, 15 s), so every redial across it has
 * failed and put its address on cool-down before the heal — the case that never healed. Without
 * the hold a redial still waiting on its SYN when the cut lifted often connected anyway, so the
 * test passed 4 of 5 runs on code that could not heal.
 */
const HOLD_MS = FULL ? 60_000 : 16_000;
const BLOCK_REWARD = 1000n;

interface Scenario {
  /** discovery, or addpeer only (manual peers' redials alone heal). */
  links: 'discovery' | 'addpeer';
  cut: 'short' | 'long';
}
const LINKS_KNOB = process.env['PARTITION_LINKS'];
const CUT_KNOB = process.env['PARTITION_CUT'];
const SCENARIOS: readonly Scenario[] = FULL
  ? [
      { links: 'discovery', cut: 'long' },
      { links: 'addpeer', cut: 'long' },
      { links: 'discovery', cut: 'short' },
    ]
  : LINKS_KNOB !== undefined || CUT_KNOB !== undefined
    ? [{ links: LINKS_KNOB === 'addpeer' ? 'addpeer' : 'discovery', cut: CUT_KNOB === 'long' ? 'long' : 'short' }]
    : [
        { links: 'discovery', cut: 'short' },
        { links: 'discovery', cut: 'long' },
        { links: 'addpeer', cut: 'long' },
      ];
/** A long cut: heartbeats short enough that the sessions across it end in seconds. */
const LONG_CUT_P2P = { pingIntervalMs: 1_000, peerTimeoutMs: 5_000 };
const CONNECT_TIMEOUT_MS = 45_000;
const SPLIT_TIMEOUT_MS = 30_000;
const CONVERGE_TIMEOUT_MS = 60_000;
/**
 * Bounds on the time from the heal to the winning tip everywhere. A short cut: the sessions stand,
 * TCP retransmits what was queued and the next announcement or ping's headers exchange carries the
 * tip, in seconds. A long cut: new connections first, after at most one reconnect backoff or
 * discovery round (10 s each, p2p/constants.ts), then the reorg; 30 s is three such rounds.
 */
const CONVERGE_SHORT_CUT_MAX_MS = 15_000;
const CONVERGE_LONG_CUT_MAX_MS = 30_000;
const WAIT_TIMEOUT_MS = 30_000;
/** Discovery tops up outbound connections every 10 s (DIAL_INTERVAL_MS): a few rounds. */
const RESTORE_TIMEOUT_MS = 40_000;
/**
 * Blocks the winning side mines after the heal to empty the pools: one, plus one for a chain tail
 * over txpool.maxAncestors, plus one when the first was mined before the heal's relay brought the
 * losing side's payments to the miner (it then confirms none of the tail's ancestors).
 */
const MAX_FINAL_BLOCKS = 3;
/** Balance sums retried while relayed payments still reach a pool (each retry is ~50 RPC calls). */
const SNAPSHOT_ATTEMPTS = 20;
const SNAPSHOT_RETRY_MS = 250;

interface Payment {
  side: 'winning' | 'losing';
  txid: string;
  to: string;
  amount: bigint;
}

// The cut needs iptables DROP rules: without them the test would prove nothing, so it skips, saying why.
const skipReason = (await labSkipReason()) ?? (await iptablesSkipReason());
if (skipReason !== undefined) {
  console.log(`network-lab test skipped: ${skipReason}`);
  test.skip(`partition and heal (skipped: ${skipReason})`, () => undefined);
} else {
  for (const { links, cut } of SCENARIOS) test.serial(`${NODE_COUNT} nodes (${links}) split ${WINNING_COUNT}/${NODE_COUNT - WINNING_COUNT} by a ${cut} cut: both halves pay and mine, the heal converges on the most work and loses no payment`, async (t) => {
    // One key in the wallets of node 1 (winning) and node 4 (losing): its coin is spent differently on each side.
    const sharedKey = generatePrivateKey();
    const shared = publicKeyToAddress(publicKeyOf(sharedKey));
    const walletText = serializeWallet([{ privateKey: sharedKey, publicKey: publicKeyOf(sharedKey), address: shared, createdAt: new Date().toISOString() }]);
    const cluster = await LabCluster.start({
      hosts: NODE_COUNT,
      subnet: '10.97.0',
      tag: `p${links[0]}${cut[0]}`,
      links,
      config: () => (cut === 'long' ? { p2p: LONG_CUT_P2P } : {}),
      prepare: async (i, dataDir) => {
        if (i === 0 || i === WINNING_COUNT) await writeFile(join(dataDir, 'wallet.json'), walletText, { mode: 0o600 });
      },
    });
    let passed = false;
    t.teardown(async () => {
      if (!passed) {
        cluster.keepFiles();
        console.log(`partition test: logs and data kept in ${cluster.root}`);
      }
      await cluster.destroy();
    });
    const iptables = await findIptables(cluster.mesh, cluster.mesh.hosts[0]!);
    // Probed at module level: its absence now is a failure, not a pass without a cut.
    if (iptables === undefined) throw new Error('iptables could add DROP rules in the probe but not in this lab');
    const firewall = new Firewall(cluster.mesh, iptables);
    const nodes = cluster.nodes;
    const winning = nodes.slice(0, WINNING_COUNT);
    const losing = nodes.slice(WINNING_COUNT);
    const [n1, n2, n3] = winning as [LabNode, LabNode, LabNode];
    const [n4] = losing as [LabNode];
    const nLast = losing[losing.length - 1]!;
    const sideOf = (ip: string): 'winning' | 'losing' => (winning.some((n) => ip.startsWith(`${n.host.ip}:`)) ? 'winning' : 'losing');

    await cluster.waitAll('every node with >= 2 peers', CONNECT_TIMEOUT_MS, async (n) => (await n.info()).peers >= 2);
    const crossBefore = await crossSessions();
    t.log(`connected: ${(await Promise.all(nodes.map(async (n) => (await n.info()).peers))).join(', ')} peers; ${crossBefore} sessions cross the future cut`);

    // Genesis on node 1, then one block funds the payers of both sides and the shared key.
    const g = (await n1.rpc<{ address: string }>('genesis_block')).address;
    await cluster.waitAll('the genesis everywhere', WAIT_TIMEOUT_MS, async (n) => (await n.info()).height === 0);
    const payersW = [
      { node: n1, address: await n1.newAddress() },
      { node: n2, address: await n2.newAddress() },
    ];
    const payersL = [
      { node: n4, address: await n4.newAddress() },
      { node: nLast, address: await nLast.newAddress() },
    ];
    for (const p of [...payersW, ...payersL]) await n1.send(g, p.address, 200);
    await n1.send(g, shared, 190);
    await n1.mine();
    await waitTip(nodes, (await n1.info()).tip!);
    t.is((await n4.balance(shared)).confirmed, 190n, 'the losing side sees the shared coin');

    // The cut. The sessions standing across it now: a short cut must leave each of them standing
    // (counted earlier, the mesh of 5 could still be growing: sessions formed since are no loss).
    const crossAtCut = await crossSessionKeys();
    const cutAt = Date.now();
    await firewall.partition(winning.map((n) => n.host), losing.map((n) => n.host));

    // Both halves pay and mine at once. Receivers are fresh addresses, one payment each.
    const payments: Payment[] = [];
    const pay = async (side: Payment['side'], payers: typeof payersW, receiver: LabNode, round: number): Promise<void> => {
      for (let i = 0; i < PAYMENTS_PER_PAYER; i++) {
        for (const p of payers) {
          const to = await receiver.newAddress();
          const amount = BigInt(1 + ((i + round) % 5));
          payments.push({ side, to, amount, txid: await p.node.send(p.address, to, Number(amount)) });
        }
      }
    };
    const waitPools = (miners: readonly LabNode[], side: Payment['side']): Promise<number> =>
      cluster.waitAll(`the ${side} side's payments in its miners' pools`, WAIT_TIMEOUT_MS, async (n) => {
        const pool = new Set((await n.mempool()).map((x) => x.txid));
        return payments.filter((p) => p.side === side).every((p) => pool.has(p.txid));
      }, miners);
    const spendW: Payment = { side: 'winning', to: await n3.newAddress(), amount: 100n, txid: '' };
    const spendL: Payment = { side: 'losing', to: await nLast.newAddress(), amount: 120n, txid: '' };
    const spendChild: Payment = { side: 'losing', to: await nLast.newAddress(), amount: 50n, txid: '' };
    const doomed = [spendL, spendChild];
    const runWinning = async (): Promise<void> => {
      spendW.txid = await n1.send(shared, spendW.to, Number(spendW.amount));
      payments.push(spendW);
      await pay('winning', payersW, n3, 0);
      await waitPools([n3], 'winning');
      // Two miners in turn, each on the other's last block (equal-work forks would be a tie, not a test).
      for (let b = 0; b < WINNING_BLOCKS; b++) await waitTip(winning, (await (b % 2 === 0 ? n3 : n2).mine()).hash);
      await pay('winning', payersW, n3, 1); // left in the winning pools at the heal
    };
    const runLosing = async (): Promise<void> => {
      spendL.txid = await n4.send(shared, spendL.to, Number(spendL.amount));
      payments.push(spendL);
      await pay('losing', payersL, nLast, 0);
      // A child of the double spend, paid on another losing node: it must vanish with its parent.
      await cluster.waitAll('the double spend at its payee\'s node', WAIT_TIMEOUT_MS, async (n) => (await n.mempool()).some((x) => x.txid === spendL.txid), [nLast]);
      spendChild.txid = await nLast.send(spendL.to, spendChild.to, Number(spendChild.amount));
      payments.push(spendChild);
      await waitPools([n4], 'losing');
      for (let b = 0; b < LOSING_BLOCKS; b++) await n4.mine();
      await pay('losing', payersL, nLast, 1); // left in the losing pools at the heal
    };
    await Promise.all([runWinning(), runLosing()]);
    const tipW = (await n1.info()).tip!;
    const tipL = (await n4.info()).tip!;
    await waitTip(winning, tipW);
    await waitTip(losing, tipL);
    const heightW = (await n1.info()).height!;
    t.is(heightW, 1 + WINNING_BLOCKS);
    t.is((await n4.info()).height, 1 + LOSING_BLOCKS);
    for (const n of winning) t.false((await n.mempool()).some((x) => x.txid === spendL.txid), `${n.label} never saw the losing side's double spend`);

    // A long cut is held until no session crosses it: the heal then needs new connections. A short one must not lose them.
    let sessionsAtHeal = crossBefore;
    if (cut === 'long') {
      await cluster.waitAll('no session across the cut', SPLIT_TIMEOUT_MS, async () => (await crossSessions()) === 0, [n1]);
      if (HOLD_MS > 0) await sleep(HOLD_MS);
      sessionsAtHeal = 0;
    } else {
      const standing = await crossSessionKeys();
      t.deepEqual([...crossAtCut].filter((k) => !standing.has(k)), [], `a short cut: every session across it still stands (${crossAtCut.size} at the cut)`);
      sessionsAtHeal = standing.size;
    }
    const accepted = { winning: payments.filter((p) => p.side === 'winning').length, losing: payments.filter((p) => p.side === 'losing').length };
    t.log(`partition: ${Date.now() - cutAt} ms, ${sessionsAtHeal} sessions across it at the heal; winning side ${WINNING_BLOCKS} blocks + ${accepted.winning} payments, losing side ${LOSING_BLOCKS} blocks + ${accepted.losing} payments (one double spend each side, and a child of the losing one)`);

    // The heal.
    await firewall.heal(cluster.mesh.hosts);
    const healedAt = Date.now();
    const convergeMs = await cluster.waitAll('the winning tip everywhere', CONVERGE_TIMEOUT_MS, async (n) => (await n.info()).tip === tipW);
    const convergeMaxMs = cut === 'short' ? CONVERGE_SHORT_CUT_MAX_MS : CONVERGE_LONG_CUT_MAX_MS;
    t.log(`heal: every node on the winning tip (height ${heightW}) ${convergeMs} ms after the heal (bound ${convergeMaxMs} ms for a ${cut} cut)`);
    t.true(convergeMs < convergeMaxMs, `converged ${convergeMs} ms after the heal of a ${cut} cut, bound ${convergeMaxMs} ms`);

    // None lost: every payment but the losing double spend (and its child) is confirmed or in a
    // pool — in every pool, but for the tail of a chain longer than txpool.maxAncestors, which the
    // winning side takes only once a block confirms its ancestors. The double spend is in none.
    const survivors = payments.filter((p) => !doomed.includes(p));
    const pools = async (): Promise<Array<Set<string>>> => Promise.all(nodes.map(async (n) => new Set((await n.mempool()).map((x) => x.txid))));
    let pooled = new Set<string>();
    let inEvery = 0;
    const settleMs = await cluster.waitAll('every surviving payment in a pool or the chain', WAIT_TIMEOUT_MS, async () => {
      const all = await pools();
      if (doomed.some((p) => all.some((pool) => pool.has(p.txid)))) return false;
      pooled = new Set(all.flatMap((pool) => [...pool]));
      inEvery = survivors.filter((p) => all.every((pool) => pool.has(p.txid))).length;
      for (const p of survivors) if (!pooled.has(p.txid) && (await n1.balance(p.to)).confirmed !== p.amount) return false;
      return true;
    }, [n1]);
    const losingReturned = survivors.filter((p) => p.side === 'losing' && pooled.has(p.txid)).length;
    t.log(`after the heal (${settleMs} ms): ${pooled.size} payments back in or left in the pools (${losingReturned} from the losing side), ${inEvery} in every pool, the rest confirmed; the losing double spend and its child in no pool`);
    await checkCoins(heightW);

    // The winning side mines until every pool is empty: what came back must not stay on one side.
    let finalBlocks = 0;
    let finalTxs = 0;
    while ((await pools()).some((pool) => pool.size > 0)) {
      t.true(finalBlocks < MAX_FINAL_BLOCKS, `the pools are empty after ${MAX_FINAL_BLOCKS} more blocks`);
      if (finalBlocks >= MAX_FINAL_BLOCKS) break;
      const block = await n2.mine();
      finalBlocks++;
      finalTxs += block.transactions - 1;
      await waitTip(nodes, block.hash);
      // Pools agree again before the next block (a tail refused before this block is fetched now), or a tx is stuck.
      // Only a tail still over txpool.maxAncestors may differ: this block confirmed none of its ancestors
      // (the miner's pool did not hold them yet when it mined: the heal's relay was still under way), so
      // every pool holding them refuses it until the next block (tx-retry.ts).
      await cluster.waitAll('the same pool everywhere, but for chain tails waiting for a block', WAIT_TIMEOUT_MS, async () => {
        const txs = await Promise.all(nodes.map((n) => n.mempool()));
        const tails = overAncestorLimit(txs.flat());
        const all = txs.map((pool) => new Set(pool.map((x) => x.txid).filter((txid) => !tails.has(txid))));
        return all.every((pool) => pool.size === all[0]!.size && [...pool].every((txid) => all[0]!.has(txid)));
      }, [n1]).catch(async (err: Error) => {
        const sizes = (await pools()).map((pool, i) => `${nodes[i]!.label}: ${pool.size}`);
        throw new Error(`${err.message}: a transaction is stuck on one side (${sizes.join(', ')})`);
      });
    }
    const finalHeight = heightW + finalBlocks;
    let lost = 0;
    let doubleCounted = 0;
    for (const n of nodes) {
      for (const p of survivors) {
        const got = (await n.balance(p.to)).confirmed;
        if (got < p.amount) lost++;
        if (got > p.amount) doubleCounted++;
      }
      for (const p of doomed) {
        const gone = await n.balance(p.to);
        if (gone.confirmed + gone.unconfirmed !== 0n) doubleCounted++;
      }
      t.is((await n.balance(shared)).confirmed, 190n - spendW.amount, `${n.label}: the shared coin was spent once, on the winning side`);
    }
    await checkCoins(finalHeight);
    const losingSurvivors = survivors.filter((p) => p.side === 'losing');
    let remined = 0;
    for (const p of losingSurvivors) if ((await n1.balance(p.to)).confirmed === p.amount) remined++;
    t.log(`${finalBlocks} more winning blocks hold ${finalTxs} txs: losing-side payments on the winning chain ${remined}/${losingSurvivors.length}, double spend + its child dropped ${doomed.length}, lost ${lost}, double-counted ${doubleCounted}`);
    t.is(remined, losingSurvivors.length);
    t.is(lost, 0);
    t.is(doubleCounted, 0);
    t.is(finalTxs, pooled.size, 'the last blocks hold exactly what the pools held');

    // The halves reconnect at least as much as before (discovery redials every DIAL_INTERVAL_MS and
    // refills a slot soon after a session ends, manual peers within their backoff); the dialer may
    // pick other pairs than before the cut (its cool-downs and dial order), so not the same count.
    let crossAfter = 0;
    const restoredMs = await cluster.waitAll('every session across the cut back', RESTORE_TIMEOUT_MS, async () => (crossAfter = await crossSessions()) >= crossBefore, [n1]).catch(() => -1);
    t.log(`sessions across the healed cut: ${crossBefore} before, ${crossAfter} after (all back within ${Date.now() - healedAt} ms of the heal)`);
    t.true(crossAfter >= crossBefore, `the halves are connected at least as before (${crossAfter} against ${crossBefore})`);
    t.not(restoredMs, -1);
    for (const n of nodes) t.true(n.alive, `${n.label} still runs`);
    const problems = [...cluster.logProblems()];
    t.log(`warnings and errors logged: ${problems.length === 0 ? 'none' : problems.map(([what, count]) => `${what} ×${count}`).join('; ')}`);
    t.deepEqual(problems.filter(([what]) => what.startsWith('error') || what.includes('misbehaved')), [], 'no error, and no honest node punished');
    passed = true;

    /** Ready sessions (counted at both ends) between a winning and a losing node. */
    async function crossSessions(): Promise<number> {
      return (await crossSessionKeys()).size;
    }

    /** The same sessions as "node label → peer node id" (one per end). */
    async function crossSessionKeys(): Promise<Set<string>> {
      const keys = new Set<string>();
      for (const n of nodes) {
        const mySide = sideOf(`${n.host.ip}:`);
        for (const p of await n.peers()) if (p.ready && sideOf(p.address) !== mySide) keys.add(`${n.label} → ${p.nodeId ?? '?'}@${p.address}`);
      }
      return keys;
    }

    async function waitTip(on: readonly LabNode[], tip: string): Promise<void> {
      await cluster.waitAll(`tip ${tip.slice(0, 12)}`, CONVERGE_TIMEOUT_MS, async (n) => (await n.info()).tip === tip, on);
    }

    /** Every coin of the chain sits in some wallet: the sums must equal the rewards, pool counted or not. */
    async function checkCoins(height: number): Promise<void> {
      const addresses = new Set<string>();
      for (const n of nodes) {
        for (const a of await n.addresses()) addresses.add(a);
        const mining = (await n.info()) as unknown as { miningAddress: string | null };
        if (mining.miningAddress) addresses.add(mining.miningAddress);
      }
      const expected = BigInt(height + 1) * BLOCK_REWARD;
      const poolKey = async (n: LabNode): Promise<string> => (await n.mempool()).map((x) => x.txid).sort().join(',');
      for (const n of nodes) {
        let chain = 0n;
        let withPool = 0n;
        // One balance call per address is not one snapshot: a payment relayed to this node between
        // the payer's call and the payee's is counted on one side only (CI caught +78). Sum again
        // until the pool was the same before and after the sums.
        for (let attempt = 0; ; attempt++) {
          const before = await poolKey(n);
          chain = 0n;
          withPool = 0n;
          for (const a of addresses) {
            const b = await n.balance(a);
            chain += b.confirmed + b.immature;
            withPool += b.unconfirmed + b.immature;
          }
          if ((await poolKey(n)) === before) break;
          if (attempt >= SNAPSHOT_ATTEMPTS) throw new Error(`${n.label}: its pool kept changing over ${SNAPSHOT_ATTEMPTS} attempts to sum the balances`);
          await sleep(SNAPSHOT_RETRY_MS);
        }
        t.is(chain, expected, `${n.label}: coins on the chain = rewards of ${height + 1} blocks`);
        t.is(withPool, expected, `${n.label}: coins counting the pool = the same (nothing spent twice, nothing lost)`);
      }
    }
  });
}

/**
 * Transactions of `txs` (every node's pool, repeats allowed) with at least txpool.maxAncestors
 * unconfirmed ancestors among them: a pool that holds those ancestors refuses them.
 */
function overAncestorLimit(txs: readonly PoolTx[]): Set<string> {
  const parents = new Map<string, string[]>();
  for (const tx of txs) parents.set(tx.txid, tx.inputs.map((input) => input.slice(0, input.lastIndexOf(':'))));
  const over = new Set<string>();
  for (const txid of parents.keys()) {
    const ancestors = new Set<string>();
    const todo = [...(parents.get(txid) ?? [])];
    while (todo.length > 0) {
      const next = todo.pop()!;
      if (ancestors.has(next) || !parents.has(next)) continue;
      ancestors.add(next);
      todo.push(...parents.get(next)!);
    }
    if (ancestors.size >= DEFAULT_MEMPOOL_POLICY.maxAncestors) over.add(txid);
  }
  return over;
}
