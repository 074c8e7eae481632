/** Store format 3's keys (store/layout.ts): byte order is the order the layout relies on for appends and range reads. */
import test from 'ava';
import { ADDR_KEY_BYTES, ADDR_KEY_OUTPOINT_OFFSET, ADDR_RANGE_END_SUFFIX, addrKey, readSeqKey, seqKey } from '../../../src/chain/store/layout.js';
import { outPointFromKey, outPointKey } from '../../../src/primitives/tx.js';

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
