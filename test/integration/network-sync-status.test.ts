import test from 'ava';
import { type NodeInfo, getInfo, sleep, waitFor } from './harness.js';
import { addPeer, createAddress, genesis, mineBlocks, send, startNetNode, waitConnected } from './network-harness.js';

const CHAIN_BLOCKS = 400;
const TX_EVERY_BLOCKS = 100;
const SYNC_TIMEOUT_MS = 60_000;

interface SyncInfo extends NodeInfo {
  blocks: number | null;
  headers: number | null;
  verificationProgress: number;
  initialBlockDownload: boolean;
  syncing: boolean;
  syncPeer: string | null;
  blocksPerSec: number | null;
  targetHeight: number | null;
}

interface LogLine {
  level: number;
  msg: string;
  component?: string;
  blocks?: number;
  txs?: number;
  blocksPerSec?: number;
}

test(`getinfo shows a ${CHAIN_BLOCKS}-block sync running, then done; the catching-up node logs no per-block info line and one summary`, async (t) => {
  const a = await startNetNode(t, { txpoolSize: 1000 }, ['--no-discovery']);
  const g = await genesis(a.setup);
  const payee = await createAddress(a.setup);
  let sent = 0;
  for (let mined = 0; mined < CHAIN_BLOCKS; mined += TX_EVERY_BLOCKS) {
    await send(a.setup, g, payee, 10);
    sent++;
    await mineBlocks(a.setup, Math.min(TX_EVERY_BLOCKS, CHAIN_BLOCKS - mined));
  }
  const idleA = (await getInfo(a.setup)) as SyncInfo;
  t.like(idleA, { blocks: CHAIN_BLOCKS, headers: CHAIN_BLOCKS, syncing: false, syncPeer: null, verificationProgress: 1, initialBlockDownload: false });

  const b = await startNetNode(t, { txpoolSize: 1000 }, ['--no-discovery']);
  t.like((await getInfo(b.setup)) as SyncInfo, { blocks: null, headers: null, syncing: false, initialBlockDownload: true, verificationProgress: 0 });
  // Sample getinfo back to back while B syncs: the running sync must show in at least one answer.
  const samples: SyncInfo[] = [];
  const startMs = Date.now();
  await addPeer(b, a);
  await waitConnected(a, b);
  while (Date.now() - startMs < SYNC_TIMEOUT_MS) {
    const info = (await getInfo(b.setup)) as SyncInfo;
    samples.push(info);
    if (info.blocks === CHAIN_BLOCKS && !info.syncing) break;
    await sleep(5);
  }
  const running = samples.filter((s) => s.syncing);
  const syncFields = (s: SyncInfo | undefined): string =>
    JSON.stringify(s && { blocks: s.blocks, headers: s.headers, verificationProgress: s.verificationProgress, initialBlockDownload: s.initialBlockDownload, syncing: s.syncing, syncPeer: s.syncPeer, blocksPerSec: s.blocksPerSec });
  t.log(`${samples.length} getinfo samples in ${Date.now() - startMs} ms, ${running.length} while syncing; e.g. ${syncFields(running.at(-1))}`);
  t.true(running.length > 0, 'the sync was seen running');
  for (const s of running) {
    t.is(s.syncPeer, a.tcpAddress);
    t.is(s.targetHeight, CHAIN_BLOCKS);
    t.true(s.verificationProgress >= 0 && s.verificationProgress <= 1);
  }
  const done = samples.at(-1)!;
  t.like(done, { blocks: CHAIN_BLOCKS, headers: CHAIN_BLOCKS, syncing: false, syncPeer: null, blocksPerSec: null, verificationProgress: 1, initialBlockDownload: false });

  // The summary line is written when the sync ends, which getinfo just reported; the child's
  // stdout reaches us a moment later on a loaded machine, so wait for the line to arrive.
  await waitFor('the sync summary line in the log', async () => b.process.output().includes('"msg":"block sync ended"'));
  const lines = b.process.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as LogLine);
  const connectedInfo = lines.filter((l) => l.msg === 'block connected' && l.level >= 30);
  const connectedDebug = lines.filter((l) => l.msg === 'block connected' && l.level < 30);
  const summaries = lines.filter((l) => l.msg === 'block sync ended' && l.level >= 30);
  t.log(`block connected: ${connectedInfo.length} at info, ${connectedDebug.length} at debug; summary: ${JSON.stringify(summaries)}`);
  t.is(connectedDebug.length, CHAIN_BLOCKS + 1, 'every block is still at debug');
  t.is(connectedInfo.length, 0, 'no per-block info line while catching up');
  t.is(summaries.length, 1);
  t.like(summaries[0], { blocks: CHAIN_BLOCKS + 1, txs: CHAIN_BLOCKS + 1 + sent });
});
