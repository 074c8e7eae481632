/**
 * A reorg putting back a long chain of txs: the pool's descendant totals are brought up to date
 * once (PoolIndex.settleTotals), not per insert. Before, every reinsertion walked all its pool
 * ancestors (parent first) or recomputed its descendants (child first): a 5,000-tx chain cost
 * 12.5 million node visits, ~2 s of a blocked node.
 */
import test from 'ava';
import { EventEmitter } from 'node:events';
import { ValidationCode, ValidationError } from '../../../src/chain/errors.js';
import { RemovalReason } from '../../../src/mempool/errors.js';
import { PoolIndex, bytesKey } from '../../../src/mempool/pool-index.js';
import { type PoolTx, recomputeDescendants } from '../../../src/mempool/pool-tx.js';
import { ReorgReadd } from '../../../src/mempool/reorg.js';
import type { Block } from '../../../src/primitives/block.js';
import type { OutPoint, Transaction } from '../../../src/primitives/tx.js';
import { silentLogger } from '../../../src/util/logger.js';
import { buildBlock, makeKey, outpoint, pay, spend } from '../../helpers/fixtures.js';

const CHAIN_TXS = 5_000;
const key = makeKey();

/** CHAIN_TXS txs, each spending the one before (the first spends an output outside the pool). */
function txChain(length = CHAIN_TXS): Transaction[] {
  const txs: Transaction[] = [];
  let prev: OutPoint = { txid: Buffer.alloc(32, 9), index: 0 };
  for (let i = 0; i < length; i++) {
    const tx = spend(key, [prev], [pay(key, 10n)]);
    txs.push(tx);
    prev = outpoint(tx);
  }
  return txs;
}

/** A ReorgHost over a real PoolIndex: a tx gets in once its inputs are outside the chain or pooled; trimming settles the totals, as removal.ts does. */
function poolHost(chainTxids: ReadonlySet<string>) {
  const index = new PoolIndex(new EventEmitter(), silentLogger());
  const host = {
    index,
    chain: { getCoin: () => ({ amount: 10n, pubKeyHash: Buffer.alloc(20), height: 0, isCoinbase: false }) },
    coinbaseMaturity: 1,
    logger: silentLogger(),
    readmit(tx: Transaction): void {
      const missing = tx.inputs.some((i) => chainTxids.has(bytesKey(i.prevout.txid)) && !index.byTxid.has(bytesKey(i.prevout.txid)));
      if (missing) throw new ValidationError(ValidationCode.MissingInputs, `tx ${tx.txidHex} waits for its parent`);
      index.insert(tx, bytesKey(tx.txid), 1n, 0, true);
    },
    unconfirmedHeight: () => 1,
    trimToSize: () => index.settleTotals(),
    tipHash: () => undefined,
  };
  return { host, index };
}

/** A chain's totals, O(n): tx i has the txs from i on as descendants. */
function chainTotalsExact(index: PoolIndex, txs: readonly Transaction[]): boolean {
  let count = 0;
  let size = 0;
  for (let i = txs.length - 1; i >= 0; i--) {
    const node = index.byTxid.get(bytesKey(txs[i]!.txid));
    if (!node) return false;
    count++;
    size += node.entry.size;
    if (node.descCount !== count || node.descSize !== size || node.descFee !== count) return false;
  }
  return true;
}

/** Every node's totals equal a fresh walk of its descendants (the definition). */
function totalsExact(index: PoolIndex): boolean {
  for (const node of index.byTxid.values()) {
    const { descCount, descSize, descFee } = node;
    const copy = { ...node, parents: node.parents, children: node.children } as PoolTx;
    recomputeDescendants(copy);
    if (copy.descCount !== descCount || copy.descSize !== descSize || copy.descFee !== descFee) return false;
  }
  return true;
}

/** Signed once: both chain tests put the same txs back into pools of their own. */
const CHAIN = txChain();

test('a 5,000-tx chain in one disconnected block (parents first): linear work, exact totals', (t) => {
  const txs = CHAIN;
  const { host, index } = poolHost(new Set(txs.map((tx) => bytesKey(tx.txid))));
  const readd = new ReorgReadd(host);
  const started = performance.now();
  readd.blockDisconnected(buildBlock({ miner: key, txs }));
  readd.finish();
  const ms = performance.now() - started;
  t.log(`${CHAIN_TXS}-tx chain put back in ${ms.toFixed(0)} ms: ${index.totalsVisits} node visits for the totals (per-insert walks: ${(CHAIN_TXS * (CHAIN_TXS - 1)) / 2})`);
  t.is(index.byTxid.size, CHAIN_TXS);
  t.true(index.totalsVisits <= 3 * CHAIN_TXS, `${index.totalsVisits} visits`);
  t.is(index.byTxid.get(bytesKey(txs[0]!.txid))!.descCount, CHAIN_TXS);
  t.is(index.byTxid.get(bytesKey(txs.at(-1)!.txid))!.descCount, 1);
  t.true(chainTotalsExact(index, txs));
});

