import test from 'ava';
import { open } from 'lmdb';
import { connectBlock, disconnectBlock } from '../../../src/chain/connect.js';
import { ValidationError } from '../../../src/chain/errors.js';
import { decodeCoin, decodeIndexEntry, decodeUndo, encodeCoin, encodeIndexEntry, encodeUndo, tipKey } from '../../../src/chain/store/codecs.js';
import { ChainStore, type StoreDbName } from '../../../src/chain/store/store.js';
import { TEST_PARAMS, buildBlock, makeKey, outpoint, pay, spend } from '../../helpers/fixtures.js';
import { tempDir } from './setup.js';

const STATE: readonly StoreDbName[] = ['coins', 'addrs', 'heights', 'undo', 'meta'];

function snapshot(store: ChainStore): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const name of STATE) out[name] = store.rawEntries(name).map(([k, v]) => `${k.toString('hex')}=${v.toString('hex')}`);
  return out;
}

test('coin and undo records round-trip', (t) => {
  const coin = { amount: 123_456_789n, pubKeyHash: Buffer.alloc(20, 3), height: 42, isCoinbase: true };
  t.deepEqual(decodeCoin(encodeCoin(coin)), coin);
  const undo = [coin, { ...coin, isCoinbase: false, amount: 1n }];
  t.deepEqual(decodeUndo(encodeUndo(undo)), undo);
  t.deepEqual(decodeUndo(encodeUndo([])), []);
});

test('index entries round-trip their chain work over the whole 256-bit range, and tip keys sort in work order', (t) => {
  const header = buildBlock({ miner: makeKey() }).header;
  const works = [0n, 1n, (1n << 64n) - 1n, 1n << 64n, 123456789012345678901234567890n, (1n << 255n) + 12345n, (1n << 256n) - 1n];
  for (const chainWork of works) {
    const entry = decodeIndexEntry(encodeIndexEntry({ header, chainWork, status: 'valid' }));
    t.is(entry.chainWork, chainWork);
    t.deepEqual(entry.header.hash, header.hash);
  }
  const keys = works.map((w) => tipKey(w, header.hash));
  t.deepEqual([...keys].sort(Buffer.compare), keys, 'byte order is work order');
  t.throws(() => encodeIndexEntry({ header, chainWork: 1n << 256n, status: 'valid' }), { instanceOf: RangeError });
  t.throws(() => encodeIndexEntry({ header, chainWork: -1n, status: 'valid' }), { instanceOf: RangeError });
});

test('disconnect restores the UTXO set and address index byte for byte', async (t) => {
  const store = ChainStore.open(await tempDir(t));
  t.teardown(() => store.close());
  const alice = makeKey();
  const bob = makeKey();
  const carol = makeKey();
  const genesis = buildBlock({ miner: alice });
  const b1 = buildBlock({ parent: genesis, miner: bob });
  store.transaction(() => {
    connectBlock(store, genesis, TEST_PARAMS);
    connectBlock(store, b1, TEST_PARAMS);
  });
  const before = snapshot(store);
  t.is(before.coins!.length, 2);

  // Two inputs from different owners' coins, a chained spend inside the block, several outputs.
  const t1 = spend(alice, [outpoint(genesis.transactions[0]!)], [pay(carol, 600n), pay(alice, 390n)]);
  const t2 = spend(carol, [outpoint(t1, 0)], [pay(bob, 100n), pay(carol, 495n)]);
  const t3 = spend(bob, [outpoint(b1.transactions[0]!)], [pay(alice, 999n)]);
  const b2 = buildBlock({ parent: b1, miner: carol, txs: [t1, t2, t3], fees: 16n });
  const spent = store.transaction(() => connectBlock(store, b2, TEST_PARAMS));
  t.deepEqual(spent.map((c) => c.amount), [1000n, 600n, 1000n]);
  const after = snapshot(store);
  t.notDeepEqual(after, before);
  t.is(store.coinsByPubKeyHash(carol.pubKeyHash).reduce((s, e) => s + e.coin.amount, 0n), 495n + 1016n);
  t.deepEqual(store.getTipHash(), b2.hash);

  store.transaction(() => disconnectBlock(store, b2));
  t.deepEqual(snapshot(store), before);
  t.deepEqual(store.getTipHash(), b1.hash);
});

