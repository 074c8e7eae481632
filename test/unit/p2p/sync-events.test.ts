import test from 'ava';
import { pino } from 'pino';
import { SYNC_PROGRESS_LOG_INTERVAL_MS, SYNC_STATUS_EVENT_INTERVAL_MS } from '../../../src/p2p/constants.js';
import type { SyncStatus } from '../../../src/p2p/sync-status.js';
import type { Logger } from '../../../src/util/logger.js';
import { buildBlock, makeKey } from '../../helpers/fixtures.js';
import { buildChain, connect, startNode, tipHash, waitFor } from './net-helpers.js';

const owner = makeKey();
const genesis = buildBlock({ miner: owner });
const CHAIN_BLOCKS = 300;
const MS_PER_SEC = 1000;

interface Line {
  level: number;
  msg: string;
  blocks?: number;
  txs?: number;
  blocksPerSec?: number;
  seconds?: number;
}

test(`catching up ${CHAIN_BLOCKS} blocks: 'sync:progress' from syncing to done at most once a second, one summary line, syncStatus() after`, async (t) => {
  const blocks = buildChain(genesis, CHAIN_BLOCKS, owner);
  const a = await startNode(t, { genesis, blocks });
  const lines: Line[] = [];
  const logger: Logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as Line) });
  const b = await startNode(t, { genesis, logger });
  t.like(b.net.syncStatus(), { syncing: false, height: 0, headers: 0, progress: 1, peer: null });
  const events: Array<{ atMs: number; status: SyncStatus }> = [];
  b.net.on('sync:progress', (status) => events.push({ atMs: Date.now(), status }));
  const startMs = Date.now();
  await connect(b, a);
  await waitFor(() => tipHash(b) === tipHash(a) && events.at(-1)?.status.syncing === false, 'B to catch up and report the end', 60_000);
  const elapsedMs = Date.now() - startMs;
  t.log(`${events.length} events in ${elapsedMs} ms: ${JSON.stringify(events.map((e) => [e.status.syncing, e.status.height, e.status.headers, e.status.blocksPerSec]))}`);

  const first = events[0]!.status;
  t.like(first, { syncing: true, height: 0, targetHeight: CHAIN_BLOCKS });
  t.truthy(first.peer);
  t.truthy(first.startedAt);
  t.like(events.at(-1)!.status, { syncing: false, height: CHAIN_BLOCKS, headers: CHAIN_BLOCKS, targetHeight: CHAIN_BLOCKS, progress: 1, peer: null, blocksPerSec: null });
  t.is(events.filter((e) => !e.status.syncing).length, 1, 'one end event');
  const running = events.filter((e) => e.status.syncing);
  for (let i = 1; i < running.length; i++) t.true(running[i]!.atMs - running[i - 1]!.atMs >= SYNC_STATUS_EVENT_INTERVAL_MS - 1, 'at most one a second');
  t.true(running.some((e) => e.status.headers === CHAIN_BLOCKS) || running.length === 1, 'the proven headers show once the batch passed its checks');
  t.like(b.net.syncStatus(), { syncing: false, height: CHAIN_BLOCKS, headers: CHAIN_BLOCKS, progress: 1 });

  const summaries = lines.filter((l) => l.msg === 'block sync ended');
  t.log(summaries);
  t.is(summaries.length, 1);
  t.like(summaries[0], { level: 30, blocks: CHAIN_BLOCKS, txs: CHAIN_BLOCKS });
  t.true((summaries[0]!.blocksPerSec ?? 0) > 0);
  const progressLines = lines.filter((l) => l.msg === 'syncing');
  t.true(progressLines.length <= Math.ceil(elapsedMs / SYNC_PROGRESS_LOG_INTERVAL_MS), `${progressLines.length} progress lines in ${elapsedMs} ms`);
  t.true(events.length <= Math.ceil(elapsedMs / MS_PER_SEC) + 2);
});

test('two nodes dialling each other while one catches up: one "peer ready", one sync start and one summary at info', async (t) => {
  const blocks = buildChain(genesis, 50, owner);
  const a = await startNode(t, { genesis, blocks });
  const lines: Line[] = [];
  const logger: Logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as Line) });
  const b = await startNode(t, { genesis, logger });
  a.net.addPeer('127.0.0.1', b.net.tcpPort);
  b.net.addPeer('127.0.0.1', a.net.tcpPort);
  await waitFor(() => tipHash(b) === tipHash(a) && !b.net.syncStatus().syncing, 'B to catch up', 30_000);
  await new Promise((resolve) => setTimeout(resolve, 300)); // the losing connection's lines, if any, are out
  const info = lines.filter((l) => l.level >= 30).map((l) => l.msg);
  t.log(lines.filter((l) => /peer|sync/.test(l.msg)).map((l) => `${l.level} ${l.msg}${l.blocks === undefined ? '' : ` blocks=${l.blocks}`}`));
  t.is(info.filter((m) => m === 'peer ready').length, 1);
  t.is(info.filter((m) => m === 'starting block sync').length, 1);
  t.is(info.filter((m) => m === 'block sync ended').length, 1);
  t.like(lines.find((l) => l.level >= 30 && l.msg === 'block sync ended'), { blocks: 50 });
});
