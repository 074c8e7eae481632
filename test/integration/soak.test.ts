/**
 * Soak (issue #9 item 5): five real nodes on 127.0.0.1 in a ring under steady load — payments
 * every few ms between wallet addresses of every node, a block every few seconds mined on the
 * nodes in turn, now and then on two at once so competing blocks and reorgs happen — for
 * SOAK_SECONDS (CI: 55, `npm run soak`: 600). Checked: no error-level log line and no crash on
 * any node; live memory (after a forced GC) and anonymous RSS flat after a warm-up (least-squares
 * slope under what a leak of 1 KB per transaction would give; in the short CI run, where the
 * slope bound is loose, the growth over the fit is also held under CI_GROWTH_MAX_MB); file
 * descriptors at no sample more than FD_GROWTH_ALLOWED above the first sample; at the end
 * one tip everywhere, the same mempool everywhere and none after a last block, the same balances
 * on every node (equal to the UTXO set rebuilt from the stored blocks, and to every coin ever
 * minted), and every txid a send returned in the chain. SOAK_LOG_DIR keeps the logs and samples;
 * SOAK_DISCOVERY=1 also runs UDP discovery (bootstrapped from node 0), so the nodes mesh beyond the ring.
 */
import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TEST_PARAMS } from '../helpers/fixtures.js';
import { waitFor } from './harness.js';
import { readChain } from './soak/chain-view.js';
import { runLoad } from './soak/load.js';
import { type SoakNetwork, infos, startSoakNetwork, waitSameTip } from './soak/network.js';
import { type ResourceFigures, resourceFigures } from './soak/resources.js';
import { fmt, percentile } from './soak/stats.js';

const SOAK_SECONDS = Number(process.env['SOAK_SECONDS'] ?? 55);
const NODES = 5;
const ADDRESSES_PER_NODE = 8;
const COINBASE_MATURITY = 5;
const FUNDING_PER_ADDRESS = 120;
/** Concurrent RPC send loops, and the total rate they are paced to (a loaded machine gets less). */
const SENDERS = 6;
const TX_PER_SEC = Number(process.env['SOAK_TX_PER_SEC'] ?? 100);
const BLOCK_INTERVAL_MS = 3_000;
/** Every 4th block round mines on two nodes at once. */
const RACE_EVERY = 4;
/** Each sample makes every node collect garbage (a few ms for its ~20 MB heap). */
const SAMPLE_INTERVAL_MS = 4_000;
/**
 * Memory grows for the first 3 minutes of load, then stays flat (10-minute run, a sample every 4 s):
 * live memory ~8 MB (V8 compiling hot code, known-inventory sets filling), RssAnon ~45 MB (glibc
 * arenas of the worker and LMDB threads settling). Slopes are fitted after WARM_UP_SHARE of the
 * run, at most WARM_UP_MS.
 */
const WARM_UP_SHARE = 1 / 3;
const WARM_UP_MS = 180_000;
const WARM_UP_GROWTH_MB = { live: 8, anon: 45 };
/** The leak the memory bounds must catch: this much kept per transaction a node handles (every node handles every tx). */
const LEAK_PER_TX_BYTES = 1024;
/**
 * How far memory moves with no leak at all over a fit, so that a slope under NOISE / window
 * minutes is no evidence of anything and a bound never goes below it: after the warm-up, the
 * pool's size at the sample and V8 handing pages back (10-minute run: -0.3..0 MB/min live,
 * 0.1..0.4 anon); a fit that starts inside the warm-up can see all of its growth. So the 10-minute
 * run (a 7-minute fit) is bounded by the 1 KB/tx slope; CI's 1-minute run is all warm-up and its
 * floor sets the bound, so there only a gross leak fails the test (the figures are printed).
 */
