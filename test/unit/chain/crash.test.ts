import test from 'ava';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Block } from '../../../src/primitives/block.js';
import { buildBlock, makeKey, outpoint, pay, spend } from '../../helpers/fixtures.js';
import { openChain, snapshotState, tempDir } from './setup.js';

const WRITER = fileURLToPath(new URL('./crash-writer.js', import.meta.url));
const BLOCK_COUNT = 400;
const FEE = 99n;

/** A chain where every block also spends the previous coinbase: UTXO, address and undo churn. */
function makeBlocks(): Block[] {
  const miner = makeKey();
  const other = makeKey();
  const blocks: Block[] = [buildBlock({ miner })];
  for (let i = 1; i < BLOCK_COUNT; i++) {
    const prev = blocks[i - 1]!;
    const input = prev.transactions[0]!.totalOutput();
    const tx = spend(miner, [outpoint(prev.transactions[0]!)], [pay(other, BigInt(i)), pay(miner, input - FEE - BigInt(i))]);
    blocks.push(buildBlock({ parent: prev, miner, txs: [tx], fees: FEE }));
  }
  return blocks;
}

/** Runs the writer until it has reported `killAfter` blocks, then SIGKILLs it mid-stream. */
function runAndKill(path: string, blocksFile: string, killAfter: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, path, blocksFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    let reported = 0;
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      reported += chunk.split('\n').filter((l) => /^\d+ /.test(l)).length;
      if (reported >= killAfter) child.kill('SIGKILL');
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve(reported) : reject(new Error(`writer exited ${code}: ${stderr}`))));
  });
}

test('kill -9 while connecting blocks leaves tip, index and UTXO set consistent', async (t) => {
  const blocks = makeBlocks();
  const dir = await tempDir(t);
  const blocksFile = join(dir, 'blocks.hex');
  await writeFile(blocksFile, `${blocks.map((b) => b.encode().toString('hex')).join('\n')}\n`);
  const path = join(dir, 'chain');

  for (const killAfter of [20, 120]) {
    const reported = await runAndKill(path, blocksFile, killAfter);
    const chain = await openChain(t, { path });
    const height = chain.tip?.height ?? -1;
    t.true(height >= reported - 1, `tip ${height} is behind the ${reported} blocks reported as connected`);
    t.true(height < BLOCK_COUNT - 1, 'the kill must land before the end, or this test proves nothing');
    for (let h = 0; h <= height; h++) t.deepEqual(chain.getHashAtHeight(h), blocks[h]!.hash);
    t.is(chain.getHashAtHeight(height + 1), undefined);
    await chain.close();

    // The state must equal that of a clean node that connected exactly blocks 0..height.
    const refPath = await tempDir(t);
    const ref = await openChain(t, { path: refPath });
    for (const block of blocks.slice(0, height + 1)) await ref.processBlock(block);
    await ref.close();
    t.deepEqual(await snapshotState(path), await snapshotState(refPath), `state after kill at height ${height}`);
  }

  const chain = await openChain(t, { path });
  for (const block of blocks) await chain.processBlock(block);
  t.is(chain.tip?.height, BLOCK_COUNT - 1);
});
