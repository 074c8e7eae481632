/**
 * ProcessBlockOptions.unrequested (Bitcoin Core's AcceptBlock for a block nobody asked for): a
 * block of a branch with no more work than the active chain is refused before its signatures are
 * checked and is never stored; one with more work is handled as before.
 */
import test from 'ava';
import { ValidationError } from '../../../src/chain/errors.js';
import { Transaction } from '../../../src/primitives/tx.js';
import { buildBlock, makeKey, outpoint, pay, spend } from '../../helpers/fixtures.js';
import { openChain } from './setup.js';

const miner = makeKey();
const other = makeKey();
// Active chain g-1-2-3; light is a rival at height 2 (less work than 3), rival3 one at height 3 (equal work).
const g = buildBlock({ miner });
const b1 = buildBlock({ parent: g, miner });
const b2 = buildBlock({ parent: b1, miner });
const b3 = buildBlock({ parent: b2, miner });
const light = buildBlock({ parent: b1, miner, extraData: Buffer.from('light') });
const rival3 = buildBlock({ parent: b2, miner, extraData: Buffer.from('rival') });

async function chainAtB3(t: Parameters<typeof openChain>[0]) {
  const chain = await openChain(t);
  for (const b of [g, b1, b2, b3]) await chain.processBlock(b);
  return chain;
}

test('an unrequested block of a lighter branch is refused with too-little-work and not stored', async (t) => {
  const chain = await chainAtB3(t);
  const err = await t.throwsAsync(chain.processBlock(light, { unrequested: true }), { instanceOf: ValidationError });
  t.is(err?.code, 'too-little-work');
  t.false(err?.consensus, 'not a fault of the sender');
  t.false(chain.hasBlock(light.hash), 'nothing written');
  t.is(chain.tip?.height, 3);
  // Not recorded as invalid: asked for (header sync), the same block is stored as a side branch.
  t.is((await chain.processBlock(light)).status, 'side-branch');
  t.true(chain.hasBlock(light.hash));
});

test('an unrequested light block is refused before its signatures are checked', async (t) => {
  const chain = await chainAtB3(t);
  const signed = spend(miner, [outpoint(g.transactions[0]!)], [pay(other, 500n)]);
  const input = signed.inputs[0]!;
  const badSignature = Buffer.from(input.signature);
  badSignature[10] ^= 0xff;
  const forged = new Transaction(signed.version, [{ ...input, signature: badSignature }], signed.outputs);
  const lightWithJunk = buildBlock({ parent: b1, miner, txs: [forged], extraData: Buffer.from('junk') });
  const err = await t.throwsAsync(chain.processBlock(lightWithJunk, { unrequested: true }), { instanceOf: ValidationError });
  t.is(err?.code, 'too-little-work', 'the work check comes first: no signature verified for a branch we would not take');
  const asked = await t.throwsAsync(chain.processBlock(lightWithJunk), { instanceOf: ValidationError });
  t.is(asked?.code, 'bad-txns-signature', 'the block is indeed invalid (control)');
});

test('an unrequested rival of equal work is refused too; one with more work is handled as before', async (t) => {
  const chain = await chainAtB3(t);
  // Core keeps it (fHasMoreOrSameWork); here a rival costs ~256 hashes, so it would be a free megabyte on disk.
  const err = await t.throwsAsync(chain.processBlock(rival3, { unrequested: true }), { instanceOf: ValidationError });
  t.is(err?.code, 'too-little-work');
  t.false(chain.hasBlock(rival3.hash));
  const b4 = buildBlock({ parent: b3, miner });
  t.is((await chain.processBlock(b4, { unrequested: true })).status, 'connected', 'extending the tip is more work');
  // A heavier rival branch: its blocks asked for by sync (no flag), then its tip unasked.
  const rival4 = buildBlock({ parent: rival3, miner, extraData: Buffer.from('rival') });
  const rival5 = buildBlock({ parent: rival4, miner, extraData: Buffer.from('rival') });
  t.is((await chain.processBlock(rival3)).status, 'side-branch');
  t.is((await chain.processBlock(rival4)).status, 'side-branch');
  t.is((await chain.processBlock(rival5, { unrequested: true })).status, 'reorganized');
  t.is(chain.tip?.height, 5);
});

test('after close, an unrequested block is answered with a rejected promise, not a synchronous throw', async (t) => {
  const chain = await chainAtB3(t);
  await chain.close();
  let promise: Promise<unknown> | undefined;
  t.notThrows(() => {
    promise = chain.processBlock(light, { unrequested: true });
  });
  const err = await t.throwsAsync(promise!);
  t.is((err as { code?: string }).code, 'storage-closed');
});

test('an unrequested block with hostile bits is refused with a ValidationError, not thrown from the work check (the live fuzz found the crash)', async (t) => {
  const chain = await chainAtB3(t);
  // 0x66ed55f2 is a negative compact target: compactToTarget throws a RangeError on it.
  const hostile = buildBlock({ parent: b3, miner, unmined: true, headerOverrides: { bits: 0x66ed55f2 } });
  let outcome: Promise<unknown> | undefined;
  t.notThrows(() => {
    outcome = chain.processBlock(hostile, { unrequested: true });
  });
  await t.throwsAsync(outcome!, { instanceOf: ValidationError });
  t.is(chain.tip?.height, 3);
  t.is((await chain.processBlock(buildBlock({ parent: b3, miner }))).status, 'connected', 'the chain goes on');
});
