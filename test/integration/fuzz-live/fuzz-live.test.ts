/**
 * The live fuzz campaign (issue #9): one real node attacked from several loopback addresses with
 * checksum-valid mutated frames of every type after a valid handshake, pre-handshake garbage,
 * one-byte writes and mutated signed discovery datagrams, while an honest node keeps mining and
 * paying through it. The node must stay up with no error-level log line, bounded RSS, RPC
 * answering throughout, and the honest peer followed, relayed and never dropped.
 *
 * CI runs a few seconds of it; `npm run fuzz` sets FUZZ_LIVE_FRAMES (mutated frames; well-formed
 * requests and unchanged objects go besides) and FUZZ_LIVE_DATAGRAMS to 100,000 each.
 * FUZZ_LIVE_SEED replays a run (the chain-based frames also depend on the chain).
 */
import test from 'ava';
import { writeFile, readFile } from 'node:fs/promises';
import { createNodeSetup, getInfo, sleep, waitFor } from '../harness.js';
import { type NetNode, addPeer, genesis, mineBlocks, peersOf, startNetNode, waitConnected } from '../network-harness.js';
import { FrameCorpus } from './frame-corpus.js';
import { FuzzSession } from './fuzz-session.js';
import { runHonestTraffic } from './honest-traffic.js';
import { flood, futureBlockFlood, heavierChainPingFlood, rejectFlood } from './log-flood.js';
import { type HonestReport, converge, relayOutwards, runHonestActivity } from './honest-peer.js';
import { openFds, rssMb, startLiveNode } from './live-node.js';
import { PROBE_INTERVAL_MS, RpcProbe } from './rpc-probe.js';
import { newGarbageStats, newSlowlorisStats, newTcpStats, runFrameWorker, runGarbage, runSlowloris } from './tcp-campaign.js';
import { discoveryAnswers, newUdpStats, runUdpCampaign } from './udp-campaign.js';
import { nodeKeyFromPrivateKey } from '../../../src/p2p/discovery/node-key.js';
import { generatePrivateKey } from '../../../src/primitives/secp256k1.js';
import { MessageType } from '../../../src/p2p/wire/constants.js';

const envCount = (name: string, fallback: number): number => {
  const n = Number.parseInt(process.env[name] ?? '', 10);
  return n > 0 ? n : fallback;
};
const FRAMES = envCount('FUZZ_LIVE_FRAMES', 3_000);
const DATAGRAMS = envCount('FUZZ_LIVE_DATAGRAMS', 3_000);
const FULL = FRAMES >= 50_000 || DATAGRAMS >= 50_000;
const GARBAGE_CONNECTIONS = FULL ? 3_000 : 150;
const SEED = envCount('FUZZ_LIVE_SEED', Math.floor(Math.random() * 0x7fff_ffff));
/** Sessions fuzzing at once (the node's inbound cap is raised above what the campaign holds). */
const FRAME_WORKERS = 12;
const FUZZ_IPS = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6', '127.0.0.7'];
const GARBAGE_IPS = ['127.0.0.8', '127.0.0.9'];
const SLOWLORIS_IP = '127.0.0.10';
const UDP_IPS = ['127.0.0.11', '127.0.0.12', '127.0.0.13', '127.0.0.14'];
const SCOUT_IP = '127.0.0.15';
/** A fresh address for the after-campaign discovery ping (none of the fuzzers' rate or bond state). */
const DISCOVERY_CHECK_IP = '127.0.0.16';
/** The fuzzed node's p2p.frameTimeoutMs: short, so the mid-frame slowloris is dropped within the run. */
const FRAME_TIMEOUT_MS = 3_000;
/** A frame exchange or handshake not answered by then is a stall (a loaded machine is slow, not this slow). */
const EXCHANGE_TIMEOUT_MS = 30_000;
/** RSS growth allowed over the campaign: caches and V8 heap settle, a leak per frame or connection would not fit. */
const MAX_RSS_GROWTH_MB = 150;
/**
 * RSS growth allowed from half the frames to the end (the floods and honest traffic run then too):
 * runs measured -12 MB (full) and +5 to +8 MB (CI), as caches are warm by then. A leak per frame
 * keeps growing through the second half: this catches ~20 KB per frame in CI (~1,900 frames), well
 * under 1 KB per frame in the full run (~64,000).
 */
