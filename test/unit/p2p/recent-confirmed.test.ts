/**
 * An announced txid is checked against recently confirmed txids in memory (Core's
 * m_recent_confirmed_transactions), not with a chain-state read per item: a peer naming confirmed
 * txids in its invs (10,000 items a second) made us do one LMDB read (~5 µs) per item, outside
 * every per-peer bound (an item we "have" takes no pending slot).
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { Chain } from '../../../src/chain/chain.js';
import { Mempool } from '../../../src/mempool/mempool.js';
import type { RelayChain } from '../../../src/p2p/relay-deps.js';
import { TxIntake } from '../../../src/p2p/tx-intake.js';
import type { OutPoint } from '../../../src/primitives/tx.js';
import { silentLogger } from '../../../src/util/logger.js';
import { TEST_PARAMS, buildBlock, makeKey, outpoint, pay, spend } from '../../helpers/fixtures.js';
import { tempDir } from '../../helpers/temp-dir.js';

const owner = makeKey();
const genesis = buildBlock({ miner: owner });

test('a tx of a recently connected block is "had" without a chain read; a reorg forgets the list', async (t) => {
  const chain = await Chain.open({ path: await tempDir(t), params: TEST_PARAMS, logger: silentLogger() });
  t.teardown(() => chain.close());
  const mempool = new Mempool({ chain, logger: silentLogger(), maxTxs: 100, coinbaseMaturity: chain.params.coinbaseMaturity });
  chain.on('block:connected', (block) => mempool.blockConnected(block));
  await chain.processBlock(genesis);
  let reads = 0;
  const counting = {
    params: chain.params,
    get tip() {
      return chain.tip;
    },
    getCoin: (op: OutPoint) => {
      reads++;
      return chain.getCoin(op);
    },
    on: (event: 'block:connected', listener: Parameters<Chain['on']>[1]) => chain.on(event, listener),
    off: (event: 'block:connected', listener: Parameters<Chain['off']>[1]) => chain.off(event, listener),
  } as unknown as RelayChain;
  const intake = new TxIntake({ chain: counting, mempool, logger: silentLogger(), onUseful: () => undefined, requestParents: () => undefined });
  intake.start();
  t.teardown(() => intake.stop());

  const paid = spend(owner, [outpoint(genesis.transactions[0]!)], [pay(makeKey(), 900n)]);
  const b1 = buildBlock({ parent: genesis, miner: owner, txs: [paid], fees: 100n });
  await chain.processBlock(b1);
  t.true(intake.alreadyHave(paid.txid), 'confirmed in the last block');
  t.true(intake.alreadyHave(b1.transactions[0]!.txid), 'its coinbase too');
  for (let i = 0; i < 1_000; i++) t.false(intake.alreadyHave(randomBytes(32)));
  t.is(reads, 0, 'no chain read for any announced item');

  mempool.emit('reorg:settled');
  t.false(intake.alreadyHave(paid.txid), 'after a reorg the list is forgotten (its txs may be unconfirmed now)');
});
