/**
 * Issue 10's lab proof of hole punching (test/lab/punch-lab.ts): nodes behind home routers that
 * only masquerade (no UPnP/NAT-PMP) learn their external address from P and Q, check their
 * reachability, and punch a direct TCP link through a common peer. Cases: PUNCH_RUNS rounds of
 * two plain MASQUERADEs with the same P and Q (`npm run punch`: 20); one such round in detail,
 * ending with a tx over the direct link with P and Q stopped; one symmetric router
 * (--random-fully: detected, no loop, blocks still flow through P and Q); a double NAT (reported
 * truthfully). punch-nat.test.ts proves the lab's NATs behave as these cases assume.
 * Root only; each failure prints node logs, `cli nat --json`, `cli peers --json`, `ss`, the
 * routers' conntrack tables and rule counters.
 */
import test from 'ava';
import { setTimeout as sleep } from 'node:timers/promises';
import { publicKeyToAddress } from '../../src/primitives/address.js';
import { generatePrivateKey, publicKeyOf } from '../../src/primitives/secp256k1.js';
import { DIRECT_LINK_BOUND_MS, punchLabSkipReason, punchRound, runPunchRounds, startPublicPeers } from './punch-lab.js';
import { withLab } from './punch-context.js';
import { establishedTo, punchedLink, waitUntil } from './punch-node.js';
import type { HomeRole } from './punch-topology.js';

const RUNS = Number(process.env['PUNCH_RUNS'] ?? 3);
/** `npm run punch`: the issue's goal is 20/20 with ≥ 95 % on the first attempt, asserted from this many runs on. */
const FULL_RUNS = 20;
const FIRST_ATTEMPT_GOAL = 0.95;
const SETTLE_TIMEOUT_MS = 20_000;
const SYNC_TIMEOUT_MS = 20_000;
/** Issue 10 case 2: "does not loop" — at most this many attempts per partner … */
const MAX_ATTEMPTS_PER_PARTNER = 3;
/** … over this long. */
const NO_LOOP_WATCH_MS = 20_000;
const FUNDING = 200;
const PAYMENT = 25;

const skipReason = await punchLabSkipReason();
if (skipReason) console.log(`punch lab tests skipped: ${skipReason}`);
const labTest = skipReason ? test.skip : test.serial;

function addressOf(key: Buffer): string {
  return publicKeyToAddress(publicKeyOf(key));
}

labTest('plain MASQUERADE both sides: H1 and H2 learn their addresses, punch a direct link within 10 s, and a tx crosses it with P and Q stopped', async (t) => {
  await withLab(t, { tag: 'a' }, async (lab) => {
    const pub = await startPublicPeers(lab, true);
    const payerKey = generatePrivateKey();
    const payer = addressOf(payerKey);
    await pub.p.send(pub.genesisAddress, payer, FUNDING);
    await pub.p.mine();
    const round = await punchRound(lab, pub, 0, [payerKey]);
    const { h1, h2 } = round;
    t.log(`both up → direct link: ${round.msToDirectLink === undefined ? `none (${round.failure})` : `${round.msToDirectLink} ms`}; first attempt: ${round.firstAttempt}`);

    // What works without traversal: both homes reach P (P sees their routers' WAN addresses) and follow its chain.
    for (const home of [h1, h2]) {
      const atP = await pub.p.linkTo(home);
      t.is(atP?.address.split(':')[0], lab.topo.wanIp(home.role as HomeRole), `P sees ${home.label} as its router's WAN address`);
      t.is(atP?.direction, 'inbound');
    }
    await waitUntil('H1 with its funding confirmed (block 1 through P)', SYNC_TIMEOUT_MS, async () => (await h1.balance(payer)).confirmed === BigInt(FUNDING));
    // The verdict takes two failed dial-backs (3 s connect timeout each), asked as sessions come up;
    // the punch does not wait for the initiator's, so it may still be coming in here (CI: P's dial-back
    // to H1 was still in SYN-SENT when the link was already up).
    await waitUntil('both homes to have a reachability verdict', SETTLE_TIMEOUT_MS, async () => {
      for (const home of [h1, h2]) if ((await home.traversal()).reachability.status === 'unknown') return false;
      return true;
    });

    for (const home of [h1, h2]) {
      const tr = await home.traversal();
      t.log(`${home.label} traversal: ${JSON.stringify(tr)}`);
      t.like(tr.observed, { ip: lab.topo.wanIp(home.role as HomeRole), confirmed: true, portPreservation: 'yes' }, `${home.label} observed address`);
      t.true(tr.observed.agreeingGroups >= 2, `${home.label}: P and Q (distinct /16s) agree`);
      t.is(tr.reachability.status, 'behind-nat-port-preserving', `${home.label} reachability: ${tr.reachability.reason}`);
    }
    t.true(round.ok, `punched link: ${round.failure}`);
    if (round.msToDirectLink !== undefined) t.true(round.msToDirectLink <= DIRECT_LINK_BOUND_MS, `direct link after ${round.msToDirectLink} ms (bound ${DIRECT_LINK_BOUND_MS} ms)`);
    for (const [a, b] of [[h1, h2], [h2, h1]] as const) {
      const row = await a.linkTo(b);
      t.log(`${a.label} → ${b.label}: ${JSON.stringify(row)}`);
      t.truthy(row?.punched, `${a.label}'s row for ${b.label} is marked punched`);
      t.is(row?.address.split(':')[0], lab.topo.wanIp(b.role as HomeRole), `${a.label} reaches ${b.label} at its router's WAN address, not P's`);
      t.true((await establishedTo(a, lab.topo.wanIp(b.role as HomeRole))).length >= 1, `${a.label} has an established TCP connection to ${b.label}'s router (ss)`);
    }
    if (!round.ok) return;

    await Promise.all([lab.stop(pub.p), lab.stop(pub.q!)]);
    await waitUntil('H1 with H2 as its only peer', SYNC_TIMEOUT_MS, async () => {
      const peers = (await h1.punchPeers()).filter((p) => p.ready);
      return peers.length === 1 && peers[0]!.nodeId === h2.nodeId;
    });
    const payee = await h2.newAddress();
    const sentAt = Date.now();
    const txid = await h1.send(payer, payee, PAYMENT);
    const ms = await waitUntil('the tx from H1 in H2\'s mempool over the direct link', SYNC_TIMEOUT_MS, async () => (await h2.mempool()).some((x) => x.txid === txid));
    t.log(`tx ${txid.slice(0, 16)} reached H2 over the direct link ${ms} ms after the send (${Date.now() - sentAt} ms incl. polling)`);
  });
});

