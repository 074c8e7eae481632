/** Store format 3's keys (store/layout.ts): byte order is the order the layout relies on for appends and range reads. */
import test from 'ava';
import { ADDR_KEY_BYTES, ADDR_KEY_OUTPOINT_OFFSET, ADDR_RANGE_END_SUFFIX, addrKey, readSeqKey, seqKey } from '../../../src/chain/store/layout.js';
import { ChainStore } from '../../../src/chain/store/store.js';
import type { Block } from '../../../src/primitives/block.js';
import { outPointFromKey, outPointKey } from '../../../src/primitives/tx.js';
import { buildBlock, makeKey } from '../../helpers/fixtures.js';
import { tempDir } from './setup.js';

test('sequence keys sort as their numbers, across the 32-bit boundary, and read back', (t) => {
  const seqs = [1, 2, 255, 256, 0xffff_ffff, 0x1_0000_0000, 0x1_0000_0001, 2 ** 40 + 7, Number.MAX_SAFE_INTEGER];
  for (const seq of seqs) t.is(readSeqKey(seqKey(seq)), seq);
  const sorted = seqs.map(seqKey).sort(Buffer.compare).map(readSeqKey);
  t.deepEqual(sorted, seqs, 'LMDB byte order is sequence order: a new block is always an append');
});

test('an address key is owner ‖ height ‖ outpoint: an owner\'s newer coins sort after its older ones, all inside its range', (t) => {
  const owner = Buffer.alloc(20, 0x42);
  const outpoint = { txid: Buffer.alloc(32, 0xff), index: 0xffff_ffff };
  const old = addrKey({ pubKeyHash: owner, height: 7 }, outpoint);
  const newer = addrKey({ pubKeyHash: owner, height: 8 }, { txid: Buffer.alloc(32, 0), index: 0 });
  t.is(old.length, ADDR_KEY_BYTES);
  t.true(Buffer.compare(old, newer) < 0, 'height before txid: appends per owner');
  t.deepEqual(outPointFromKey(old.subarray(ADDR_KEY_OUTPOINT_OFFSET)), outpoint);
  t.deepEqual(old.subarray(ADDR_KEY_OUTPOINT_OFFSET), outPointKey(outpoint));
  // The largest key an owner can have still sorts before its range end, and the next owner's smallest after it.
  const largest = addrKey({ pubKeyHash: owner, height: 0xffff_ffff }, outpoint);
  const end = Buffer.concat([owner, ADDR_RANGE_END_SUFFIX]);
  t.true(Buffer.compare(largest, end) < 0);
  const nextOwner = addrKey({ pubKeyHash: Buffer.concat([Buffer.alloc(19, 0x42), Buffer.from([0x43])]), height: 0 }, { txid: Buffer.alloc(32, 0), index: 0 });
  t.true(Buffer.compare(end, nextOwner) < 0);
});

test('a new block never takes a sequence whose block data is still stored, even when that sequence\'s entry is gone (damage)', async (t) => {
  const path = await tempDir(t);
  const miner = makeKey();
  const genesis = buildBlock({ miner });
  const b1 = buildBlock({ parent: genesis, miner });
  const b2 = buildBlock({ parent: b1, miner });
  const entry = (block: Block) => ({ header: block.header, chainWork: BigInt(block.height + 1), status: 'valid' as const });
  const store = ChainStore.open(path);
  store.transaction(() => {
    store.putBlock(genesis, entry(genesis));
    store.putBlock(b1, entry(b1));
  });
  await store.close();
  const lmdb = await import('lmdb');
  const root = lmdb.open({ path, maxDbs: 16 });
  const entries = root.openDB<Buffer, Buffer>({ name: 'entries', keyEncoding: 'binary', encoding: 'binary' });
  await entries.remove(seqKey(2)); // b1's entry; its data stays under 2
  await root.close();
  const reopened = ChainStore.open(path);
  t.teardown(() => reopened.close());
  reopened.transaction(() => reopened.putBlock(b2, entry(b2)));
  t.deepEqual(reopened.rawEntries('index').find(([hash]) => hash.equals(b2.hash))?.[1], seqKey(3));
  t.deepEqual(reopened.rawEntries('blockdata').map(([key]) => readSeqKey(key)), [1, 2, 3], 'b1\'s data was not overwritten');
  t.deepEqual(reopened.getBlockBytes(b2.hash), b2.encode());
});
