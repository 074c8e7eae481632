/**
 * The blocks a sync holds stay small because connecting a decoded block never builds its
 * transactions' input and output objects (primitives/tx.ts reads the fields from the bytes): a
 * sync holds ~780 such blocks at once, and building them cost ~30 MB of its peak RSS. This holds
 * that path to it: a check that reads `tx.inputs` on the way fails here.
 */
import test from 'ava';
import { Block } from '../../../src/primitives/block.js';
import { Transaction } from '../../../src/primitives/tx.js';
import { buildBlockFixture } from '../../bench/block-fixture.js';
import { openChain } from './setup.js';

/** Counts reads of `inputs` / `outputs` on the transactions in `watched` (the prototype's getters, wrapped for the test). */
function watchFieldReads(t: import('ava').ExecutionContext): { watched: WeakSet<Transaction>; reads: string[] } {
  const watched = new WeakSet<Transaction>();
  const reads: string[] = [];
  for (const field of ['inputs', 'outputs'] as const) {
    const original = Object.getOwnPropertyDescriptor(Transaction.prototype, field);
    if (!original?.get) throw new Error(`Transaction.${field} is not a getter`);
    const read = original.get;
    Object.defineProperty(Transaction.prototype, field, {
      ...original,
      get(this: Transaction) {
        if (watched.has(this)) reads.push(`${field} of ${this.txidHex}: ${new Error().stack?.split('\n')[2]?.trim()}`);
        return read.call(this);
      },
    });
    t.teardown(() => Object.defineProperty(Transaction.prototype, field, original));
  }
  return { watched, reads };
}

for (const [txsPerBlock, how] of [
  [20, 'the verify workers check'],
  [3, 'are checked on the calling thread'],
] as const) {
  test.serial(`connecting decoded blocks whose ${txsPerBlock * 2} inputs ${how} builds none of their transactions' input or output objects`, async (t) => {
    const fixture = buildBlockFixture(4, txsPerBlock);
    const chain = await openChain(t);
    const { watched, reads } = watchFieldReads(t);
    for (const bytes of [fixture.genesis, ...fixture.blocks]) {
      const block = Block.decode(bytes);
      for (const tx of block.transactions) watched.add(tx);
      await chain.processBlock(block);
    }
    t.is(chain.tip?.height, fixture.blocks.length);
    t.deepEqual(reads, []);
  });
}

test.serial('the watch sees a read: the test above can fail', async (t) => {
  const fixture = buildBlockFixture(1, 2);
  const { watched, reads } = watchFieldReads(t);
  const block = Block.decode(fixture.blocks[0]!);
  for (const tx of block.transactions) watched.add(tx);
  void block.transactions[1]!.inputs;
  t.is(reads.length, 1);
});
