/**
 * The early signature check (Chain.startSignatureCheck, pending-blocks.ts) runs only for a block
 * that can connect: parent stored or handed over ahead of it, timestamp within the future limit.
 * An orphan or a future-dated block is refused (unpunished) before its signatures would be
 * looked at, so checking them early let a peer buy a block's worth of verification per ~256
 * hashes of PoW.
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { ValidationError } from '../../../src/chain/errors.js';
import { TEST_PARAMS, buildBlock, makeKey, pay, spend } from '../../helpers/fixtures.js';
import { openChain } from './setup.js';

const miner = makeKey();
const g = buildBlock({ miner });
const b1 = buildBlock({ parent: g, miner });
/** Correctly signed, spending coins nobody has: signatures verify, the UTXO check would fail. */
const junk = (n: number) => Array.from({ length: n }, () => spend(miner, [{ txid: randomBytes(32), index: 0 }], [pay(makeKey(), 1n)]));

async function chainAtB1(t: Parameters<typeof openChain>[0]) {
  const chain = await openChain(t);
  for (const b of [g, b1]) await chain.processBlock(b);
  return chain;
}

test('an orphan block costs no signature verification', async (t) => {
  const chain = await chainAtB1(t);
  const missing = buildBlock({ parent: b1, miner, extraData: Buffer.from('never sent') });
  const orphan = buildBlock({ parent: missing, miner, txs: junk(5) });
  const err = await t.throwsAsync(chain.processBlock(orphan), { instanceOf: ValidationError });
  t.is(err?.code, 'unknown-parent');
  t.is(chain.verifyStats().itemsVerified, 0);
});

test('a block dated beyond the future limit costs no signature verification', async (t) => {
  const chain = await chainAtB1(t);
  const future = buildBlock({ parent: b1, miner, txs: junk(5), timestamp: Math.floor(Date.now() / 1000) + TEST_PARAMS.maxFutureBlockTimeSec + 600 });
  const err = await t.throwsAsync(chain.processBlock(future), { instanceOf: ValidationError });
  t.is(err?.code, 'time-too-new');
  t.is(chain.verifyStats().itemsVerified, 0);
});

test('a block on the tip, and one on a block handed over just before it, are checked early (control)', async (t) => {
  const chain = await chainAtB1(t);
  const onTip = buildBlock({ parent: b1, miner, txs: junk(3) });
  await t.throwsAsync(chain.processBlock(onTip), { instanceOf: ValidationError }); // its inputs do not exist
  t.is(chain.verifyStats().itemsVerified, 3);
  // A sync hands blocks over without awaiting each: the child's parent is pending, not stored yet.
  const parent = buildBlock({ parent: b1, miner, extraData: Buffer.from('p') });
  const child = buildBlock({ parent, miner, txs: junk(2) });
  const first = chain.processBlock(parent);
  const second = chain.processBlock(child);
  t.is((await first).status, 'connected');
  await t.throwsAsync(second, { instanceOf: ValidationError });
  t.is(chain.verifyStats().itemsVerified, 5, "the child's 2 signatures went to the pool on arrival");
});
