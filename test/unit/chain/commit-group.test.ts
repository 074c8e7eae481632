import test from 'ava';
import { Arrival, fitInBudget, gatherReady, takeGroup, type GroupBudget } from '../../../src/chain/commit-group.js';
import type { Block } from '../../../src/primitives/block.js';
import { buildBlock, makeKey, outpoint, pay, spend } from '../../helpers/fixtures.js';

const alice = makeKey();

/** A block at height 1 with `txs` one-input transactions (inputs need not exist: grouping reads only sizes). */
function blockWithInputs(txs: number): Block {
  const funding = buildBlock({ miner: alice });
  const spends = Array.from({ length: txs }, (_, i) => spend(alice, [{ ...outpoint(funding.transactions[0]!), index: i }], [pay(alice, 1n)]));
  return buildBlock({ parent: funding, miner: alice, txs: spends });
}

const ample: GroupBudget = { maxInputs: 1_000, maxBytes: 1_000_000, maxBlocks: 1_000 };

test('an arrival counts the inputs of its non-coinbase transactions and its bytes', (t) => {
  const arrival = new Arrival(blockWithInputs(3), undefined);
  t.is(arrival.inputs, 3);
  t.is(arrival.bytes, arrival.block.encode().length);
  t.is(new Arrival(buildBlock({ miner: alice }), undefined).inputs, 0);
});

test('a commit group is sized by inputs, not by a block count', (t) => {
  const arrivals = Array.from({ length: 10 }, () => new Arrival(blockWithInputs(4), undefined));
  t.is(fitInBudget(arrivals, 0, { ...ample, maxInputs: 10 }), 2, '4 + 4 fit 10 inputs, a third block would make 12');
  t.is(fitInBudget(arrivals, 0, { ...ample, maxInputs: 12 }), 3);
  t.is(fitInBudget(arrivals, 0, ample), 10);
  const empty = Array.from({ length: 50 }, () => new Arrival(buildBlock({ miner: alice }), undefined));
  t.is(fitInBudget(empty, 0, { ...ample, maxInputs: 10 }), 50, 'coinbase-only blocks cost no inputs: all share one commit');
});

test('a commit group stops at the byte and block bounds, and always takes its first block', (t) => {
  const arrivals = Array.from({ length: 10 }, () => new Arrival(blockWithInputs(4), undefined));
  const size = arrivals[0]!.bytes;
  t.is(fitInBudget(arrivals, 0, { ...ample, maxBytes: size * 3 + 1 }), 3);
  t.is(fitInBudget(arrivals, 0, { ...ample, maxBlocks: 4 }), 4);
  t.is(fitInBudget(arrivals, 0, { ...ample, maxInputs: 1 }), 1, 'a block over the whole budget still commits, alone');
  t.is(fitInBudget(arrivals, 8, ample), 2, 'counts from `at`');
});

test('takeGroup takes ready arrivals within the budget and leaves the rest queued', (t) => {
  const arrivals = Array.from({ length: 6 }, () => new Arrival(blockWithInputs(4), undefined));
  const queue = [...arrivals];
  const group = takeGroup(queue, arrivals[0]!, { ...ample, maxInputs: 12 });
  t.deepEqual(group, arrivals.slice(0, 3));
  t.deepEqual(queue, arrivals.slice(3));
});

test('takeGroup stops at an arrival whose signature check is still running', async (t) => {
  let finish: () => void = () => undefined;
  const pending = new Promise<void>((resolve) => (finish = resolve));
  const arrivals = [new Arrival(blockWithInputs(1), undefined), new Arrival(blockWithInputs(1), undefined), new Arrival(blockWithInputs(1), pending), new Arrival(blockWithInputs(1), undefined)];
  t.deepEqual(takeGroup([...arrivals], arrivals[0]!, ample), arrivals.slice(0, 2));
  finish();
  await gatherReady(arrivals, arrivals[0]!, ample);
  t.true(arrivals[2]!.ready);
  t.deepEqual(takeGroup([...arrivals], arrivals[0]!, ample), arrivals);
});
