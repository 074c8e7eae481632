import test from 'ava';
import { MemoryUtxo } from '../../../src/chain/memory-utxo.js';
import { ChainStore } from '../../../src/chain/store/store.js';
import type { Coin } from '../../../src/chain/types.js';
import { UtxoHasher, utxoSetInfo, utxoStatsOf } from '../../../src/chain/utxo-digest.js';
import { encodeCoin } from '../../../src/chain/store/codecs.js';
import { type OutPoint, outPointKey } from '../../../src/primitives/tx.js';
import { tempDir } from './setup.js';

import { UTXO_SCAN_CHUNK_COINS } from '../../../src/chain/constants.js';

/** More than two scan chunks, so the chunked read of a held snapshot is exercised across its bound. */
const COINS = 2 * UTXO_SCAN_CHUNK_COINS + 301 - ((2 * UTXO_SCAN_CHUNK_COINS + 301) % 3);
const COINS_PER_COMMIT = 97;

function coinAt(i: number): [OutPoint, Coin] {
  // Several outputs per txid, so the transactions count differs from the coin count.
  const txid = Buffer.alloc(32, 0);
  txid.writeUInt32BE(Math.floor(i / 3) * 2654435761 % 2 ** 32, 0);
  return [{ txid, index: i % 3 }, { amount: BigInt(1 + i), pubKeyHash: Buffer.alloc(20, i % 7), height: i, isCoinbase: i % 5 === 0 }];
}

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

async function storeWith(t: Parameters<typeof tempDir>[0], coins: ReadonlyArray<[OutPoint, Coin]>): Promise<ChainStore> {
  const store = ChainStore.open(await tempDir(t));
  t.teardown(() => store.close());
  // Several commits, in the order given: the write order reaches LMDB as given.
  for (let i = 0; i < coins.length; i += COINS_PER_COMMIT) store.transaction(() => {
    for (const [outpoint, coin] of coins.slice(i, i + COINS_PER_COMMIT)) store.putCoin(outpoint, coin);
  });
  return store;
}

async function infoOf(store: ChainStore) {
  const snapshot = store.snapshot();
  try {
    return await utxoSetInfo(snapshot);
  } finally {
    snapshot.done();
  }
}

test('the UTXO digest does not depend on the order coins were written, in LMDB or in memory', async (t) => {
  const coins = Array.from({ length: COINS }, (_, i) => coinAt(i));
  const a = await infoOf(await storeWith(t, coins));
  const b = await infoOf(await storeWith(t, shuffled(coins, 7)));
  t.is(a.txouts, COINS);
  t.is(a.transactions, COINS / 3);
  t.is(a.totalAmount, BigInt((COINS * (COINS + 1)) / 2));
  t.deepEqual(b, a);
  t.is(a.height, -1, 'no tip: an empty chain with coins written directly');

  const memory = new MemoryUtxo();
  for (const [outpoint, coin] of shuffled(coins, 99)) memory.putCoin(outpoint, coin);
  const fromMemory = utxoStatsOf(memory.sortedEntries());
  t.deepEqual(fromMemory.hash, a.hash, 'an in-memory set sorted gives the stored digest');
  t.log(`${COINS} coins, digest ${a.hash.toString('hex')}`);
});

test('changing, adding or removing one coin changes the digest', async (t) => {
  const coins = Array.from({ length: 50 }, (_, i) => coinAt(i));
  const base = utxoStatsOf(sortedEntries(coins));
  const [outpoint, coin] = coins[17]!;
  const variants: Record<string, Array<[OutPoint, Coin]>> = {
    amount: coins.map((c, i) => (i === 17 ? [outpoint, { ...coin, amount: coin.amount + 1n }] : c)),
    owner: coins.map((c, i) => (i === 17 ? [outpoint, { ...coin, pubKeyHash: Buffer.alloc(20, 0xee) }] : c)),
    height: coins.map((c, i) => (i === 17 ? [outpoint, { ...coin, height: coin.height + 1 }] : c)),
    coinbase: coins.map((c, i) => (i === 17 ? [outpoint, { ...coin, isCoinbase: !coin.isCoinbase }] : c)),
    removed: coins.filter((_, i) => i !== 17),
    added: [...coins, [{ txid: Buffer.alloc(32, 0xab), index: 0 }, coin]],
  };
  for (const [name, variant] of Object.entries(variants)) t.notDeepEqual(utxoStatsOf(sortedEntries(variant)).hash, base.hash, name);
});

test('UtxoHasher refuses coins out of key order (the digest is defined over key order)', (t) => {
  const hasher = new UtxoHasher();
  const [[k1, v1], [k2, v2]] = sortedEntries([coinAt(0), coinAt(3)]);
  hasher.add(k2!, v2!);
  t.throws(() => hasher.add(k1!, v1!), { instanceOf: RangeError });
  t.throws(() => hasher.add(k2!, v2!), { instanceOf: RangeError }, 'a repeated key too');
});

test('a snapshot keeps seeing the state of its commit while later commits change the store', async (t) => {
  const coins = Array.from({ length: 20 }, (_, i) => coinAt(i));
  const store = await storeWith(t, coins);
  const snapshot = store.snapshot();
  t.teardown(() => snapshot.done());
  const before = await utxoSetInfo(snapshot);
  store.transaction(() => store.putCoin({ txid: Buffer.alloc(32, 0xcd), index: 1 }, coinAt(0)[1]));
  t.deepEqual(await utxoSetInfo(snapshot), before, 'the open snapshot does not see the new coin');
  const after = await infoOf(store);
  t.is(after.txouts, before.txouts + 1);
});

function sortedEntries(coins: ReadonlyArray<[OutPoint, Coin]>): Array<[Buffer, Buffer]> {
  return coins.map(([o, c]): [Buffer, Buffer] => [outPointKey(o), encodeCoin(c)]).sort((a, b) => Buffer.compare(a[0], b[0]));
}
