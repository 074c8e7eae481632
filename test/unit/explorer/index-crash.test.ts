/**
 * kill -9 while the index catches up: each time, the index reopens at a block boundary with
 * exactly the entries of the blocks up to its best block (none of later ones), and resumes from there.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChainIndexer } from '../../../src/explorer/index.js';
import { silentLogger } from '../../../src/util/logger.js';
import { waitFor } from '../../integration/harness.js';
import { FakeChain, generateChain } from '../../helpers/explorer-fakes.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { checkIndex } from './indexer-check.js';

const CHILD = fileURLToPath(new URL('./index-crash-child.js', import.meta.url));
const BLOCKS = 4_000;
const KILLS = Number(process.env['INDEX_CRASH_KILLS'] ?? 4);
/** Each round kills the child once it has indexed this many blocks past where the round started. */
const BLOCKS_PER_ROUND = 400;

/** Runs the child until it reports `killAt` or more, then SIGKILLs it; resolves with the last height it printed. */
function runAndKill(path: string, killAt: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, path, String(BLOCKS)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let last = -1;
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) last = Number(line);
      if (last >= killAt && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('exit', () => resolve(last));
  });
}

test(`kill -9 during catch-up (${KILLS} times): the index reopens at a block boundary and resumes`, async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'indexes');
  const chain = new FakeChain();
  for (const block of generateChain(BLOCKS)) chain.connect(block, false);
  let from = -1;
  for (let round = 1; round <= KILLS; round++) {
    const reported = await runAndKill(path, from + BLOCKS_PER_ROUND);
    const index = new ChainIndexer({ path, chain, logger: silentLogger() });
    const best = index.best?.height ?? -1;
    t.log(`round ${round}: killed after it reported height ${reported}; reopened at ${best}`);
    t.true(best >= reported, 'nothing it reported as committed was lost');
    checkIndex(t, index, chain.active.slice(0, best + 1), chain.active.slice(best + 1));
    await index.stop();
    from = best;
    if (best === BLOCKS - 1) break;
  }
  const index = new ChainIndexer({ path, chain, logger: silentLogger() });
  t.teardown(() => index.stop());
  index.start();
  await waitFor('the index at the tip', async () => index.best?.height === BLOCKS - 1, 60_000);
  checkIndex(t, index, chain.active);
});
