/**
 * ChainStore's coin writes go through an in-memory PendingCoins until the top-level transaction
 * commits: these tests check the LMDB result and the rollback rules, through the store's API.
 */
import test, { type ExecutionContext } from 'ava';
import { StorageError } from '../../../src/chain/errors.js';
import { ChainStore } from '../../../src/chain/store/store.js';
import type { Coin } from '../../../src/chain/types.js';
import type { OutPoint } from '../../../src/primitives/tx.js';
import { DecodeError } from '../../../src/util/errors.js';
import { makeKey } from '../../helpers/fixtures.js';
import { tempDir } from './setup.js';

async function openStore(t: ExecutionContext): Promise<ChainStore> {
  const store = ChainStore.open(await tempDir(t, 'kadchain-pending-'));
  t.teardown(() => store.close());
  return store;
}

const owner = makeKey().pubKeyHash;
const other = makeKey().pubKeyHash;
const op = (n: number): OutPoint => ({ txid: Buffer.alloc(32, n), index: n });
const coin = (amount: bigint, pubKeyHash = owner): Coin => ({ amount, pubKeyHash, height: 1, isCoinbase: false });
const committedCoins = (store: ChainStore): number => store.rawEntries('coins').length;
const committedAddrs = (store: ChainStore): number => store.rawEntries('addrs').length;

test('a coin created and spent in one transaction never reaches LMDB; the others do', async (t) => {
  const store = await openStore(t);
  store.transaction(() => {
    store.putCoin(op(1), coin(10n));
    store.putCoin(op(2), coin(20n));
    t.deepEqual(store.getCoin(op(1)), coin(10n), 'reads inside the transaction see pending coins');
    store.spendCoin(op(1), coin(10n));
    t.is(store.getCoin(op(1)), undefined);
    t.is(committedCoins(store), 0, 'nothing is written before the end of the transaction');
  });
  t.is(committedCoins(store), 1);
  t.is(committedAddrs(store), 1);
  t.deepEqual(store.getCoin(op(2)), coin(20n));
  t.is(store.getCoin(op(1)), undefined);
});

test('spending a committed coin deletes it and its address entry; restoring it puts both back', async (t) => {
  const store = await openStore(t);
  store.transaction(() => store.putCoin(op(3), coin(30n)));
  store.transaction(() => t.deepEqual(store.removeCoin(op(3)), coin(30n)));
  t.is(committedCoins(store), 0);
  t.is(committedAddrs(store), 0);
  store.transaction(() => {
    store.putCoin(op(3), coin(30n, other)); // restored under another owner (as a disconnect could)
  });
  t.deepEqual(store.coinsByPubKeyHash(other).map((e) => e.coin.amount), [30n]);
  t.deepEqual(store.coinsByPubKeyHash(owner), []);
});

test('a nested transaction that throws undoes its own coin changes and keeps the parent ones', async (t) => {
  const store = await openStore(t);
  store.transaction(() => store.putCoin(op(4), coin(40n)));
  store.transaction(() => {
    store.putCoin(op(5), coin(50n));
    t.throws(() =>
      store.transaction(() => {
        store.spendCoin(op(4), coin(40n));
        store.spendCoin(op(5), coin(50n));
        store.putCoin(op(6), coin(60n));
        throw new Error('block failed');
      }),
    );
    t.deepEqual(store.getCoin(op(4)), coin(40n), 'the committed coin is unspent again');
    t.deepEqual(store.getCoin(op(5)), coin(50n), "the parent's pending coin is back");
    t.is(store.getCoin(op(6)), undefined);
  });
  t.deepEqual(
    store.coinsByPubKeyHash(owner).map((e) => e.coin.amount).sort(),
    [40n, 50n],
  );
});

test('coinsByPubKeyHash inside a transaction merges pending and committed coins', async (t) => {
  const store = await openStore(t);
  store.transaction(() => {
    store.putCoin(op(7), coin(70n));
    store.putCoin(op(8), coin(80n));
  });
  store.transaction(() => {
    store.spendCoin(op(7), coin(70n));
    store.putCoin(op(9), coin(90n));
    store.putCoin(op(10), coin(100n, other));
    t.deepEqual(store.coinsByPubKeyHash(owner).map((e) => e.coin.amount).sort(), [80n, 90n]);
  });
});

test('transactionAsync commits on success and writes nothing when its body throws', async (t) => {
  const store = await openStore(t);
  const result = await store.transactionAsync(() => {
    store.putCoin(op(11), coin(110n));
    return 'ok';
  });
  t.is(result, 'ok');
  t.deepEqual(store.getCoin(op(11)), coin(110n));
  await t.throwsAsync(
    store.transactionAsync(() => {
      store.putCoin(op(12), coin(120n));
      store.putTipHash(Buffer.alloc(32, 1));
      throw new Error('group failed');
    }),
    { message: 'group failed' },
  );
  t.is(store.getCoin(op(12)), undefined);
  t.is(store.getTipHash(), undefined, 'non-coin writes of the failed body are aborted too');
  t.is(committedCoins(store), 1);
});

test('coin writes outside a transaction are refused with storage-misuse', async (t) => {
  const store = await openStore(t);
  const err = t.throws(() => store.putCoin(op(13), coin(1n)), { instanceOf: StorageError });
  t.is(err?.code, 'storage-misuse');
});

test('the tip is written once, at the end of the transaction; a nested transaction that throws takes its tip back', async (t) => {
  const store = await openStore(t);
  const tip = (n: number): Buffer => Buffer.alloc(32, n);
  store.transaction(() => {
    store.putTipHash(tip(1));
    t.deepEqual(store.getTipHash(), tip(1), 'reads inside the transaction see the pending tip');
    t.is(store.rawEntries('meta').filter(([key]) => key.toString() === 'tip').length, 0, 'nothing written before the end');
    t.throws(() =>
      store.transaction(() => {
        store.putTipHash(tip(2));
        throw new Error('block failed');
      }),
    );
    t.deepEqual(store.getTipHash(), tip(1), "the failed child's tip is taken back");
    store.transaction(() => store.putTipHash(tip(3)));
  });
  t.deepEqual(store.getTipHash(), tip(3));
  store.transaction(() => store.removeTipHash());
  t.is(store.getTipHash(), undefined);
  t.throws(() => store.putTipHash(tip(4)), { instanceOf: StorageError, message: /must run inside transaction/ });
});

test('pending keys tell apart outpoints that differ in one txid byte or in the index; a short txid is refused', async (t) => {
  const store = await openStore(t);
  const txid = Buffer.alloc(32, 7);
  const lastByte = Buffer.from(txid);
  lastByte[31] = 8;
  store.transaction(() => {
    store.putCoin({ txid, index: 1 }, coin(1n));
    store.putCoin({ txid, index: 256 }, coin(256n));
    store.putCoin({ txid: lastByte, index: 1 }, coin(2n));
    t.deepEqual(store.getCoin({ txid, index: 1 })?.amount, 1n);
    t.deepEqual(store.getCoin({ txid, index: 256 })?.amount, 256n);
    t.deepEqual(store.getCoin({ txid: lastByte, index: 1 })?.amount, 2n);
    t.is(store.getCoin({ txid, index: 2 }), undefined);
  });
  t.is(committedCoins(store), 3);
  // A short txid is refused with a reason (outPointKey), never looked up with stray bytes in its key.
  t.throws(() => store.getCoin({ txid: Buffer.alloc(31, 9), index: 1 }), { instanceOf: DecodeError, message: /txid is 32 bytes, got 31/ });
});