const STEADY_NOISE_MB = { live: 1, anon: 3 };
/**
 * A short run's fit starts inside the warm-up, so its slope bound (WARM_UP_GROWTH_MB over a fit of
 * ~0.6 min, ~73 MB/min anon) would miss any real leak. There the growth over the fit (slope x its
 * minutes) is also held under a fixed bound. Live memory settles within seconds (runs without a leak:
 * 0.4-2.2 MB per node over the fit), so its bound catches a 5 KB/tx leak (~2,200-3,200 txs in the fit:
 * 11-16 MB) of anything JS holds, Buffers included. Anonymous memory does not settle inside a short
 * run: the 10-minute run's node 0 went 71 → 99 MB over the load's first 50 s and 104 MB by 3 min, then
 * stayed flat (-0.17..0.72 MB/min per node over 7 min), and most of that warm-up is outside the V8
 * heap (the `native` figure: glibc arenas of the worker, libuv and LMDB threads). Median node over the
 * fit in runs without a leak: 6.7 and 8.2 MB (a loaded 2-core machine), 16.4 MB in one CI run (13.2,
 * 19.6, 10.1, 16.4, 17.7). So in CI the anonymous bound only catches a gross native leak (≥ ~10 KB per
 * tx: ≥ 22 MB on top of the warm-up); `npm run soak` holds it to 1 KB/tx with the slope bound.
 */
const CI_GROWTH_MAX_MB = { live: 6, anon: 24 };
/**
 * A leak is on every node (each handles every tx), so the median node is held to
 * CI_GROWTH_MAX_MB.anon and a single node, whose arenas may settle late, only to this multiple of it
 * (a gross leak in one node still fails).
 */
const CI_ONE_NODE_ANON_FACTOR = 2;
/** The leak CI_GROWTH_MAX_MB.live must catch, printed against the figures. */
const CI_LEAK_PER_TX_BYTES = 5 * 1024;
/** Sockets and files a node may hold more at any sample than at the first one (at the load's start): an RPC client reconnecting, a peer redialled. */
const FD_GROWTH_ALLOWED = 8;
/** Refusals a payment may meet under this load: they are policy, not defects. */
const EXPECTED_REFUSALS: ReadonlySet<string> = new Set(['insufficient-funds', 'too-many-ancestors', 'too-many-descendants']);
const SETTLE_TIMEOUT_MS = 30_000;
const MAX_FINAL_BLOCKS = 5;
const MB = 1024 * 1024;

