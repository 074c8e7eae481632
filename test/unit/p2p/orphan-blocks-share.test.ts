/**
 * A full orphan-block pool evicts the oldest orphan of the sender holding the largest share, so a
 * peer streaming orphans (~256 hashes each at conf's difficulty, no signature checked on arrival)
 * churns only its own: evicting the oldest over the whole pool let it flush every other peer's.
 */
import test from 'ava';
import { OrphanPool } from '../../../src/p2p/orphans.js';
import { buildBlock, makeKey, pay, spend } from '../../helpers/fixtures.js';
import { randomBytes } from 'node:crypto';

const miner = makeKey();
const root = buildBlock({ miner });
/** A block on a parent nobody has. */
const orphan = (tag: string, txs = 0) =>
  buildBlock({ parent: buildBlock({ parent: root, miner, extraData: Buffer.from(`missing ${tag}`) }), miner, extraData: Buffer.from(tag), txs: Array.from({ length: txs }, () => spend(miner, [{ txid: randomBytes(32), index: 0 }], [pay(miner, 1n)])) });

test('a flood of orphans from one peer does not evict another peer\'s', (t) => {
  const pool = new OrphanPool<string>(5, 60_000);
  const honest = orphan('honest');
  pool.add(honest, 'honest');
  for (let i = 0; i < 50; i++) pool.add(orphan(`flood ${i}`), 'flooder');
  t.is(pool.size, 5);
  t.true(pool.has(honest.hash), "the honest peer's orphan survives 50 of the flooder's");
  t.is(pool.countFrom('flooder'), 4);
});

test('the share counts bytes too: a sender of large orphans gives way first', (t) => {
  const big = orphan('big 0', 20);
  const small = orphan('small');
  const pool = new OrphanPool<string>(100, 60_000, Date.now, big.size * 2 + small.size * 3);
  for (let i = 0; i < 3; i++) pool.add(orphan(`small ${i}`), 'honest');
  pool.add(big, 'big-sender');
  pool.add(orphan('big 1', 20), 'big-sender');
  pool.add(small, 'honest'); // over the byte bound: the big sender holds most of the bytes
  t.is(pool.countFrom('honest'), 4);
  t.is(pool.countFrom('big-sender'), 1);
  t.false(pool.has(big.hash), "the big sender's oldest went");
});