test('a 5,000-tx chain one tx per block, disconnected tip first (children wait for parents): linear work, exact totals', (t) => {
  const txs = CHAIN;
  const { host, index } = poolHost(new Set(txs.map((tx) => bytesKey(tx.txid))));
  const blocks: Block[] = [];
  let parent: Block | undefined;
  for (const tx of txs) blocks.push((parent = buildBlock({ ...(parent ? { parent } : {}), miner: key, txs: [tx], unmined: true })));
  const readd = new ReorgReadd(host);
  for (const block of [...blocks].reverse()) readd.blockDisconnected(block);
  readd.finish();
  t.log(`${CHAIN_TXS} blocks of one chained tx: ${index.totalsVisits} node visits for the totals`);
  t.is(index.byTxid.size, CHAIN_TXS);
  t.true(index.totalsVisits <= 3 * CHAIN_TXS, `${index.totalsVisits} visits`);
  t.true(chainTotalsExact(index, txs));
});

test('diamonds (a tx with two pool parents) still get exact totals; later inserts and removals keep them exact', (t) => {
  // a → b, a → c, (b, c) → d, d → e: a's descendants reach d by two paths, a sum would count d and e twice.
  const a = spend(key, [{ txid: Buffer.alloc(32, 1), index: 0 }], [pay(key, 10n), pay(key, 10n)]);
  const b = spend(key, [outpoint(a, 0)], [pay(key, 9n)]);
  const c = spend(key, [outpoint(a, 1)], [pay(key, 9n)]);
  const d = spend(key, [outpoint(b), outpoint(c)], [pay(key, 8n)]);
  const e = spend(key, [outpoint(d)], [pay(key, 7n)]);
  const index = new PoolIndex(new EventEmitter(), silentLogger());
  for (const tx of [e, d, c, b, a]) index.insert(tx, bytesKey(tx.txid), 1n, 0, true); // children first, as a reorg may
  index.settleTotals();
  t.is(index.byTxid.get(bytesKey(a.txid))!.descCount, 5);
  t.true(totalsExact(index));
  // After settling, an ordinary insert and a removal update the totals incrementally again.
  const f = spend(key, [outpoint(e)], [pay(key, 6n)]);
  index.insert(f, bytesKey(f.txid), 1n, 0);
  t.is(index.byTxid.get(bytesKey(a.txid))!.descCount, 6);
  index.removeWithDescendants(index.byTxid.get(bytesKey(d.txid))!, RemovalReason.InputsMissing);
  t.is(index.byTxid.get(bytesKey(a.txid))!.descCount, 3);
  t.true(totalsExact(index));
});

test('evicting or dropping a whole 5,000-tx chain (after a reorg) is linear too, and the rest keeps exact totals', (t) => {
  const index = new PoolIndex(new EventEmitter(), silentLogger());
  for (const tx of CHAIN) index.insert(tx, bytesKey(tx.txid), 1n, 0, true);
  const other = spend(key, [{ txid: Buffer.alloc(32, 3), index: 0 }], [pay(key, 10n)]);
  index.insert(other, bytesKey(other.txid), 1n, 0, true);
  index.settleTotals();
  const before = index.totalsVisits;
  // The chain's second half goes (e.g. its inputs vanished): its first half loses it from its totals.
  const half = CHAIN_TXS / 2;
  index.removeWithDescendants(index.byTxid.get(bytesKey(CHAIN[half]!.txid))!, RemovalReason.InputsMissing);
  index.settleTotals();
  const visits = index.totalsVisits - before;
  t.log(`half of a ${CHAIN_TXS}-tx chain removed: ${visits} node visits (an ancestor walk per removed tx: ${half * half + (half * (half - 1)) / 2})`);
  t.is(index.byTxid.size, half + 1);
  t.true(visits <= 3 * CHAIN_TXS, `${visits} visits`);
  t.true(chainTotalsExact(index, CHAIN.slice(0, half)));
  t.is(index.byTxid.get(bytesKey(other.txid))!.descCount, 1);
});
