/**
 * The ancestor walk of a new tx stops once it found more than the ancestor limit: a reorg puts
 * back chains of any length (reinsertion bypasses the limits), and every child of such a chain
 * sent to us — refused as too-many-ancestors, before its signature is checked, unpunished —
 * used to walk the whole chain.
 */
import test from 'ava';
import { EventEmitter } from 'node:events';
import { MempoolError } from '../../../src/mempool/index.js';
import { PoolIndex, bytesKey } from '../../../src/mempool/pool-index.js';
import type { Transaction } from '../../../src/primitives/tx.js';
import { silentLogger } from '../../../src/util/logger.js';
import { buildBlock, outpoint, pay, spend } from '../../helpers/fixtures.js';
import { coinbaseOf, setupPool } from './setup.js';

test('ancestorsOfNew stops after more than `limit` ancestors; without a limit it finds them all', (t) => {
  const setup = setupPool(1);
  const index = new PoolIndex(new EventEmitter(), silentLogger());
  let prev = spend(setup.alice, [coinbaseOf(setup.blocks[0]!)], [pay(setup.alice, 1000n)]);
  index.insert(prev, bytesKey(prev.txid), 0n, 0);
  for (let i = 1; i < 300; i++) {
    const next = spend(setup.alice, [outpoint(prev, 0)], [pay(setup.alice, 1000n)]);
    index.insert(next, bytesKey(next.txid), 0n, 0);
    prev = next;
  }
  const child = spend(setup.alice, [outpoint(prev, 0)], [pay(setup.bob, 1000n)]);
  t.is(index.ancestorsOfNew(child).size, 300);
  t.is(index.ancestorsOfNew(child, 25).size, 26);
});

test('a child of a reorg-restored chain longer than the limit is refused, naming the limit, not a count it did not make', async (t) => {
  const setup = setupPool(3, 1_000);
  const { chain, pool, alice, bob, blocks } = setup;
  const txs: Transaction[] = [spend(alice, [coinbaseOf(blocks[0]!)], [pay(alice, 1000n)])];
  for (let i = 1; i < 60; i++) txs.push(spend(alice, [outpoint(txs[i - 1]!, 0)], [pay(alice, 1000n)]));
  const block = buildBlock({ parent: blocks[2]!, miner: bob, txs });
  chain.connect(block);
  pool.blockConnected(block);
  chain.disconnect(block, blocks[2]);
  pool.blockDisconnected(block);
  await new Promise((resolve) => setImmediate(resolve));
  t.is(pool.size, 60, 'the whole chain is back, beyond maxAncestors');
  const child = spend(alice, [outpoint(txs[59]!, 0)], [pay(bob, 1000n)]);
  const err = t.throws(() => pool.addTransaction(child), { instanceOf: MempoolError });
  t.is(err?.code, 'too-many-ancestors');
  t.regex(err!.message, new RegExp(`has more than ${pool.policy.maxAncestors} unconfirmed ancestors`));
});
