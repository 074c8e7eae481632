import test from 'ava';
import { ChainStore } from '../../../src/chain/store/store.js';
import type { Block } from '../../../src/primitives/block.js';
import { buildBlock, makeKey, pay, spend } from '../../helpers/fixtures.js';
import { tempDir } from '../../helpers/temp-dir.js';

test('getBlockPrefix: the first bytes of a stored block and its full length; undefined for an unknown block', async (t) => {
  const path = await tempDir(t);
  const miner = makeKey();
  const genesis = buildBlock({ miner });
  const txs = Array.from({ length: 20 }, (_, i) => spend(miner, [{ txid: genesis.transactions[0]!.txid, index: 0 }], [pay(miner, BigInt(i + 1))]));
  const b1 = buildBlock({ parent: genesis, miner, txs });
  const entry = (block: Block) => ({ header: block.header, chainWork: BigInt(block.height + 1), status: 'valid' as const });
  const store = ChainStore.open(path);
  t.teardown(() => store.close());
  store.transaction(() => {
    store.putBlock(genesis, entry(genesis));
    store.putBlock(b1, entry(b1));
  });
  for (const block of [genesis, b1]) {
    const got = store.getBlockPrefix(block.hash, 100)!;
    t.is(got.length, block.size);
    t.deepEqual(got.prefix, block.encode().subarray(0, 100));
    // A copy: the next read must not change it.
    store.getBlockPrefix(genesis.hash, 100);
    t.deepEqual(got.prefix, block.encode().subarray(0, 100));
  }
  t.is(store.getBlockPrefix(genesis.hash, 10_000)!.prefix.length, genesis.size, 'a prefix longer than the block is the block');
  t.is(store.getBlockPrefix(Buffer.alloc(32, 7), 100), undefined);
});
