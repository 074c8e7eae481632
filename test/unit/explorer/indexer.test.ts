import test from 'ava';
import { pino } from 'pino';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ChainIndexer, INDEX_BUSY_CHAIN_DELAY_MS, INDEX_CHUNK_BLOCKS } from '../../../src/explorer/index.js';
import { silentLogger } from '../../../src/util/logger.js';
import { waitFor } from '../../integration/harness.js';
import { FakeChain, PKHS, generateChain } from '../../helpers/explorer-fakes.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { checkIndex } from './indexer-check.js';

function openIndexer(t: { teardown(fn: () => unknown): void }, path: string, chain: FakeChain): ChainIndexer {
  const indexer = new ChainIndexer({ path, chain, logger: silentLogger() });
  t.teardown(() => indexer.stop());
  return indexer;
}

const atTip = (indexer: ChainIndexer, chain: FakeChain) => async (): Promise<boolean> => indexer.best !== undefined && chain.tip !== undefined && indexer.best.hash.equals(chain.tip.hash);

test('catch-up at start: chunked commits that yield to the event loop, then every tx and address entry', async (t) => {
  const dir = await tempDir(t);
  const chain = new FakeChain();
  const blocks = generateChain(INDEX_CHUNK_BLOCKS * 2 + 200);
  for (const b of blocks) chain.connect(b, false);
  const indexer = openIndexer(t, join(dir, 'indexes'), chain);
  t.is(indexer.best, undefined);
  // Heights seen between event-loop turns: more than the final one means commits yielded in between.
  const seen = new Set<number>();
  let polling = true;
  const poll = (): void => {
    if (indexer.best) seen.add(indexer.best.height);
    if (polling) setImmediate(poll);
  };
  poll();
  indexer.start();
  await waitFor('the index at the tip', atTip(indexer, chain), 60_000);
  polling = false;
  const intermediate = [...seen].filter((h) => h < blocks.length - 1);
  t.log(`${blocks.length} blocks indexed; heights seen while catching up: ${[...seen].sort((a, b) => a - b).join(', ')}`);
  t.true(intermediate.length >= 2, 'catch-up committed in several chunks and let the event loop run between them');
  const heights = [-1, ...[...seen].sort((a, b) => a - b)];
  const biggest = Math.max(...heights.slice(1).map((h, i) => h - heights[i]!));
  t.true(biggest <= INDEX_CHUNK_BLOCKS, `no commit holds more than ${INDEX_CHUNK_BLOCKS} blocks (largest ${biggest})`);
  t.true(indexer.synced);
  checkIndex(t, indexer, chain.active);
});

test('follows connected blocks, rewinds disconnected ones and takes the new branch of a reorg', async (t) => {
  const dir = await tempDir(t);
  const chain = new FakeChain();
  for (const b of generateChain(20)) chain.connect(b, false);
  const indexer = openIndexer(t, join(dir, 'indexes'), chain);
  indexer.start();
  await waitFor('catch-up', atTip(indexer, chain));
  for (const b of generateChain(3, chain.active.at(-1))) chain.connect(b);
  await waitFor('3 new blocks', atTip(indexer, chain));
  checkIndex(t, indexer, chain.active);

  // Reorg: 4 blocks off, a heavier branch of 6 on, as the chain's events announce it.
  const gone = [chain.disconnect(), chain.disconnect(), chain.disconnect(), chain.disconnect()];
  for (const b of generateChain(6, chain.active.at(-1), 9)) chain.connect(b);
  await waitFor('the new branch', atTip(indexer, chain));
  t.is(indexer.best!.height, 24);
  checkIndex(t, indexer, chain.active, gone);
  // indexSettled: once following, a lookup right after a block waits for it; it resolves at the tip.
  const next = generateChain(1, chain.active.at(-1))[0]!;
  chain.connect(next);
  await indexer.indexSettled(10_000);
  t.true(indexer.best!.hash.equals(next.hash));
});

test('restart: the best block survives; blocks and a reorg that happened while stopped are caught up', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'indexes');
  const chain = new FakeChain();
  for (const b of generateChain(30)) chain.connect(b, false);
  const first = openIndexer(t, path, chain);
  first.start();
  await waitFor('catch-up', atTip(first, chain));
  await first.stop();

  // While stopped: 5 blocks off, a branch of 8 on (no indexer hears it).
  const gone = [0, 1, 2, 3, 4].map(() => chain.disconnect(false));
  for (const b of generateChain(8, chain.active.at(-1), 5)) chain.connect(b, false);
  const second = openIndexer(t, path, chain);
  t.is(second.best?.height, 29, 'the best block is read back at open');
  t.false(second.synced);
  second.start();
  await waitFor('rewind and catch-up', atTip(second, chain));
  checkIndex(t, second, chain.active, gone);
});