const MAX_RSS_SECOND_HALF_GROWTH_MB = 40;
/** A getinfo p99 above this is a node that stopped serving in time (runs on a loaded machine measured 58–213 ms, max 865 ms). */
const MAX_RPC_P99_MS = 2_000;
/** Kernel drops allowed at the node's UDP socket, as a share of the datagrams sent (the campaign paces itself and makes drops up). */
const MAX_UDP_DROP_SHARE = 0.2;
/** Mutated frames mostly end their session; still a substantial share of all frames must be read and tolerated. */
const MIN_TOLERATED_SHARE = 0.2;
/** Handshakes that fail (the node refused or did not answer in time), as a share of the connections. */
const MAX_HANDSHAKE_FAILURE_SHARE = 0.1;
/**
 * Honest rounds whose tip must be the honest block itself: at least half. A fuzzer's valid block
 * may win a tie now and then, and a CI run has only 6-7 rounds (0 of 55 rounds missed in five runs).
 */
const MIN_TIP_MATCH_SHARE = 0.5;
/** Messages of one single-session flood (blocks cost a proof of work each, even an easy one). */
const FLOOD_MESSAGES = 5_000;
const FLOOD_BLOCKS = 300;
/** Log lines at info or above one flood may cause (its session's ready line, a few first warnings): not one per message. */
const MAX_FLOOD_LOG_LINES = 30;
/** Descriptors the node may hold more after than before (log and database files it opened meanwhile). */
const MAX_FD_GROWTH = 10;
const TEMPLATE_REFRESH_MS = 5_000;
/** Recent blocks the scout fetches as templates for the chain-based frames. */
const TEMPLATE_BLOCKS = 12;

/** Asks the node for its last blocks over the wire (a scout session), for the corpus to mutate. */
async function refreshTemplates(corpus: FrameCorpus, node: NetNode): Promise<void> {
  const tip = (await getInfo(node.setup)).height ?? 0;
  const scout = await FuzzSession.open({ port: node.tcpPort, localAddress: SCOUT_IP, key: nodeKeyFromPrivateKey(generatePrivateKey()), timeoutMs: EXCHANGE_TIMEOUT_MS });
  if (scout === undefined) return;
  const from = Math.max(0, tip - TEMPLATE_BLOCKS + 1);
  for (let h = from; h <= tip; h++) scout.send({ kind: 'get-block', by: 'height', height: h });
  await scout.until(() => scout.blocks.length >= tip - from + 1, 10_000);
  if (scout.blocks.length > 0) corpus.templates = { blocks: [...scout.blocks] };
  scout.destroy();
}