labTest(`${RUNS} punch rounds through two plain MASQUERADEs (fresh H1/H2, same P/Q): success and first-attempt rates`, async (t) => {
  await withLab(t, { tag: 'r' }, async (lab) => {
    const pub = await startPublicPeers(lab, true);
    let diagnosed = false;
    const result = await runPunchRounds(lab, pub, RUNS, async (run, round) => {
      t.log(`round ${run}: ${round.ok ? `direct link after ${round.msToDirectLink} ms` : `no direct link (${round.failure})`}, first attempt ${round.firstAttempt}`);
      if (!round.ok && !diagnosed) {
        diagnosed = true;
        lab.keepFiles();
        t.log(`diagnostics of round ${run}:\n${await lab.diagnostics([pub.p, pub.q!, round.h1, round.h2])}`);
      }
    });
    const firstRate = result.firstAttempt / result.runs;
    t.log(`punch: ${result.successes}/${result.runs} succeeded (${((100 * result.successes) / result.runs).toFixed(0)} %), first attempt ${result.firstAttempt}/${result.runs} (${(100 * firstRate).toFixed(0)} %), median both-up → direct link ${result.medianMsToDirectLink ?? '-'} ms, slowest ${result.maxMsToDirectLink ?? '-'} ms (bound ${DIRECT_LINK_BOUND_MS} ms, asserted in the detailed case)`);
    t.is(result.successes, result.runs, 'every round punched a direct link');
    if (result.runs >= FULL_RUNS) t.true(firstRate >= FIRST_ATTEMPT_GOAL, `first attempt ${(100 * firstRate).toFixed(1)} % (goal ≥ ${100 * FIRST_ATTEMPT_GOAL} %)`);
  });
});

