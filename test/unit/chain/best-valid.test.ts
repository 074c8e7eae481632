import test from 'ava';
import { storeSideBlock } from '../../../src/chain/candidates.js';
import { ValidationError } from '../../../src/chain/errors.js';
import { ChainStore } from '../../../src/chain/store/store.js';
import type { Block } from '../../../src/primitives/block.js';
import { compactToTarget, workForTarget } from '../../../src/primitives/pow.js';
import { buildBlock, makeKey, outpoint, pay, spend } from '../../helpers/fixtures.js';
import { openChain, snapshotState, tempDir } from './setup.js';

const tag = (s: string): Buffer => Buffer.from(s);

/**
 * Writes blocks as stored side-branch blocks, the way Chain stores them, without activating any:
 * the state "a heavier valid branch is stored but not active" that the chain must resolve.
 */
async function storeUnactivated(path: string, blocks: readonly Block[]): Promise<void> {
  const store = ChainStore.open(path);
  try {
    store.transaction(() => {
      for (const block of blocks) {
        const parent = store.getIndex(block.header.prevHash);
        if (!parent) throw new Error(`test set-up: parent of ${block.hashHex} not stored`);
        const entry = { header: block.header, chainWork: parent.chainWork + workForTarget(compactToTarget(block.header.bits)), status: 'valid' as const };
        storeSideBlock(store, block, entry, parent);
      }
    });
  } finally {
    await store.close();
  }
}

/** Hashes in the candidate-tip set of a closed chain directory. */
async function tipSet(path: string): Promise<string[]> {
  const store = ChainStore.open(path);
  try {
    return store.rawEntries('tips').map(([key]) => key.subarray(32).toString('hex')).sort();
  } finally {
    await store.close();
  }
}

/**
 * g-1 shared. A: 2-3 (active). C: 2-3-4 (valid, more work than A). E: 2-3(bad)-4-5 (more work
 * than C). B: 2-3(bad)-4, plus 4x (another child of B's bad 3), and 5 arriving last (most work).
 */
function branches() {
  const alice = makeKey();
  const bob = makeKey();
  const miner = makeKey();
  const g = buildBlock({ miner: alice });
  const b1 = buildBlock({ parent: g, miner: bob });
  const a2 = buildBlock({ parent: b1, miner, txs: [spend(alice, [outpoint(g.transactions[0]!)], [pay(bob, 300n), pay(alice, 700n)])], extraData: tag('A') });
  const a3 = buildBlock({ parent: a2, miner, extraData: tag('A') });
  const inC = spend(bob, [outpoint(b1.transactions[0]!)], [pay(alice, 400n), pay(bob, 600n)]);
  const c2 = buildBlock({ parent: b1, miner, txs: [inC], extraData: tag('C') });
  const c3 = buildBlock({ parent: c2, miner, extraData: tag('C') });
  const c4 = buildBlock({ parent: c3, miner, extraData: tag('C') });
  // Each bad block spends block 1's coinbase again after its branch's block 2 spent it.
  const twice = (amount: bigint) => spend(bob, [outpoint(b1.transactions[0]!)], [pay(bob, amount)]);
  const b2 = buildBlock({ parent: b1, miner, txs: [spend(bob, [outpoint(b1.transactions[0]!)], [pay(bob, 999n)])], extraData: tag('B') });
  const bad3 = buildBlock({ parent: b2, miner, txs: [twice(5n)], extraData: tag('B') });
  const b4 = buildBlock({ parent: bad3, miner, extraData: tag('B') });
  const b4x = buildBlock({ parent: bad3, miner, extraData: tag('Bx') });
  const b5 = buildBlock({ parent: b4, miner, extraData: tag('B') });
  const e2 = buildBlock({ parent: b1, miner, txs: [spend(bob, [outpoint(b1.transactions[0]!)], [pay(bob, 998n)])], extraData: tag('E') });
  const badE3 = buildBlock({ parent: e2, miner, txs: [twice(6n)], extraData: tag('E') });
  const e4 = buildBlock({ parent: badE3, miner, extraData: tag('E') });
  const e5 = buildBlock({ parent: e4, miner, extraData: tag('E') });
  return { alice, bob, miner, g, b1, a2, a3, c2, c3, c4, b2, bad3, b4, b4x, b5, e2, badE3, e4, e5 };
}

