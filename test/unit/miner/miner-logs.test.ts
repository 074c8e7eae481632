import test from 'ava';
import { pino } from 'pino';
import { Chain } from '../../../src/chain/chain.js';
import { Mempool } from '../../../src/mempool/mempool.js';
import { Miner, NO_MINING_ADDRESS_MESSAGE, createGenesisBlock } from '../../../src/miner/index.js';
import type { Logger } from '../../../src/util/logger.js';
import { TEST_PARAMS, buildBlock, makeKey, outpoint, pay, spend } from '../../helpers/fixtures.js';
import { setupChain, tempDir } from './setup.js';

interface Line {
  level: number;
  msg: string;
  component?: string;
  hash?: string;
}

const INFO = 30;

function capture(): { lines: Line[]; logger: Logger } {
  const lines: Line[] = [];
  return { lines, logger: pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as Line) }) };
}

test('a node without a mining address says so once, not on every transaction', async (t) => {
  const { chain, mempool, genesis, owner } = await setupChain(t);
  const { lines, logger } = capture();
  const miner = new Miner({ chain, mempool, logger, txpoolSize: 1, rewardPubKeyHash: () => undefined });
  t.teardown(() => miner.stop());
  miner.start();
  let prev = spend(owner, [outpoint(genesis.transactions[0]!)], [pay(owner, 990n)]);
  mempool.addTransaction(prev);
  for (let i = 0; i < 4; i++) {
    prev = spend(owner, [outpoint(prev)], [pay(owner, 980n - BigInt(i) * 10n)]);
    mempool.addTransaction(prev);
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
  const told = lines.filter((l) => l.msg === NO_MINING_ADDRESS_MESSAGE);
  t.log(`${mempool.size} pooled txs; lines: ${JSON.stringify(lines.map((l) => [l.level, l.msg]))}`);
  t.is(mempool.size, 5);
  t.is(told.length, 1);
  t.is(told[0]!.level, 40);
  t.is(chain.tip?.height, 0, 'nothing mined');
});

test('each mined block is logged once ("mined a block"); a block from elsewhere gets its "block connected" line at info', async (t) => {
  const { lines, logger } = capture();
  let miner: Miner | undefined;
  const chain = await Chain.open({ path: await tempDir(t), params: TEST_PARAMS, logger, quietBlockLog: (b) => miner?.isSubmitting(b.hash) ?? false });
  t.teardown(() => chain.close());
  const mempool = new Mempool({ chain, logger, maxTxs: 10, coinbaseMaturity: chain.params.coinbaseMaturity });
  chain.on('block:connected', (block) => mempool.blockConnected(block));
  const genesis = await createGenesisBlock({ rewardPubKeyHash: makeKey().pubKeyHash, params: TEST_PARAMS, timestampSec: Math.floor(Date.now() / 1000) - 60 });
  await chain.processBlock(genesis);
  miner = new Miner({ chain, mempool, logger, txpoolSize: 100, rewardPubKeyHash: () => makeKey().pubKeyHash });
  t.teardown(() => miner?.stop());
  const mined = [await miner.mineBlock(), await miner.mineBlock(), await miner.mineBlock()];
  const relayed = buildBlock({ parent: mined[2]!, miner: makeKey() });
  await chain.processBlock(relayed);
  const infoAbout = (hash: string): string[] => lines.filter((l) => l.level >= INFO && l.hash === hash).map((l) => `${l.component} ${l.msg}`);
  for (const block of mined) t.deepEqual(infoAbout(block.hashHex), ['miner mined a block']);
  t.deepEqual(infoAbout(relayed.hashHex), ['chain block connected']);
  t.is(lines.filter((l) => l.msg === 'block connected' && l.level < INFO).length, 3, 'the mined ones are still at debug');
});
