import test, { type ExecutionContext } from 'ava';
import path from 'node:path';
import type { CoinEntry } from '../../../src/chain/types.js';
import { silentLogger } from '../../../src/util/logger.js';
import { COIN_RUN_CHUNK_ENTRIES, CoinRun, type OrderedCoins, Wallet, WalletCoinIndex, compareCoins, createPayment } from '../../../src/wallet/index.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { type PoolSetup, connectEmptyBlock, richCoin, setupPool } from '../mempool/setup.js';

const CHAIN_DEPTH = 1_000;

async function walletOf(t: ExecutionContext, setup: PoolSetup): Promise<Wallet> {
  const dir = await tempDir(t, 'kadchain-coin-index-');
  const wallet = await Wallet.open({ path: path.join(dir, 'wallet.json'), logger: silentLogger() });
  await wallet.importKey(setup.alice.privateKey);
  return wallet;
}

/** A view of `coins` that counts the entries createPayment reads. */
function counting(coins: OrderedCoins, reads: { n: number }): OrderedCoins {
  return {
    get length() {
      return coins.length;
    },
    at(index: number) {
      reads.n++;
      return coins.at(index);
    },
    [Symbol.iterator]: () => {
      reads.n += coins.length;
      return coins[Symbol.iterator]();
    },
  };
}

const keysOf = (coins: Iterable<CoinEntry>): string[] => [...coins].map((c) => `${c.outpoint.txid.toString('hex')}:${c.outpoint.index}`);
const sorted = (coins: CoinEntry[]): string[] => keysOf(coins.sort(compareCoins));

test(`a chain of ${CHAIN_DEPTH} sends, each spending the previous one's unconfirmed change, reads one coin per send and never reloads`, async (t) => {
  const setup = setupPool(0, CHAIN_DEPTH + 10, { policy: { maxAncestors: CHAIN_DEPTH + 1, maxDescendants: CHAIN_DEPTH + 1, maxTxBytes: 500_000 } });
  richCoin(setup, 1_000_000n);
  const wallet = await walletOf(t, setup);
  const index = new WalletCoinIndex({ pool: setup.pool, tip: () => setup.chain.tip });
  const reads = { n: 0 };
  let maxReads = 0;
  for (let i = 0; i < CHAIN_DEPTH; i++) {
    const before = reads.n;
    const coins = counting(index.ordered(setup.alice.pubKeyHash), reads);
    const tx = createPayment({ wallet, from: setup.alice.address, to: setup.bob.address, amount: 1n, fee: 0n, coins, ordered: true });
    setup.pool.addTransaction(tx);
    maxReads = Math.max(maxReads, reads.n - before);
  }
  t.log(`${CHAIN_DEPTH} chained sends: ${reads.n} coin reads (max ${maxReads} per send), ${index.stats.loads} load of ${index.stats.coinsLoaded} coin(s), ${index.stats.updates} updates; the pool's full listing now has ${setup.pool.spendableCoins(setup.alice.pubKeyHash).length} coin(s)`);
  t.is(setup.pool.size, CHAIN_DEPTH);
  t.is(maxReads, 1, 'each send reads only the coin it spends');
  t.is(index.stats.loads, 1, 'the coins are read from the pool and chain once');
  t.is(index.stats.coinsLoaded, 1);
  t.is(index.stats.updates, 2 * CHAIN_DEPTH, 'each send takes one coin out and puts its change in');
  t.deepEqual(keysOf(index.ordered(setup.alice.pubKeyHash)), sorted(setup.pool.spendableCoins(setup.alice.pubKeyHash)));
});

