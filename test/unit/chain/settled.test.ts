/**
 * Chain.settled(): a payment must not read coins between a block commit and its events (a reorg's
 * txs not yet back in the pool). settled() is pending while a block is being processed and
 * resolves only after its block events have fired.
 */
import test from 'ava';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { buildBlock, makeKey } from '../../helpers/fixtures.js';
import { openChain } from './setup.js';

/** Whether `promise` is still pending a few microtasks from now (a resolved one settles its then() in one). */
async function isPending(promise: Promise<void>): Promise<boolean> {
  const marker = Symbol('pending');
  const later = Promise.resolve().then(() => undefined).then(() => undefined).then(() => marker);
  return (await Promise.race([promise.then(() => undefined), later])) === marker;
}

test('settled() is pending while a block is processed and resolves only after its events', async (t) => {
  const chain = await openChain(t);
  const miner = makeKey();
  const genesis = buildBlock({ miner });
  await chain.processBlock(genesis);
  t.false(await isPending(chain.settled()), 'nothing in flight: settled at once');

  const events: string[] = [];
  chain.on('block:connected', () => events.push('connected'));
  const processing = chain.processBlock(buildBlock({ parent: genesis, miner }));
  let gate: Promise<void> | undefined;
  for (let turn = 0; turn < 1000 && gate === undefined && events.length === 0; turn++) {
    const current = chain.settled();
    if (await isPending(current)) gate = current;
    else await nextTurn();
  }
  t.truthy(gate, 'settled() was pending at some point while the block was processed');
  t.deepEqual(events, [], 'before the events');
  await gate!.then(() => events.push('settled'));
  t.deepEqual(events, ['connected', 'settled'], 'settled() resolved after the block event, not before');
  await processing;
  t.false(await isPending(chain.settled()));
});