test('live fuzz: the node survives mutated frames, garbage, one-byte writes and mutated datagrams while an honest peer syncs through it', async (t) => {
  t.timeout(FULL ? 20 * 60_000 : 180_000);
  t.log(`seed ${SEED} (replay: FUZZ_LIVE_SEED=${SEED}), frames ${FRAMES}, datagrams ${DATAGRAMS}`);

  const setup = await createNodeSetup(t, { discovery: true, txpoolSize: 100_000, p2p: { maxInbound: 64 } });
  const config = JSON.parse(await readFile(setup.configFile, 'utf8')) as Record<string, Record<string, unknown>>;
  // info, not debug: the campaign would make a debug log of gigabytes; what matters is at warn and above.
  await writeFile(setup.configFile, JSON.stringify({ ...config, logLevel: 'info', p2p: { ...config['p2p'], frameTimeoutMs: FRAME_TIMEOUT_MS } }, null, 2));
  const live = await startLiveNode(t, setup);
  const liveInfo = await getInfo(setup);
  // The harness's view of it (its log is scanned by live-node.ts, not kept, hence no output).
  const asRunning = { setup, child: live.child, output: () => '', exited: live.exited.then((e) => e.code), closed: live.exited.then(() => undefined) };
  const fuzzed: NetNode = { setup, process: asRunning, nodeId: liveInfo.nodeId, tcpPort: liveInfo.tcpPort, udpPort: liveInfo.udpPort, tcpAddress: `127.0.0.1:${liveInfo.tcpPort}`, udpAddress: `127.0.0.1:${liveInfo.udpPort ?? 0}` };

  const honest = await startNetNode(t, { txpoolSize: 100_000 });
  const payer = await genesis(honest.setup);
  await mineBlocks(honest.setup, 3);
  await addPeer(honest, fuzzed);
  await waitConnected(honest, fuzzed);
  await waitFor('the fuzzed node to sync', async () => (await getInfo(setup)).tip === (await getInfo(honest.setup)).tip);

  const corpus = new FrameCorpus(SEED);
  await refreshTemplates(corpus, fuzzed);
  t.true(corpus.templates.blocks.length > 0, 'the scout learnt the chain over the wire');

  const rssBefore = rssMb(live.pid)!;
  const fdsBefore = openFds(live.pid)!;
  let rssPeak = rssBefore;
  const probe = new RpcProbe(setup);
  const tcp = newTcpStats();
  const garbage = newGarbageStats();
  const slowloris = newSlowlorisStats();
  const udp = newUdpStats();
  let fuzzing = true;
  const started = Date.now();

  // Peak, and RSS when half the frames are sent: a leak per frame or connection grows on in the second half.
  let rssHalf: number | undefined;
  const side = (async () => {
    while (fuzzing) {
      const rss = rssMb(live.pid) ?? 0;
      rssPeak = Math.max(rssPeak, rss);
      if (rssHalf === undefined && tcp.mutated >= FRAMES / 2) rssHalf = rss;
      await sleep(1_000);
    }
  })();
  const templates = (async () => {
    while (fuzzing) {
      await sleep(TEMPLATE_REFRESH_MS);
      if (fuzzing) await refreshTemplates(corpus, fuzzed);
    }
  })();
  const honestRun = runHonestActivity(honest, fuzzed, payer, () => !fuzzing);
  const partSec: Record<string, number> = {};
  const timed = async (name: string, part: Promise<void>): Promise<void> => {
    await part;
    partSec[name] = Math.round((Date.now() - started) / 100) / 10;
  };
  await Promise.all([
    timed('frames', Promise.all(Array.from({ length: FRAME_WORKERS }, (_, i) => runFrameWorker({ port: fuzzed.tcpPort, localAddress: FUZZ_IPS[i % FUZZ_IPS.length]!, corpus, stats: tcp, targetMutated: FRAMES, timeoutMs: EXCHANGE_TIMEOUT_MS }))).then(() => undefined)),
    timed('garbage', runGarbage({ port: fuzzed.tcpPort, localAddresses: GARBAGE_IPS, seed: SEED + 1, count: GARBAGE_CONNECTIONS, concurrency: 8, closeDeadlineMs: 15_000, stats: garbage })),
    timed('slowloris', runSlowloris({ port: fuzzed.tcpPort, localAddress: SLOWLORIS_IP, corpus: new FrameCorpus(SEED + 2), frames: FULL ? 200 : 8, frameTimeoutMs: FRAME_TIMEOUT_MS, stats: slowloris })),
    timed('datagrams', runUdpCampaign({ nodePort: fuzzed.udpPort!, localAddresses: UDP_IPS, seed: SEED + 3, target: DATAGRAMS, stats: udp })),
  ]);
  const campaignSec = (Date.now() - started) / 1000;
  fuzzing = false;
  const [honestReport] = (await Promise.all([honestRun, side, templates])) as [HonestReport, void, void];

  // After: the fuzzed node still follows, relays inwards and outwards, and has discouraged nobody (loopback is exempt).
  // One session flooding messages the node tolerates: its log may not grow with their number.
  const lines = (): number => (live.log.byLevel['info'] ?? 0) + (live.log.byLevel['warn'] ?? 0) + (live.log.byLevel['error'] ?? 0);
  const floods: Array<{ name: string; sent: number; survived: boolean; lines: number }> = [];
  for (const [name, frames] of [['reject', rejectFlood(FLOOD_MESSAGES)], ['future block', futureBlockFlood(corpus.templates.blocks.at(-1)!, FLOOD_BLOCKS)], ['heavier-chain ping', heavierChainPingFlood(FLOOD_MESSAGES)]] as const) {
    const before = lines();
    const result = await flood(fuzzed.tcpPort, SCOUT_IP, frames, EXCHANGE_TIMEOUT_MS);
    await sleep(1_000);
    floods.push({ name, ...result, lines: lines() - before });
  }

  const honestTraffic = await runHonestTraffic(fuzzed.tcpPort, SCOUT_IP, corpus.templates, SEED + 4, FULL ? 20_000 : 2_000, EXCHANGE_TIMEOUT_MS);

  await converge(honest, fuzzed);
  const relayedOut = await relayOutwards(honest, fuzzed, payer);
  // The probe ran through the campaign, the floods, the honest traffic and the relay checks.
  const rpcReport = await probe.stop();
  const discoveryAlive = await discoveryAnswers(fuzzed.udpPort!, DISCOVERY_CHECK_IP, 15_000);
  await sleep(2_000); // let any late log line of the campaign arrive
  const rssAfter = rssMb(live.pid);
  const fdsAfter = openFds(live.pid);
  const { discouraged, peers } = await peersOf(setup);

  t.log(`campaign ${campaignSec.toFixed(1)} s (parts done at ${JSON.stringify(partSec)} s); crashes ${live.exitStatus() === undefined ? 0 : 1}`);
  t.log(`frames sent ${tcp.frames}, of which mutated ${tcp.mutated} (tolerated ${tcp.outcomes.tolerated}, session dropped ${tcp.outcomes.closed}, stalled ${tcp.outcomes.stalled}; sessions found closed before a frame, none counted, ${tcp.outcomes.unsent}); connections ${tcp.connections}, handshake failures ${tcp.handshakeFailures}`);
  t.log(`frames by type (session dropped after): ${Object.entries(tcp.byType).map(([k, n]) => `${k} ${n} (${tcp.droppedByType[k] ?? 0})`).join(', ')}`);
  t.log(`random well-formed messages after which the session ended, by kind: ${JSON.stringify(tcp.validDropped)}`);
  t.log(`frames by family: ${JSON.stringify(tcp.byFamily)}`);
  t.log(`pre-handshake garbage: ${garbage.connections} connections, closed by node ${garbage.closedByNode}, lingering ${garbage.lingering}, opened ${garbage.opened}; ${JSON.stringify(garbage.byKind)}`);
  t.log(`slowloris: 1-byte writes ${slowloris.oneByteWrites}, dribbled sessions opened ${slowloris.opened} trading ${slowloris.framesTraded} frames, too-slow handshakes dropped ${slowloris.tooSlowDropped}/${slowloris.tooSlowDropped + slowloris.tooSlowKept}, mid-frame stalls dropped ${slowloris.midFrameDropped}/${slowloris.midFrameDropped + slowloris.midFrameKept}`);
  t.log(`datagrams sent ${udp.sent} (kernel drops at the node's socket ${udp.kernelDrops}); by mode ${JSON.stringify(udp.byMode)}; by type ${JSON.stringify(udp.byType)}; node pings/find-nodes answered ${udp.nodePings}/${udp.nodeFindNodes}; a fresh ping after the campaign ${discoveryAlive ? 'answered' : 'NOT answered'}`);
  t.log(`RSS before ${rssBefore.toFixed(1)} MB, at half the frames ${rssHalf?.toFixed(1)} MB, peak ${rssPeak.toFixed(1)} MB, after ${rssAfter?.toFixed(1)} MB`);
  t.log(`open file descriptors before ${fdsBefore}, after ${fdsAfter}; peers after ${peers.length} (${peers.map((p) => p.address).join(', ')})`);
  t.log(`RPC getinfo every ${PROBE_INTERVAL_MS} ms over ${(rpcReport.probedMs / 1000).toFixed(1)} s: ${rpcReport.calls} calls, failures ${rpcReport.failures.length}, p50 ${rpcReport.p50Ms.toFixed(1)} ms, p99 ${rpcReport.p99Ms.toFixed(1)} ms, max ${rpcReport.maxMs.toFixed(1)} ms`);
  t.log(`honest peer: height ${honestReport.heightBefore} → ${honestReport.heightAfter}, blocks mined ${honestReport.blocksMined}, followed ${honestReport.blocksFollowed} (on the honest tip itself ${honestReport.tipsMatched}; worst ${honestReport.maxFollowMs} ms), payments relayed ${honestReport.txsRelayed}/${honestReport.txsSent}, connection changes ${honestReport.connectionChanges}, relay outwards after ${relayedOut ? 'ok' : 'FAILED'}`);
  t.log(`honest traffic on one session: ${honestTraffic.sent} messages ${JSON.stringify(honestTraffic.byKind)}, session ${honestTraffic.droppedAfter === undefined ? 'kept' : `DROPPED after a ${honestTraffic.droppedAfter}`}`);
  t.log(`single-session floods: ${floods.map((f) => `${f.sent} ${f.name} messages → ${f.lines} log lines at info or above (session ${f.survived ? 'kept' : 'dropped'})`).join('; ')}`);
  t.log(`node log lines by level: ${JSON.stringify(live.log.byLevel)}; most frequent: ${[...live.log.byMsg].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([m, n]) => `${m} ×${n}`).join('; ')}`);

  t.is(live.exitStatus(), undefined, 'the node is still running');
  t.is(honestTraffic.droppedAfter, undefined, 'no message an honest peer sends ends its session');
  for (const f of floods) {
    t.true(f.survived, `a ${f.name} flood is tolerated`);
    t.true(f.lines <= MAX_FLOOD_LOG_LINES, `${f.sent} ${f.name} messages made ${f.lines} log lines at info or above`);
  }
  t.false(honest.process.output().includes('"level":50'), 'no error-level log line on the honest node');
  t.deepEqual(live.log.errors, [], 'no error-level log line');
  t.deepEqual(live.log.foreign, [], 'no stack trace or other non-log output');
  t.true(tcp.mutated >= FRAMES, `${tcp.mutated} mutated frames`);
  t.is(tcp.outcomes.stalled, 0, 'every frame was answered (pong) or ended the session');
  t.true(tcp.outcomes.tolerated >= tcp.frames * MIN_TOLERATED_SHARE, `${tcp.outcomes.tolerated} of ${tcp.frames} frames tolerated`);
  t.true(tcp.handshakeFailures < tcp.connections * MAX_HANDSHAKE_FAILURE_SHARE, `${tcp.handshakeFailures} of ${tcp.connections} handshakes failed`);
  t.deepEqual(tcp.badReplies, [], 'every reply of the node decodes');
  const knownTypes = Object.values(MessageType).filter((n) => n !== MessageType.None).length;
  t.is(Object.keys(tcp.byType).filter((k) => !k.startsWith('unknown')).length, knownTypes, `every message type sent: ${Object.keys(tcp.byType).join(', ')}`);
  t.is(garbage.lingering, 0, 'every garbage connection was closed by the node');
  t.is(garbage.opened, 0, 'no garbage opened a session');
  t.true(slowloris.opened >= 1 && slowloris.framesTraded >= (FULL ? 200 : 8), `a peer writing one byte at a time gets sessions and trades frames (${slowloris.opened} sessions, ${slowloris.framesTraded} frames answered)`);
  t.is(slowloris.tooSlowDropped, 1, 'a handshake dribbled slower than the handshake timeout is dropped');
  t.is(slowloris.midFrameDropped, 1, 'a frame left unfinished is dropped by the frame timeout');
  t.true(udp.sent - udp.kernelDrops >= DATAGRAMS, `${udp.sent} datagrams sent, ${udp.kernelDrops} dropped by the kernel`);
  t.true(udp.kernelDrops <= udp.sent * MAX_UDP_DROP_SHARE, `${udp.kernelDrops} of ${udp.sent} datagrams dropped by the kernel`);
  t.true(udp.nodePings > 0, 'the node pinged our discovery sockets back (it bonded)');
  t.true(discoveryAlive, 'after the campaign the node answers a fresh signed ping');
  t.true(rssAfter !== undefined && rssAfter - rssBefore < MAX_RSS_GROWTH_MB, `RSS grew ${((rssAfter ?? 0) - rssBefore).toFixed(1)} MB`);
  t.not(rssHalf, undefined, 'RSS was sampled at half the frames');
  t.true(rssAfter !== undefined && rssHalf !== undefined && rssAfter - rssHalf < MAX_RSS_SECOND_HALF_GROWTH_MB, `RSS grew ${((rssAfter ?? 0) - (rssHalf ?? 0)).toFixed(1)} MB in the second half`);
  t.true(fdsAfter !== undefined && fdsAfter <= fdsBefore + MAX_FD_GROWTH, 'no socket or file leaked');
  t.deepEqual(peers.map((p) => p.nodeId), [honest.nodeId], 'every fuzz session is gone; the honest peer remains');
  t.deepEqual(rpcReport.failures, [], 'RPC answered throughout');
  const expectedCalls = rpcReport.probedMs / PROBE_INTERVAL_MS;
  t.true(rpcReport.calls >= expectedCalls / 2, `${rpcReport.calls} getinfo calls in ${rpcReport.probedMs} ms (about ${Math.round(expectedCalls)} expected)`);
  t.true(rpcReport.p99Ms < MAX_RPC_P99_MS, `getinfo p99 ${rpcReport.p99Ms.toFixed(1)} ms`);
  t.true(honestReport.blocksMined > 0 && honestReport.blocksFollowed === honestReport.blocksMined, 'the fuzzed node followed every honest block');
  t.true(honestReport.tipsMatched >= honestReport.blocksMined * MIN_TIP_MATCH_SHARE, `the fuzzed node was on the honest tip in ${honestReport.tipsMatched} of ${honestReport.blocksMined} rounds`);
  t.is(honestReport.txsRelayed, honestReport.txsSent, 'every honest payment was relayed to the fuzzed node');
  t.is(honestReport.connectionChanges, 0, 'the honest peer was never disconnected');
  t.true(relayedOut, 'the fuzzed node relays its own payment to the honest peer');
  t.deepEqual(discouraged, [], 'loopback addresses are disconnected, never discouraged');
});