test(`${CHAIN_DEPTH} sends from an address with ${CHAIN_DEPTH} confirmed coins read one coin each and leave the change in order after them`, async (t) => {
  const setup = setupPool(0, CHAIN_DEPTH + 10);
  // CHAIN_DEPTH blocks each paying alice 2 (the fake chain checks no reward rule).
  for (let i = 0; i < CHAIN_DEPTH; i++) richCoin(setup, 2n);
  const wallet = await walletOf(t, setup);
  const index = new WalletCoinIndex({ pool: setup.pool, tip: () => setup.chain.tip });
  index.ordered(setup.alice.pubKeyHash);
  const reads = { n: 0 };
  for (let i = 0; i < CHAIN_DEPTH; i++) {
    const coins = counting(index.ordered(setup.alice.pubKeyHash), reads);
    setup.pool.addTransaction(createPayment({ wallet, from: setup.alice.address, to: setup.bob.address, amount: 1n, fee: 0n, coins, ordered: true }));
  }
  t.log(`${CHAIN_DEPTH} sends over ${CHAIN_DEPTH} confirmed coins: ${reads.n} coin reads, ${index.stats.loads} load(s)`);
  t.is(reads.n, CHAIN_DEPTH, 'one read per send: the spent coins left the front of the list');
  t.is(index.stats.loads, 1);
  const now = index.ordered(setup.alice.pubKeyHash);
  t.is(now.length, CHAIN_DEPTH, 'every confirmed coin spent, one unconfirmed change output per send');
  t.true([...now].every((c) => c.coin.height === setup.blocks.length), 'only unconfirmed change is left');
  t.deepEqual(keysOf(now), sorted(setup.pool.spendableCoins(setup.alice.pubKeyHash)));
});

test('a new tip reloads the coins; a tx leaving the pool without a block reloads the addresses it touched', async (t) => {
  const setup = setupPool(2, 100, { policy: { expiryMs: 1000 } });
  const wallet = await walletOf(t, setup);
  const index = new WalletCoinIndex({ pool: setup.pool, tip: () => setup.chain.tip });
  const alice = setup.alice.pubKeyHash;
  const pay = (): void => {
    setup.pool.addTransaction(createPayment({ wallet, from: setup.alice.address, to: setup.bob.address, amount: 10n, fee: 0n, coins: index.ordered(alice), ordered: true }));
  };
  pay();
  t.is(index.stats.loads, 1);
  const first = setup.pool.entries()[0]!.tx;
  connectEmptyBlock(setup, [first]);
  t.deepEqual(keysOf(index.ordered(alice)), sorted(setup.pool.spendableCoins(alice)));
  t.is(index.stats.loads, 2, 'the block moved the tip');
  pay();
  const before = index.stats.loads;
  // Expiry: the pool drops the payment; its input comes back, its change goes.
  setup.pool.expire();
  t.deepEqual(keysOf(index.ordered(alice)), sorted(setup.pool.spendableCoins(alice)));
  t.is(index.stats.loads, before + (setup.pool.size === 0 ? 1 : 0));
});

test('the index keeps at most maxAddresses addresses, dropping the least recently used', (t) => {
  const setup = setupPool(1);
  const index = new WalletCoinIndex({ pool: setup.pool, tip: () => setup.chain.tip, maxAddresses: 2 });
  const a = setup.alice.pubKeyHash;
  const b = setup.bob.pubKeyHash;
  const c = Buffer.alloc(20, 7);
  index.ordered(a);
  index.ordered(b);
  index.ordered(a); // a is now the most recent
  index.ordered(c); // drops b
  index.ordered(a);
  t.is(index.stats.loads, 3);
  index.ordered(b);
  t.is(index.stats.loads, 4, 'b was dropped and reloads');
});

/** A coin of height `height`, amount 1, told apart by `n` in its txid. */
function coinAt(height: number, n: number): CoinEntry {
  const txid = Buffer.alloc(32);
  txid.writeUInt32BE(n, 0);
  return { outpoint: { txid, index: 0 }, coin: { amount: 1n, pubKeyHash: Buffer.alloc(20), height, isCoinbase: false } };
}