test('deleting the index directory rebuilds it; address history pages without gaps or repeats', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'indexes');
  const chain = new FakeChain();
  for (const b of generateChain(60)) chain.connect(b, false);
  const first = openIndexer(t, path, chain);
  first.start();
  await waitFor('catch-up', atTip(first, chain));
  await first.stop();
  await rm(path, { recursive: true, force: true });
  t.false(existsSync(path));
  const second = openIndexer(t, path, chain);
  t.is(second.best, undefined);
  second.start();
  await waitFor('rebuild', atTip(second, chain));
  checkIndex(t, second, chain.active);

  const full = second.addressHistory(PKHS[0]!, 1_000).entries;
  const paged: string[] = [];
  let before: { height: number; txid: Buffer } | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const { entries, more } = second.addressHistory(PKHS[0]!, 7, before);
    t.true(entries.length <= 7);
    paged.push(...entries.map((e) => `${e.height}-${e.txid.toString('hex')}`));
    if (!more) break;
    const last = entries.at(-1)!;
    before = { height: last.height, txid: last.txid };
  }
  t.log(`${full.length} entries for one address, read back in pages of 7`);
  t.true(full.length > 14);
  t.deepEqual(paged, full.map((e) => `${e.height}-${e.txid.toString('hex')}`));
  t.deepEqual(second.addressHistory(PKHS[0]!, 1_000, { height: 10 }).entries.map((e) => e.height).filter((h) => h >= 10), []);
});

test('a failing read is logged once per streak, lookups then answer from the last good state, and the next block recovers', async (t) => {
  const dir = await tempDir(t);
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
  const chain = new FakeChain();
  for (const b of generateChain(5)) chain.connect(b, false);
  let broken = false;
  const flaky = Object.assign(Object.create(chain) as FakeChain, {
    getBlock: (hash: Buffer) => {
      if (broken) throw new Error('disk read failed');
      return chain.getBlock(hash);
    },
  });
  const indexer = new ChainIndexer({ path: join(dir, 'indexes'), chain: flaky, logger });
  t.teardown(() => indexer.stop());
  indexer.start();
  await waitFor('catch-up', atTip(indexer, chain));
  broken = true;
  for (const b of generateChain(3, chain.active.at(-1))) chain.connect(b);
  await waitFor('the failure logged', async () => lines.some((l) => l.includes('indexing failed;')));
  for (const b of generateChain(2, chain.active.at(-1))) chain.connect(b);
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.is(lines.filter((l) => l.includes('"level":50')).length, 1, 'one error line for the whole streak');
  t.is(indexer.best!.height, 4, 'the index stays at its last good block');
  broken = false;
  for (const b of generateChain(1, chain.active.at(-1))) chain.connect(b);
  await waitFor('recovery', atTip(indexer, chain));
  t.true(lines.some((l) => l.includes('indexing resumed')));
  checkIndex(t, indexer, chain.active);
});

test('while the chain tip moves (a sync), catch-up pauses between chunks to leave the chain the main thread', async (t) => {
  const dir = await tempDir(t);
  const chain = new FakeChain();
  const blocks = generateChain(2_500);
  for (const b of blocks.slice(0, 2_000)) chain.connect(b, false);
  const indexer = openIndexer(t, join(dir, 'indexes'), chain);
  // Commit times (best changes) while a "sync" connects a block every 2 ms.
  const commits: number[] = [];
  let last = -2;
  let syncing = true;
  const poll = (): void => {
    const h = indexer.best?.height ?? -1;
    if (h !== last && syncing) commits.push(performance.now());
    last = h;
    if (syncing) setImmediate(poll);
  };
  poll();
  indexer.start();
  let next = 2_000;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      chain.connect(blocks[next++]!);
      if (next === blocks.length) {
        clearInterval(timer);
        resolve();
      }
    }, 2);
  });
  syncing = false;
  await waitFor('the index at the tip', atTip(indexer, chain), 60_000);
  const gaps = commits.slice(1).map((c, i) => c - commits[i]!);
  const paused = gaps.filter((g) => g >= INDEX_BUSY_CHAIN_DELAY_MS).length;
  t.log(`${gaps.length} gaps between commits while the tip moved: ${paused} of them ≥ ${INDEX_BUSY_CHAIN_DELAY_MS} ms (median ${Math.round(gaps.sort((a, b) => a - b)[Math.floor(gaps.length / 2)] ?? 0)} ms)`);
  t.true(gaps.length >= 2);
  t.true(paused * 2 >= gaps.length, 'most chunks were followed by a pause while the chain was busy');
  checkIndex(t, indexer, chain.active);
});