test('a failing connect inside a transaction leaves no trace', async (t) => {
  const store = ChainStore.open(await tempDir(t));
  t.teardown(() => store.close());
  const alice = makeKey();
  const genesis = buildBlock({ miner: alice });
  store.transaction(() => connectBlock(store, genesis, TEST_PARAMS));
  const before = snapshot(store);
  // First tx is fine and gets applied, the second double-spends: the whole block must vanish.
  const ok = spend(alice, [outpoint(genesis.transactions[0]!)], [pay(alice, 1000n)]);
  const dup = spend(alice, [outpoint(genesis.transactions[0]!)], [pay(alice, 999n)]);
  const bad = buildBlock({ parent: genesis, miner: alice, txs: [ok, dup] });
  const err = t.throws(() => store.transaction(() => connectBlock(store, bad, TEST_PARAMS)), { instanceOf: ValidationError });
  t.is(err?.code, 'bad-txns-inputs-missingorspent');
  t.deepEqual(snapshot(store), before);
});

test('a block that spends nothing writes no undo record and still disconnects, also with the empty record a format-1 database holds', async (t) => {
  const path = await tempDir(t);
  let store = ChainStore.open(path);
  t.teardown(() => store.close());
  const alice = makeKey();
  const genesis = buildBlock({ miner: alice });
  const b1 = buildBlock({ parent: genesis, miner: alice });
  const t1 = spend(alice, [outpoint(genesis.transactions[0]!)], [pay(alice, 1000n)]);
  const b2 = buildBlock({ parent: b1, miner: alice, txs: [t1] });
  store.transaction(() => connectBlock(store, genesis, TEST_PARAMS));
  const atGenesis = snapshot(store);
  store.transaction(() => {
    connectBlock(store, b1, TEST_PARAMS);
    connectBlock(store, b2, TEST_PARAMS);
  });
  t.deepEqual(store.rawEntries('undo').map(([key]) => key.toString('hex')), [b2.hashHex], 'only the block that spent a coin has an undo record');
  store.transaction(() => store.putUndo(b1.hash, []));
  t.is(store.rawEntries('undo').length, 1, 'putUndo of nothing writes nothing');
  store.transaction(() => disconnectBlock(store, b2));
  store.transaction(() => disconnectBlock(store, b1));
  t.deepEqual(snapshot(store), atGenesis, 'UTXO set, address index, heights, undo and tip as at genesis');

  // A format-1 database holds an empty record for a block that spent nothing: disconnect takes it off.
  store.transaction(() => connectBlock(store, b1, TEST_PARAMS));
  await store.close();
  const env = open({ path, maxDbs: 16 });
  await env.openDB<Buffer, Buffer>({ name: 'undo', keyEncoding: 'binary', encoding: 'binary' }).put(b1.hash, encodeUndo([]));
  await env.close();
  store = ChainStore.open(path);
  t.is(store.rawEntries('undo').length, 1);
  store.transaction(() => disconnectBlock(store, b1));
  t.deepEqual(snapshot(store), atGenesis);
});

test('a block whose undo record is missing although it spent coins is reported as an inconsistent database', async (t) => {
  const store = ChainStore.open(await tempDir(t));
  t.teardown(() => store.close());
  const alice = makeKey();
  const genesis = buildBlock({ miner: alice });
  const t1 = spend(alice, [outpoint(genesis.transactions[0]!)], [pay(alice, 1000n)]);
  const b1 = buildBlock({ parent: genesis, miner: alice, txs: [t1] });
  store.transaction(() => {
    connectBlock(store, genesis, TEST_PARAMS);
    connectBlock(store, b1, TEST_PARAMS);
  });
  store.transaction(() => store.removeUndo(b1.hash));
  t.throws(() => store.transaction(() => disconnectBlock(store, b1)), { code: 'storage-corrupt', message: /undo data is missing/ });
  t.deepEqual(store.getTipHash(), b1.hash, 'the failed disconnect changed nothing');
});