test('a coin run spent from the front and grown at the back keeps its order and holds only its live coins (bounded)', (t) => {
  const live = 12 * COIN_RUN_CHUNK_ENTRIES;
  const initial = Array.from({ length: live }, (_, i) => coinAt(1, i));
  const run = new CoinRun([...initial]);
  const expected = [...initial];
  let maxSlots = 0;
  // As sends do: spend the oldest coin, add the change as the newest.
  for (let i = 0; i < 4 * live; i++) {
    run.remove(expected.shift()!);
    const change = coinAt(2 + i, live + i);
    run.insert(change);
    expected.push(change);
    maxSlots = Math.max(maxSlots, run.slots);
  }
  // One out of the middle, one in the middle, one that is not there.
  const middle = expected.splice(live >> 1, 1)[0]!;
  run.remove(middle);
  run.remove(coinAt(1, 0));
  const between = coinAt(expected[10]!.coin.height, 0xffff_ffff);
  run.insert(between);
  expected.splice(11, 0, between);
  t.log(`${4 * live} front spends over ${live} coins: at most ${maxSlots} slots held`);
  t.is(run.length, expected.length);
  t.deepEqual(keysOf(run), keysOf(expected));
  t.is(run.at(0), expected[0]);
  t.is(run.at(run.length), undefined);
  t.is(maxSlots, live, 'spent coins are not kept');
});

test('change inserted among the unconfirmed change at random places keeps the run sorted, each chunk within its bound', (t) => {
  const confirmed = Array.from({ length: 3 * COIN_RUN_CHUNK_ENTRIES }, (_, i) => coinAt(1, i));
  const run = new CoinRun([...confirmed]);
  const expected = [...confirmed];
  // A fixed pseudo-random order of txids, as change outputs get (compareCoins orders equal height and amount by txid).
  let x = 12345;
  for (let i = 0; i < 10 * COIN_RUN_CHUNK_ENTRIES; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    const change = coinAt(2, x);
    run.insert(change);
    expected.push(change);
    // Sends spend from the front now and then, so chunks also empty and go.
    if (i % 3 === 0) run.remove(expected.shift()!);
  }
  expected.sort(compareCoins);
  t.log(`${run.length} coins, largest chunk ${run.largestChunk} (bound ${COIN_RUN_CHUNK_ENTRIES})`);
  t.true(run.largestChunk <= COIN_RUN_CHUNK_ENTRIES);
  t.deepEqual(keysOf(run), keysOf(expected));
  // at() in order (a payment's selection), out of order, and past the end.
  t.deepEqual(keysOf(Array.from({ length: run.length }, (_, i) => run.at(i)!)), keysOf(expected));
  t.is(run.at(expected.length - 1), expected.at(-1));
  t.is(run.at(5), expected[5]);
  t.is(run.at(-1), undefined);
  t.is(run.at(expected.length), undefined);
  // Everything out again, from the middle outwards: nothing left, nothing found twice.
  const middle = expected.length >> 1;
  for (let d = 0; d <= middle; d++) {
    for (const i of d === 0 ? [middle] : [middle - d, middle + d]) if (i >= 0 && i < expected.length) run.remove(expected[i]!);
  }
  run.remove(expected[0]!); // already out: nothing happens
  t.is(run.length, 0);
  t.is(run.slots, 0);
  t.is(run.at(0), undefined);
});

test('compareCoins orders equal height and amount by txid bytes, then index, as outpoint keys sort', (t) => {
  const coin = (txidHex: string, index: number): CoinEntry => ({ outpoint: { txid: Buffer.from(txidHex.padEnd(64, '0'), 'hex'), index }, coin: { amount: 5n, pubKeyHash: Buffer.alloc(20), height: 3, isCoinbase: false } });
  // Differing in the first 4 bytes (the high bit too), only after them, and only in the index.
  const coins = [coin('ff000000', 0), coin('00000001', 0), coin('0000000000000002', 0), coin('0000000000000001', 1), coin('0000000000000001', 0), coin('80000000', 0), coin('7fffffff', 0)];
  const byBytes = [...coins].sort((a, b) => Buffer.compare(a.outpoint.txid, b.outpoint.txid) || a.outpoint.index - b.outpoint.index);
  t.deepEqual(keysOf([...coins].sort(compareCoins)), keysOf(byBytes));
  t.is(compareCoins(coins[4]!, coins[4]!), 0);
  // Height first, then the larger amount, whatever the txids.
  const older = { ...coins[0]!, coin: { ...coins[0]!.coin, height: 2 } };
  const larger = { ...coins[0]!, coin: { ...coins[0]!.coin, amount: 6n } };
  t.true(compareCoins(older, coins[1]!) < 0);
  t.true(compareCoins(larger, coins[1]!) < 0);
});
