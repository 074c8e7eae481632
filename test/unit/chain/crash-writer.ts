/**
 * Child process for crash.test.ts: connects the blocks listed (hex, one per line) in argv[3] to
 * the chain at argv[2], printing each connected height, until the parent kills it with SIGKILL.
 */
import { readFile } from 'node:fs/promises';
import { Chain } from '../../../src/chain/chain.js';
import { Block } from '../../../src/primitives/block.js';
import { silentLogger } from '../../../src/util/logger.js';
import { TEST_PARAMS } from '../../helpers/fixtures.js';

const [path, blocksFile] = process.argv.slice(2);
if (!path || !blocksFile) throw new Error('usage: crash-writer <chain dir> <blocks file>');
const blocks = (await readFile(blocksFile, 'utf8')).trim().split('\n').map((line) => Block.decode(Buffer.from(line, 'hex')));
const chain = await Chain.open({ path, params: TEST_PARAMS, logger: silentLogger() });
for (const block of blocks) {
  const result = await chain.processBlock(block);
  process.stdout.write(`${block.height} ${result.status}\n`);
}
await chain.close();
process.stdout.write('done\n');
