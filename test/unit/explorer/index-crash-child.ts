/**
 * Child process of the index kill -9 test: indexes a generated chain of `count` blocks into `path`
 * and prints its best height every few milliseconds until the parent kills it.
 */
import { ChainIndexer } from '../../../src/explorer/index.js';
import { silentLogger } from '../../../src/util/logger.js';
import { FakeChain, generateChain } from '../../helpers/explorer-fakes.js';

const [path, countArg] = process.argv.slice(2);
const chain = new FakeChain();
for (const block of generateChain(Number(countArg))) chain.connect(block, false);
const indexer = new ChainIndexer({ path: path!, chain, logger: silentLogger() });
indexer.start();
setInterval(() => process.stdout.write(`${indexer.best?.height ?? -1}\n`), 2);
