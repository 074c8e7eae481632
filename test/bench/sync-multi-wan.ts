/**
 * Issue #12 item 2 where it matters: sources whose uplinks are the limit, as peers on the internet
 * are. The loopback `sync-multi` bench runs the sources and the syncing node on the same two cores,
 * so there three sources can only cost more CPU than one. Here (root only: the namespace lab of
 * test/lab/netns.ts) the syncing node and three sources each have a namespace on a lab bridge,
 * and each source's uplink is capped at UPLINK_MBIT (a token bucket on its eth0). The same fresh
 * sync from one source and from all three, alternated; target: three at least as fast as one
 * (the floor). With the links the limit, three sources should come near three times one:
 * `linkBoundSecs` is how long the fixture's bytes take through one uplink.
 * Also, reported beside the target: a fourth source on a slow uplink (SLOW_UPLINK_MBIT) beside two
 * of the fast ones, against the two alone (`slowPeer.cost`: seconds with it ÷ without). A slow peer
 * that answers each request within the block-stall timeout is kept and holds the download to its
 * pace for each of its runs, as in Core (docs/architecture.md, "Block sync from several peers"):
 * this is the figure a fix would move.
 * KADCHAIN_BENCH_SYNC_WAN_BLOCKS / KADCHAIN_BENCH_SYNC_WAN_MBIT override the fixture (1,000 blocks
 * of 20 txs, ~6.8 MB) and the uplink rate (10 Mbit/s).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorMessage } from '../../src/util/errors.js';
import { NetnsMesh, labSkipReason } from '../lab/netns.js';
import { buildBlockFixture } from './block-fixture.js';
import { writeFixtureFile } from './fixture-file.js';
import { type Placement, type SourceProcess, type SyncRun, startSourceProcess, syncFreshProcess } from './source-process.js';
import { type BenchModule, round3 } from './types.js';

const BLOCK_COUNT = Number(process.env['KADCHAIN_BENCH_SYNC_WAN_BLOCKS'] ?? 1000);
const TXS_PER_BLOCK = 20;
/** Each source's uplink: a modest home line's or a small rented server's. */
const UPLINK_MBIT = Number(process.env['KADCHAIN_BENCH_SYNC_WAN_MBIT'] ?? 10);
const SOURCES = 3;
const TARGET_SPEED_RATIO = 1;
/** The slow fourth source's uplink: a poor mobile or rural line (KADCHAIN_BENCH_SYNC_WAN_SLOW_MBIT: another line). */
const SLOW_UPLINK_MBIT = Number(process.env['KADCHAIN_BENCH_SYNC_WAN_SLOW_MBIT'] ?? 0.5);
/** 1-source and 3-source syncs alternate; the best of each counts (KADCHAIN_BENCH_SYNC_WAN_ROUNDS: more, to see the spread). */
const ROUNDS = Number(process.env['KADCHAIN_BENCH_SYNC_WAN_ROUNDS'] ?? 2);


async function run(): Promise<Record<string, unknown>> {
  const skipped = await labSkipReason();
  if (skipped !== undefined) return { skipped };
  const mesh = await NetnsMesh.create({ hosts: 2 + SOURCES, subnet: '10.97.0', tag: 'wan' });
  const dir = await mkdtemp(join(tmpdir(), 'kadchain-bench-sync-wan-'));
  const sources: SourceProcess[] = [];
  try {
    const [sinkHost, slowHost, ...sourceHosts] = mesh.hosts;
    try {
      for (const host of sourceHosts) await mesh.limitUplink(host, UPLINK_MBIT);
      await mesh.limitUplink(slowHost!, SLOW_UPLINK_MBIT);
    } catch (err) {
      return { skipped: `cannot cap a lab link's rate (the kernel needs the tbf qdisc, CONFIG_NET_SCH_TBF): ${errorMessage(err).split('\n')[0]}` };
    }
    const fixtureFile = join(dir, 'fixture.bin');
    const fixture = buildBlockFixture(BLOCK_COUNT, TXS_PER_BLOCK);
    const fixtureBytes = fixture.blocks.reduce((n, b) => n + b.length, 0);
    writeFixtureFile(fixtureFile, fixture);
    for (const host of [...sourceHosts, slowHost!]) sources.push(await startSourceProcess({ fixtureFile }, { netns: host.name, host: host.ip }));
    if (new Set(sources.map((s) => s.tipHash)).size !== 1) throw new Error('the source processes hold different chains');
    const slow = sources.pop()!;
    const sink: Placement = { netns: sinkHost!.name, host: sinkHost!.ip };
    const one: SyncRun[] = [];
    const three: SyncRun[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? [1, SOURCES] : [SOURCES, 1];
      for (const count of order) (count === 1 ? one : three).push(await syncFreshProcess(sources.slice(0, count), { placement: sink }));
    }
    const two: SyncRun[] = [];
    const twoAndSlow: SyncRun[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const withSlow = [...sources.slice(0, 2), slow];
      const order = round % 2 === 0 ? [false, true] : [true, false];
      for (const slowToo of order) (slowToo ? twoAndSlow : two).push(await syncFreshProcess(slowToo ? withSlow : sources.slice(0, 2), { placement: sink }));
    }
    sources.push(slow); // stopped with the others
    const oneSecs = Math.min(...one.map((r) => r.secs));
    const threeSecs = Math.min(...three.map((r) => r.secs));
    const speedRatio = oneSecs / threeSecs;
    const slowPeerCost = Math.min(...twoAndSlow.map((r) => r.secs)) / Math.min(...two.map((r) => r.secs));
    return {
      blocks: BLOCK_COUNT,
      txsPerBlock: TXS_PER_BLOCK,
      fixtureMb: round3(fixtureBytes / 1e6),
      uplinkMbit: UPLINK_MBIT,
      // The fixture's bytes through one capped uplink, framing aside: the floor of a one-source sync here.
      linkBoundSecs: round3((fixtureBytes * 8) / (UPLINK_MBIT * 1e6)),
      oneSourceSecs: round3(oneSecs),
      threeSourcesSecs: round3(threeSecs),
      rounds: { one: one.map((r) => round3(r.secs)), three: three.map((r) => round3(r.secs)) },
      // Milliseconds the chain sat idle for want of a downloaded block: the links' share of each sync.
      waitedForBlocksMs: { one: one.map((r) => r.waitedForBlocksMs), three: three.map((r) => r.waitedForBlocksMs) },
      peersAtEnd: [...one, ...three].map((r) => r.readyPeersAtEnd),
      closedReasons: [...new Set([...one, ...three].flatMap((r) => r.closedReasons))],
      speedRatio: round3(speedRatio),
      target: TARGET_SPEED_RATIO,
      slowPeer: {
        uplinkMbit: SLOW_UPLINK_MBIT,
        rounds: { two: two.map((r) => round3(r.secs)), twoAndSlow: twoAndSlow.map((r) => round3(r.secs)) },
        closedReasons: [...new Set(twoAndSlow.flatMap((r) => r.closedReasons))],
        cost: round3(slowPeerCost),
      },
      pass: speedRatio >= TARGET_SPEED_RATIO,
    };
  } finally {
    for (const source of sources) await source.stop();
    await mesh.destroy();
    await rm(dir, { recursive: true, force: true });
  }
}

export const syncMultiWanBench: BenchModule = { name: 'sync-multi-wan', run };