test(`soak: ${NODES} nodes, ~${TX_PER_SEC} tx/s and a block every ${BLOCK_INTERVAL_MS / 1000} s for ${SOAK_SECONDS} s: no errors, flat memory and fds, one chain, no tx lost`, async (t) => {
  t.timeout(SOAK_SECONDS * 1000 + 120_000);
  const setupStartMs = Date.now();
  const net = await startSoakNetwork(t, {
    nodes: NODES,
    addressesPerNode: ADDRESSES_PER_NODE,
    coinbaseMaturity: COINBASE_MATURITY,
    fundingPerAddress: FUNDING_PER_ADDRESS,
    rpcSockets: SENDERS + 2,
    setup: { txpoolSize: 1_000_000, coinbaseMaturity: COINBASE_MATURITY },
    startArgs: [...(process.env['SOAK_DISCOVERY'] ? [] : ['--no-discovery']), '--log-level', process.env['SOAK_LOG_LEVEL'] ?? 'info'],
  });
  const startHeight = (await infos(net))[0]!.height!;
  t.log(`setup: ${NODES} nodes in a ring, ${net.addresses.length} funded addresses, height ${startHeight}, in ${Date.now() - setupStartMs} ms`);

  // The load, with every node sampled meanwhile.
  const loadStartMs = Date.now();
  let sampling = true;
  const sampleAll = (): Promise<unknown> => Promise.all(net.nodes.map((node, i) => node.sample(net.rpcs[i]!)));
  const sampler = (async () => {
    while (sampling) {
      await sampleAll();
      await sleep(SAMPLE_INTERVAL_MS);
    }
  })();
  const load = await runLoad({
    rpcs: net.rpcs,
    addresses: net.addresses,
    senders: SENDERS,
    txPerSec: TX_PER_SEC,
    blockIntervalMs: BLOCK_INTERVAL_MS,
    raceEvery: RACE_EVERY,
    durationMs: SOAK_SECONDS * 1000,
  }).finally(() => (sampling = false));
  await sampler;
  await sampleAll();
  const loadMs = Date.now() - loadStartMs;
  const crashed = net.nodes.filter((node) => !node.running).map((node) => node.name);
  const lastWords = net.nodes.filter((node) => !node.running).flatMap((node) => [...node.tally.errors, ...node.tally.unparsed].slice(-5));
  t.deepEqual(crashed, [], `every node is still running after the load; last lines: ${lastWords.join('\n')}`);

  // Settle. The last race may have left two tips of equal work (each node keeps the first it saw,
  // and each branch confirmed other txs): a block on node 0 puts every node on one chain. Then one
  // mempool everywhere, and blocks until it is mined.
  const settleStartMs = Date.now();
  await net.rpcs[0]!.call('mine');
  await waitSameTip(net);
  let pools: string[][] = [];
  const poolsAgree = await waitFor('the same mempool on every node', async () => {
    pools = await mempools(net);
    return pools.every((pool) => sameSet(pool, pools[0]!));
  }, SETTLE_TIMEOUT_MS).then(() => true, () => false);
  const poolsAtEnd = pools.map((pool) => pool.length);
  const poolsReport = poolDiff(pools);
  for (let i = 0; i < MAX_FINAL_BLOCKS && (await mempools(net))[0]!.length > 0; i++) await net.rpcs[0]!.call('mine');
  const final = await waitSameTip(net);
  const poolsEmptied = await waitFor('empty mempools', async () => (await infos(net)).every((info) => info.mempoolSize === 0), SETTLE_TIMEOUT_MS).then(() => true, () => false);
  const poolsLeft = (await infos(net)).map((info) => info.mempoolSize);
  const settleMs = Date.now() - settleStartMs;

  // Balances on every node; all coins ever minted (fees go back to miners) are held by our addresses.
  const balances = await Promise.all(net.rpcs.map((rpc) => Promise.all(net.addresses.map(async ({ address }) => {
    const b = await rpc.call<{ confirmed: number; immature: number }>('balance', { address });
    return BigInt(b.confirmed) + BigInt(b.immature);
  }))));
  const total = balances[0]!.reduce((s, b) => s + b, 0n);

  // Clean stop, then the chain as stored.
  const exitCodes = await Promise.all(net.nodes.map(async (node, i) => {
    await net.rpcs[i]!.call('stop');
    return node.exited;
  }));
  const chain = await readChain(net.nodes[0]!.setup.dataDir, { ...TEST_PARAMS, coinbaseMaturity: COINBASE_MATURITY });
  const lost = load.txids.filter((txid) => !chain.txids.has(txid));

  // Report.
  const reorgs = net.nodes.map((node) => node.tally.reorgs);
  const loadTxsPerBlock = chain.txsPerBlock.slice(startHeight);
  const latencies = load.sendLatencyMs;
  t.log(`load: ${fmt(loadMs / 1000, 0)} s, ${SENDERS} RPC clients, txs sent ${load.txids.length} (${fmt(load.txids.length / (loadMs / 1000))}/s), confirmed ${load.txids.length - lost.length}, lost ${lost.length}`);
  t.log(`refused sends: ${[...load.refusals].map(([code, n]) => `${code} ${n}`).join(', ') || 'none'}; failed calls ${load.failures.length}`);
  t.log(`RPC send latency: p50 ${fmt(percentile(latencies, 50))} ms, p99 ${fmt(percentile(latencies, 99))} ms, max ${fmt(Math.max(...latencies))} ms`);
  t.log(`blocks: ${load.blocks.length} mined in the load (${load.competingPairs} competing pairs), final height ${final.height}, txs per block max ${Math.max(0, ...loadTxsPerBlock)}; reorgs seen per node ${reorgs.join('/')}`);
  t.log(`settle: mempools ${poolsAgree ? 'agreed' : 'differed'} at ${poolsAtEnd.join('/')} txs, empty after the last block${poolsEmptied ? '' : ` NO (${poolsLeft.join('/')})`}, in ${settleMs} ms; coins held ${total}`);
  if (process.env['SOAK_LOG_DIR']) writeSamples(process.env['SOAK_LOG_DIR'], net);
  const warmUpMs = Math.min(WARM_UP_MS, loadMs * WARM_UP_SHARE);
  const figures: ResourceFigures[] = net.nodes.map((node) => resourceFigures(node.samples, loadStartMs + warmUpMs));
  const txPerMin = load.txids.length / (loadMs / 60_000);
  const leakSlope = (txPerMin * LEAK_PER_TX_BYTES) / MB;
  const windowMin = Math.min(...figures.map((f) => f.windowMin));
  const noise = warmUpMs >= WARM_UP_MS ? STEADY_NOISE_MB : WARM_UP_GROWTH_MB;
  const liveBound = Math.max(leakSlope, noise.live / windowMin);
  const anonBound = Math.max(leakSlope, noise.anon / windowMin);
  t.log(
    `memory: slopes fitted over ${fmt(windowMin, 2)} min after ${fmt(warmUpMs / 1000, 0)} s of warm-up; a leak of ${LEAK_PER_TX_BYTES} B/tx at ${fmt(txPerMin, 0)} tx/min is ${fmt(leakSlope, 2)} MB/min; ` +
      `bounds: live ${fmt(liveBound, 2)}, anon ${fmt(anonBound, 2)} MB/min (${anonBound > leakSlope ? 'raised to the noise floor of this fit' : 'the 1 KB/tx slope'})`,
  );
  const shortRun = warmUpMs < WARM_UP_MS;
  const fitTxs = txPerMin * windowMin;
  if (shortRun) {
    t.log(
      `memory growth over the fit (slope x ${fmt(windowMin, 2)} min): live ${figures.map((f) => fmt(f.liveSlope * f.windowMin, 1)).join('/')}, anon ${figures.map((f) => fmt(f.anonSlope * f.windowMin, 1)).join('/')}, native ${figures.map((f) => fmt(f.nativeSlope * f.windowMin, 1)).join('/')} MB; ` +
        `bounds live ${CI_GROWTH_MAX_MB.live}, anon ${CI_GROWTH_MAX_MB.anon} MB; a ${CI_LEAK_PER_TX_BYTES / 1024} KB/tx leak over the fit's ~${fmt(fitTxs, 0)} txs would add ${fmt((fitTxs * CI_LEAK_PER_TX_BYTES) / MB, 1)} MB`,
    );
  }
  figures.forEach((f, i) => {
    const { tally } = net.nodes[i]!;
    const warns = [...tally.warnsByMsg].map(([m, n]) => `${m}: ${n}`).join('; ');
    t.log(
      `node ${i}: RSS ${fmt(f.rssStartMb)} → ${fmt(f.rssEndMb)} MB (${fmt(f.rssSlope, 2)} MB/min), anon ${fmt(f.anonStartMb)} → ${fmt(f.anonEndMb)} MB (${fmt(f.anonSlope, 2)} MB/min), ` +
        `live ${fmt(f.liveStartMb)} → ${fmt(f.liveEndMb)} MB (${fmt(f.liveSlope, 2)} MB/min), native ${fmt(f.nativeStartMb)} → ${fmt(f.nativeEndMb)} MB (${fmt(f.nativeSlope, 2)} MB/min), fds ${f.fdFirst} at the start, ${f.fdStart} → ${f.fdEnd} after the warm-up (max ${f.fdMax}), ` +
        `log lines ${tally.lines}, errors ${tally.errorCount}, warns ${tally.warns}${warns ? ` (${warns})` : ''}`,
    );
  });
  t.log(`crashes ${crashed.length}, error lines ${net.nodes.reduce((s, n) => s + n.tally.errorCount, 0)}, lost txs ${lost.length}, clean exits ${exitCodes.filter((c) => c === 0).length}/${NODES}`);

  // Verdicts.
  for (const node of net.nodes) {
    t.deepEqual(node.tally.errors, [], `${node.name} logged no error`);
    t.deepEqual(node.tally.unparsed, [], `${node.name} printed nothing but JSON log lines`);
  }
  t.deepEqual(exitCodes, net.nodes.map(() => 0), 'every node stops cleanly');
  t.deepEqual(load.failures.slice(0, 10), [], 'no RPC call failed without a refusal');
  t.deepEqual([...load.refusals.keys()].filter((code) => !EXPECTED_REFUSALS.has(code)), [], 'only policy refusals');
  t.true(poolsAgree, `every node ends with the same mempool: ${poolsReport}`);
  t.true(poolsEmptied, `the last block empties every mempool: ${poolsLeft.join('/')}`);
  for (let n = 1; n < NODES; n++) t.deepEqual(balances[n], balances[0], `node ${n} reports node 0's balances`);
  t.is(total, TEST_PARAMS.blockRewardAmount * BigInt(final.height! + 1), 'the addresses hold every coin minted');
  t.is(chain.tip, String(final.tip), 'the stored tip is the one every node reported');
  net.addresses.forEach(({ address }, i) => t.is(chain.balances.get(address) ?? 0n, balances[0]![i], `the stored UTXO set agrees on ${address}`));
  t.deepEqual(lost.slice(0, 10), [], `${lost.length} sent txids are missing from the final chain`);
  t.true(load.blocks.length >= Math.floor(loadMs / BLOCK_INTERVAL_MS / 2), `blocks were mined through the load (${load.blocks.length})`);
  t.true(load.txids.length >= SOAK_SECONDS * 10, `payments flowed through the load (${load.txids.length})`);
  figures.forEach((f, i) => {
    t.true(f.liveSlope < liveBound, `node ${i}: live memory grows ${fmt(f.liveSlope, 2)} MB/min, bound ${fmt(liveBound, 2)}`);
    t.true(f.anonSlope < anonBound, `node ${i}: anonymous memory grows ${fmt(f.anonSlope, 2)} MB/min, bound ${fmt(anonBound, 2)}`);
    if (shortRun) {
      t.true(f.liveSlope * f.windowMin < CI_GROWTH_MAX_MB.live, `node ${i}: live memory grew ${fmt(f.liveSlope * f.windowMin, 1)} MB over the fit, bound ${CI_GROWTH_MAX_MB.live}`);
      t.true(f.anonSlope * f.windowMin < CI_ONE_NODE_ANON_FACTOR * CI_GROWTH_MAX_MB.anon, `node ${i}: anonymous memory grew ${fmt(f.anonSlope * f.windowMin, 1)} MB over the fit, bound ${CI_ONE_NODE_ANON_FACTOR * CI_GROWTH_MAX_MB.anon} for one node`);
    }
    t.true(f.fdMax <= f.fdFirst + FD_GROWTH_ALLOWED, `node ${i}: fds ${f.fdFirst} at the start, at most ${f.fdMax} (allowed ${FD_GROWTH_ALLOWED} more)`);
  });
  if (shortRun) {
    const anonGrowth = figures.map((f) => f.anonSlope * f.windowMin).sort((a, b) => a - b);
    const median = anonGrowth[Math.floor(anonGrowth.length / 2)]!;
    t.true(median < CI_GROWTH_MAX_MB.anon, `the median node's anonymous memory grew ${fmt(median, 1)} MB over the fit, bound ${CI_GROWTH_MAX_MB.anon}`);
  }
});

