/**
 * A commit group of blocks that each extend the one before is connected in one ChainStore.batch
 * (no LMDB child transaction per block). A block failing in it must still fail alone: the batch
 * is undone and the group redone block by block, leaving exactly what one-by-one processing leaves.
 */
import test from 'ava';
import type { Chain } from '../../../src/chain/chain.js';
import { ValidationCode as Code } from '../../../src/chain/errors.js';
import { ChainStore } from '../../../src/chain/store/store.js';
import type { Block } from '../../../src/primitives/block.js';
import { buildBlock, makeKey, outpoint, pay, spend } from '../../helpers/fixtures.js';
import { openChain, snapshotState, tempDir } from './setup.js';

const ALL = ['entries', 'blockdata', 'blocks', 'index', 'heights', 'coins', 'addrs', 'undo', 'meta', 'tips'] as const;

/** Hands every block over at once (as a sync does), so they meet in commit groups; the outcome of each. */
async function submitAll(chain: Chain, blocks: readonly Block[]): Promise<string[]> {
  const settled = await Promise.allSettled(blocks.map((block) => chain.processBlock(block)));
  return settled.map((s) => (s.status === 'fulfilled' ? s.value.status : ((s.reason as { code?: string }).code ?? String(s.reason))));
}

/** genesis, then 8 blocks that each spend the coinbase of the block 1 below, so UTXO, undo and address index all change; block 5 is bad as `bad` makes it. */
function chainWithBadBlock(bad: 'coinbase-too-large' | 'bad-merkle'): { genesis: Block; blocks: Block[] } {
  const miner = makeKey();
  const genesis = buildBlock({ miner });
  const blocks: Block[] = [];
  let parent = genesis;
  for (let i = 1; i <= 8; i++) {
    const txs = [spend(miner, [outpoint(parent.transactions[0]!)], [pay(miner, 400n), pay(makeKey(), 600n)])];
    const block =
      i !== 5
        ? buildBlock({ parent, miner, txs })
        : bad === 'coinbase-too-large'
          ? buildBlock({ parent, miner, txs, fees: 1n })
          : buildBlock({ parent, miner, txs, headerOverrides: { merkleRoot: Buffer.alloc(32, 7) } });
    blocks.push(block);
    parent = block;
  }
  return { genesis, blocks };
}

/** Counts the batches of `chain`'s store that threw (undone). */
function countUndoneBatches(chain: Chain): () => number {
  const store = (chain as unknown as { store: ChainStore }).store;
  let undone = 0;
  const batch = store.batch.bind(store);
  store.batch = <T>(fn: () => T): T => {
    try {
      return batch(fn);
    } catch (err) {
      undone++;
      throw err;
    }
  };
  return () => undone;
}

for (const bad of ['coinbase-too-large', 'bad-merkle'] as const) {
  test(`a chained group with a bad block in the middle (${bad}) ends exactly as block-by-block processing does`, async (t) => {
    const { genesis, blocks } = chainWithBadBlock(bad);
    const grouped = await tempDir(t);
    const single = await tempDir(t);
    {
      const chain = await openChain(t, { path: grouped });
      await chain.processBlock(genesis);
      const undone = countUndoneBatches(chain);
      const outcomes = await submitAll(chain, blocks);
      t.log(outcomes.join(' '), `(${undone()} batch(es) undone and redone block by block)`);
      t.true(undone() >= 1, 'the bad block met the others in a batch');
      t.deepEqual(outcomes.slice(0, 4), ['connected', 'connected', 'connected', 'connected']);
      t.is(outcomes[4], bad === 'coinbase-too-large' ? Code.CoinbaseTooLarge : Code.BadMerkleRoot);
      // A block whose merkle root does not match is not recorded (its header does not commit to what arrived): its children are orphans.
      const after = bad === 'coinbase-too-large' ? Code.InvalidAncestor : Code.UnknownParent;
      t.deepEqual(outcomes.slice(5), [after, after, after]);
      t.is(chain.tip?.height, 4);
      await chain.close();
    }
    {
      const chain = await openChain(t, { path: single });
      await chain.processBlock(genesis);
      for (const block of blocks) await chain.processBlock(block).catch(() => undefined);
      t.is(chain.tip?.height, 4);
      await chain.close();
    }
    t.deepEqual(await snapshotState(grouped, ALL), await snapshotState(single, ALL), 'every database byte for byte');
  });
}

test('a group of good chained blocks is connected in batches, with one child transaction per group, not per block', async (t) => {
  const { genesis, blocks } = chainWithBadBlock('coinbase-too-large');
  const good = blocks.slice(0, 4);
  const chain = await openChain(t);
  await chain.processBlock(genesis);
  const store = (chain as unknown as { store: ChainStore }).store;
  let batches = 0;
  const batch = store.batch.bind(store);
  store.batch = <T>(fn: () => T): T => {
    batches++;
    return batch(fn);
  };
  t.deepEqual(await submitAll(chain, good), ['connected', 'connected', 'connected', 'connected']);
  t.true(batches >= 1, `${batches} batch(es) for ${good.length} blocks`);
  t.is(chain.tip?.height, 4);
});

test('a nested transaction that throws inside a batch undoes the whole batch, even when its caller caught the error', async (t) => {
  const store = ChainStore.open(await tempDir(t));
  t.teardown(() => store.close());
  const hash = (n: number): Buffer => Buffer.alloc(32, n);
  store.transaction(() => store.putHeight(1, hash(1)));
  const err = t.throws(() =>
    store.transaction(() =>
      store.batch(() => {
        store.transaction(() => store.putHeight(2, hash(2)));
        try {
          store.transaction(() => {
            store.putHeight(3, hash(3));
            throw new Error('block failed');
          });
        } catch {
          // a caller that goes on
        }
        store.putTipHash(hash(9));
      }),
    ),
  );
  t.is((err as { code?: string }).code, 'storage-batch-aborted');
  t.deepEqual(store.getHashAtHeight(1), hash(1));
  t.is(store.getHashAtHeight(2), undefined, 'the part that succeeded is undone with the batch');
  t.is(store.getHashAtHeight(3), undefined);
  t.is(store.getTipHash(), undefined);
  t.throws(() => store.batch(() => undefined), { message: /must run inside transaction/ });
});