labTest('R1 with --random-fully (symmetric NAT): H1 detects it, does not loop, says why, and H1/H2 still share blocks through P and Q', async (t) => {
  await withLab(t, { tag: 'b', randomFully: ['r1'] }, async (lab) => {
    const pub = await startPublicPeers(lab, true);
    const [h1, h2] = await Promise.all([lab.start('h1', 'H1', { bootstrap: [pub.p] }), lab.start('h2', 'H2', { bootstrap: [pub.p] })]);
    const watchEnd = Math.max(h1.upAtMs, h2.upAtMs) + NO_LOOP_WATCH_MS;

    // Blocks flow through P and Q: mine on H2, H1 follows.
    await waitUntil('H1 and H2 on P\'s genesis', SYNC_TIMEOUT_MS, async () => (await h1.info()).height === 0 && (await h2.info()).height === 0);
    const mined = await h2.mine();
    const followMs = await waitUntil('H1 at the block H2 mined', SYNC_TIMEOUT_MS, async () => (await h1.info()).tip === mined.hash);
    t.log(`block ${mined.height} mined on H2 reached H1 through P/Q in ${followMs} ms`);

    const detected = await waitUntil('H1 to report its NAT as symmetric', SETTLE_TIMEOUT_MS, async () => (await h1.traversal()).reachability.status === 'behind-nat-symmetric').catch((err: Error) => err);
    const tr1 = await h1.traversal().catch(() => undefined);
    t.log(`H1 traversal: ${JSON.stringify(tr1)}`);
    t.false(detected instanceof Error, `H1 reports behind-nat-symmetric: ${detected instanceof Error ? detected.message : ''}`);
    t.is(tr1?.observed.ip, lab.topo.wanIp('h1'));
    t.is(tr1?.observed.portPreservation, 'no');
    t.truthy(tr1?.reachability.reason, 'H1 says why');
    const h2Plain = await waitUntil('H2, behind a plain router, to report port-preserving', SETTLE_TIMEOUT_MS, async () => (await h2.traversal()).reachability.status === 'behind-nat-port-preserving').catch((err: Error) => err);
    t.false(h2Plain instanceof Error, h2Plain instanceof Error ? h2Plain.message : '');

    const hand = await h1.punch(h2.nodeId).catch((err: Error) => err);
    t.log(`cli punch H2 --json on H1: ${hand instanceof Error ? hand.message : JSON.stringify(hand)}`);
    if (!(hand instanceof Error)) {
      t.false(hand.ok, 'a punch from behind a symmetric NAT does not claim success');
      t.truthy(hand.reason, 'cli punch says why it failed');
      t.true(hand.attempts <= MAX_ATTEMPTS_PER_PARTNER, `cli punch tried ${hand.attempts} times`);
      t.not(hand.exitCode, 0, 'a failed cli punch exits non-zero');
    } else {
      t.fail(hand.message);
    }

    const left = watchEnd - Date.now();
    if (left > 0) await sleep(left);
    for (const home of [h1, h2]) {
      const stats = (await home.traversal().catch(() => undefined))?.punch;
      t.log(`${home.label} punch stats after ${NO_LOOP_WATCH_MS / 1000} s: ${JSON.stringify(stats)}`);
      // One partner (the other home); the hand-made punch above may add its own ≤ 3 on H1.
      const bound = MAX_ATTEMPTS_PER_PARTNER + (home === h1 ? MAX_ATTEMPTS_PER_PARTNER : 0);
      t.true(stats !== undefined && stats.attempts <= bound, `${home.label}: ${stats?.attempts} punch attempts (≤ ${bound})`);
      if (stats !== undefined && stats.failures > 0) t.truthy(stats.lastFailure?.reason, `${home.label} names the last failure's reason`);
      const row = await home.linkTo(home === h1 ? h2 : h1);
      if (row?.punched) t.true((await establishedTo(home, lab.topo.wanIp(home === h1 ? 'h2' : 'h1'))).length >= 1, 'a punched row is a real connection');
    }
    const mined2 = await h2.mine();
    await waitUntil('H1 at the second block H2 mined', SYNC_TIMEOUT_MS, async () => (await h1.info()).tip === mined2.hash);
    t.pass('blocks still flow through P and Q after the watch');
  });
});

labTest('double NAT (R3 in front of R2): whatever happens is reported truthfully', async (t) => {
  await withLab(t, { tag: 'c', doubleNat: true }, async (lab) => {
    const pub = await startPublicPeers(lab, true);
    const [h1, h2] = await Promise.all([lab.start('h1', 'H1', { bootstrap: [pub.p] }), lab.start('h2', 'H2', { bootstrap: [pub.p] })]);
    const settled = async (): Promise<boolean> => {
      if ((await punchedLink(h1, h2)) !== undefined && (await punchedLink(h2, h1)) !== undefined) return true;
      const stats = await Promise.all([h1, h2].map(async (n) => (await n.traversal()).punch));
      return stats.some((s) => s.lastFailure !== null);
    };
    const outcome = await waitUntil('a punched link or a reported punch failure', SETTLE_TIMEOUT_MS, settled).catch((err: Error) => err);
    const tr = await Promise.all([h1, h2].map((n) => n.traversal().catch(() => undefined)));
    const rows = await Promise.all([h1.linkTo(h2), h2.linkTo(h1)]);
    const real = await Promise.all([establishedTo(h1, lab.topo.wanIp('h2')), establishedTo(h2, lab.topo.wanIp('h1'))]);
    t.log(`double NAT outcome: ${outcome instanceof Error ? outcome.message : `settled after ${outcome} ms`}`);
    t.log(`H1: ${JSON.stringify(tr[0])}\n  row for H2: ${JSON.stringify(rows[0])}\n  ss to ${lab.topo.wanIp('h2')}: ${real[0].join(' | ') || 'none'}`);
    t.log(`H2: ${JSON.stringify(tr[1])}\n  row for H1: ${JSON.stringify(rows[1])}\n  ss to ${lab.topo.wanIp('h1')}: ${real[1].join(' | ') || 'none'}`);
    t.false(outcome instanceof Error, 'the node settles on a punched link or a reported failure');
    t.is(tr[1]?.observed.ip, lab.topo.wanIp('h2'), 'H2 observes the outer router\'s WAN address');
    for (const [i, row] of rows.entries()) {
      if (row?.punched) {
        t.true(real[i]!.length >= 1, `${i === 0 ? 'H1' : 'H2'} claims a punched link: ss shows it to the other router's WAN address`);
        t.is(row.address.split(':')[0], lab.topo.wanIp(i === 0 ? 'h2' : 'h1'));
      }
    }
    if (!rows[0]?.punched || !rows[1]?.punched) {
      t.true(tr.some((x) => (x?.punch.lastFailure?.reason ?? '') !== ''), 'no punched link: the last failure\'s reason is reported');
    }
  });
});