async function mempools(net: SoakNetwork): Promise<string[][]> {
  return Promise.all(net.rpcs.map(async (rpc) => (await rpc.call<{ txs: Array<{ txid: string }> }>('mempool')).txs.map((tx) => tx.txid)));
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(b);
  return a.every((x) => set.has(x));
}

/** Which node lacks which txid of the union of the pools (the first few). */
function poolDiff(pools: readonly string[][]): string {
  const union = new Set(pools.flat());
  return pools
    .map((pool, i) => {
      const have = new Set(pool);
      const lacks = [...union].filter((txid) => !have.has(txid));
      return `node ${i} has ${pool.length}, lacks ${lacks.length}${lacks.length ? ` (${lacks.slice(0, 3).join(', ')})` : ''}`;
    })
    .join('; ');
}

/** SOAK_LOG_DIR set: every node's samples as CSV, to plot or inspect. */
function writeSamples(dir: string, net: SoakNetwork): void {
  net.nodes.forEach((node, i) => {
    const t0 = node.samples[0]?.atMs ?? 0;
    const rows = node.samples.map((s) => [((s.atMs - t0) / 1000).toFixed(1), s.rssMb.toFixed(1), s.anonMb.toFixed(1), s.liveMb.toFixed(2), s.nativeMb.toFixed(1), s.fds].join(','));
    writeFileSync(join(dir, `node-${i}-samples.csv`), `sec,rss_mb,anon_mb,live_mb,native_mb,fds\n${rows.join('\n')}\n`);
  });
}
