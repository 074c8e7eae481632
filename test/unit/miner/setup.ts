import type { ExecutionContext } from 'ava';
import { Chain } from '../../../src/chain/chain.js';
import type { ChainParams } from '../../../src/chain/params.js';
import { Mempool } from '../../../src/mempool/mempool.js';
import { createGenesisBlock } from '../../../src/miner/index.js';
import type { Block } from '../../../src/primitives/block.js';
import { silentLogger } from '../../../src/util/logger.js';
import { type TestKey, TEST_PARAMS, makeKey } from '../../helpers/fixtures.js';
import { tempDir } from '../../helpers/temp-dir.js';

export interface MinerSetup {
  chain: Chain;
  mempool: Mempool;
  genesis: Block;
  /** Owns the genesis coinbase (params.blockRewardAmount). */
  owner: TestKey;
  dir: string;
}

export { tempDir };

/** Opens a Chain at `dir`; closed at teardown (a no-op if the test already closed it), before `dir` is removed. */
async function openChain(t: ExecutionContext, dir: string, params: ChainParams): Promise<Chain> {
  const chain = await Chain.open({ path: dir, params, logger: silentLogger() });
  t.teardown(() => chain.close());
  return chain;
}

/** A real Chain in a temp dir with a mined genesis paying `owner`, and a pool wired to chain events (the node's job). */
export async function setupChain(t: ExecutionContext, params: ChainParams = TEST_PARAMS): Promise<MinerSetup> {
  const dir = await tempDir(t);
  const owner = makeKey();
  const genesis = await createGenesisBlock({ rewardPubKeyHash: owner.pubKeyHash, params, timestampSec: Math.floor(Date.now() / 1000) - 3600 });
  const chain = await openChain(t, dir, params);
  await chain.processBlock(genesis);
  return { chain, mempool: wirePool(chain), genesis, owner, dir };
}

function wirePool(chain: Chain): Mempool {
  const mempool = new Mempool({ chain, logger: silentLogger(), maxTxs: 1000, coinbaseMaturity: chain.params.coinbaseMaturity });
  chain.on('block:connected', (block) => mempool.blockConnected(block));
  chain.on('block:disconnected', (block) => mempool.blockDisconnected(block));
  return mempool;
}

/** Reopens `dir` with other consensus params (the stored tip is not re-validated): lets tests mine at a hard target. */
export async function reopenWith(t: ExecutionContext, setup: MinerSetup, params: ChainParams): Promise<MinerSetup> {
  await setup.chain.close();
  const chain = await openChain(t, setup.dir, params);
  return { ...setup, chain, mempool: wirePool(chain) };
}