test('after a heavier branch fails, the chain switches at once to the best valid stored branch', async (t) => {
  const f = branches();
  const path = await tempDir(t);
  const first = await openChain(t, { path });
  for (const b of [f.g, f.b1, f.a2, f.a3]) t.not((await first.processBlock(b)).status, 'side-branch');
  await first.close();
  await storeUnactivated(path, [f.c2, f.c3, f.c4, f.b2, f.bad3, f.b4, f.b4x, f.e2, f.badE3, f.e4, f.e5]);

  const chain = await openChain(t, { path });
  t.deepEqual(chain.tip?.hash, f.a3.hash, 'opening does not switch by itself');
  const events: string[] = [];
  chain.on('block:connected', (b) => events.push(`+${b.hashHex}`));
  chain.on('block:disconnected', (b) => events.push(`-${b.hashHex}`));

  const err = await t.throwsAsync(chain.processBlock(f.b5), { instanceOf: ValidationError });
  t.is(err?.code, 'bad-prevblk');
  t.regex(err?.message ?? '', new RegExp(f.bad3.hashHex), 'names the block at fault');
  // B failed, then E (more work than C) failed too; C is the best valid branch.
  t.deepEqual(chain.tip?.hash, f.c4.hash, 'the tip is C without waiting for another block');
  t.deepEqual(events, [`-${f.a3.hashHex}`, `-${f.a2.hashHex}`, `+${f.c2.hashHex}`, `+${f.c3.hashHex}`, `+${f.c4.hashHex}`], 'the mempool hears of exactly the switch to C');
  t.is(chain.getBalance(f.alice.pubKeyHash), 1000n + 400n);

  // Every block of B and E from the bad ones on is refused, and so is anything built on them.
  for (const known of [f.bad3, f.b4, f.b4x, f.badE3, f.e4, f.e5]) {
    t.is((await t.throwsAsync(chain.processBlock(known), { instanceOf: ValidationError }))?.code, 'duplicate-invalid', `block ${known.hashHex}`);
  }
  for (const parent of [f.b5, f.b4x, f.e5]) {
    const child = buildBlock({ parent, miner: f.miner, extraData: tag('child') });
    t.is((await t.throwsAsync(chain.processBlock(child), { instanceOf: ValidationError }))?.code, 'bad-prevblk');
  }
  t.deepEqual(chain.tip?.hash, f.c4.hash);
  await chain.close();

  // Candidate tips: A's old tip, and B's and E's valid blocks 2 (parents of the bad ones); never the active tip.
  t.deepEqual(await tipSet(path), [f.a3, f.b2, f.e2].map((b) => b.hashHex).sort());

  // The state equals that of a node that only ever saw C.
  const refPath = await tempDir(t);
  const ref = await openChain(t, { path: refPath });
  for (const b of [f.g, f.b1, f.c2, f.c3, f.c4]) await ref.processBlock(b);
  await ref.close();
  t.deepEqual(await snapshotState(path), await snapshotState(refPath));
});

test('a failed branch keeps the tip when no stored branch beats it, and its stored side blocks are refused children', async (t) => {
  // Reached through processBlock alone: A is 5 high; B's bad 3 has a second stored child 4x.
  const f = branches();
  const a4 = buildBlock({ parent: f.a3, miner: f.miner, extraData: tag('A') });
  const a5 = buildBlock({ parent: a4, miner: f.miner, extraData: tag('A') });
  const b6 = buildBlock({ parent: f.b5, miner: f.miner, extraData: tag('B') });
  const path = await tempDir(t);
  const chain = await openChain(t, { path });
  for (const b of [f.g, f.b1, f.a2, f.a3, a4, a5]) await chain.processBlock(b);
  for (const b of [f.b2, f.bad3, f.b4x, f.b4, f.b5]) t.is((await chain.processBlock(b)).status, 'side-branch');
  const events: string[] = [];
  chain.on('block:connected', (b) => events.push(b.hashHex));
  chain.on('block:disconnected', (b) => events.push(b.hashHex));

  t.is((await t.throwsAsync(chain.processBlock(b6), { instanceOf: ValidationError }))?.code, 'bad-prevblk');
  t.deepEqual(chain.tip?.hash, a5.hash);
  t.deepEqual(events, []);
  // 4x was stored as valid before 3 failed: a block on it is refused, not kept as a side branch.
  const onB4x = buildBlock({ parent: f.b4x, miner: f.miner, extraData: tag('child') });
  t.is((await t.throwsAsync(chain.processBlock(onB4x), { instanceOf: ValidationError }))?.code, 'bad-prevblk');
  t.is(chain.getHeader(f.b4x.hash), undefined, 'no longer served as a valid header');
  await chain.close();
  t.deepEqual(await tipSet(path), [f.b2.hashHex]);
});

test('the candidate-tip set holds one entry per side branch, none for the active chain, and is rebuilt for an older database', async (t) => {
  const miner = makeKey();
  const path = await tempDir(t);
  const chain = await openChain(t, { path });
  const blocks: Block[] = [buildBlock({ miner })];
  for (let i = 1; i < 30; i++) blocks.push(buildBlock({ parent: blocks[i - 1]!, miner }));
  for (const b of blocks) await chain.processBlock(b);
  const s1 = buildBlock({ parent: blocks[20]!, miner, extraData: tag('S') });
  const s2 = buildBlock({ parent: s1, miner, extraData: tag('S') });
  const other = buildBlock({ parent: blocks[10]!, miner, extraData: tag('T') });
  for (const b of [s1, s2, other]) t.is((await chain.processBlock(b)).status, 'side-branch');
  await chain.close();
  const expected = [s2, other].map((b) => b.hashHex).sort();
  t.deepEqual(await tipSet(path), expected);

  // A database written before the set existed has none: opening builds it from the block index.
  const store = ChainStore.open(path);
  store.transaction(() => {
    for (const hash of store.tipsAbove(-1n)) store.removeTip(store.getIndex(hash)!);
    store.setTipIndexBuilt(false);
  });
  await store.close();
  t.deepEqual(await tipSet(path), []);
  const reopened = await openChain(t, { path });
  await reopened.close();
  t.deepEqual(await tipSet(path), expected);
});
