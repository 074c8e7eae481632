/**
 * A chain database written by the last build of store format 2 (test/fixtures/store-format-2,
 * made by its make.mjs with that build) is upgraded once at open to format 3 (store/upgrade.ts):
 * the same blocks, tip, UTXO set and balances, then it works as a new one (extend, reorg onto the
 * side branch it had, reopen without a second upgrade).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import test from 'ava';
import { open } from 'lmdb';
import { pino } from 'pino';
import { Chain } from '../../../src/chain/chain.js';
import { STORE_FORMAT_VERSION } from '../../../src/chain/constants.js';
import { ChainStore } from '../../../src/chain/store/store.js';
import { Transaction } from '../../../src/primitives/tx.js';
import { TEST_PARAMS, makeKey, pay } from '../../helpers/fixtures.js';
import { assemble, tempDir } from './setup.js';

const FIXTURE = fileURLToPath(new URL('../../../../test/fixtures/store-format-2/data.mdb.gz', import.meta.url));

interface OldLayout {
  format: number | undefined;
  tip: Buffer;
  /** hash hex → encoded block, as format 2 kept them (blocks: hash → bytes). */
  blocks: Map<string, Buffer>;
  coins: Array<[Buffer, Buffer]>;
  addrs: number;
  /** Candidate tips of side branches (tips: chainWork ‖ hash). */
  sideTips: Buffer[];
}

/** The fixture's content read with raw LMDB in its own layout, before anything upgrades it. */
function readOldLayout(path: string): OldLayout {
  const env = open({ path, maxDbs: 16, readOnly: true });
  const db = (name: string) => env.openDB<Buffer, Buffer>({ name, keyEncoding: 'binary', encoding: 'binary' });
  try {
    const blocks = new Map<string, Buffer>();
    for (const { key, value } of db('blocks').getRange({})) blocks.set(Buffer.from(key).toString('hex'), Buffer.from(value));
    const coins: Array<[Buffer, Buffer]> = [];
    for (const { key, value } of db('coins').getRange({})) coins.push([Buffer.from(key), Buffer.from(value)]);
    const format = db('meta').get(Buffer.from('format'));
    const sideTips = [...db('tips').getKeys({})].map((key) => Buffer.from(key.subarray(32)));
    return { format: format?.readUInt32BE(0), tip: Buffer.from(db('meta').get(Buffer.from('tip'))!), blocks, coins, addrs: db('addrs').getKeysCount(), sideTips };
  } finally {
    env.close();
  }
}

function capturingLogger(lines: string[]) {
  return pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
}

test('a format-2 database is upgraded once at open: same blocks, tip and coins, then it extends, reorganises and reopens as format 3', async (t) => {
  const path = await tempDir(t);
  writeFileSync(join(path, 'data.mdb'), gunzipSync(readFileSync(FIXTURE)));
  const old = readOldLayout(path);
  t.is(old.format, 2, 'the fixture is a format-2 database');
  t.is(old.blocks.size, 13, 'genesis, 6 common blocks, 4 + 2 on the two branches');
  t.is(old.addrs, old.coins.length);

  const lines: string[] = [];
  const chain = await Chain.open({ path, params: TEST_PARAMS, logger: capturingLogger(lines), verifyThreads: 0 });
  t.teardown(() => chain.close());
  const upgrade = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((l) => String(l['msg']).includes('chain database layout'));
  t.deepEqual(
    upgrade.map((l) => [l['msg'], l['from'], l['to']]),
    [
      ['upgrading the chain database layout (once; an older kadchain cannot open it afterwards)', 2, STORE_FORMAT_VERSION],
      ['upgraded the chain database layout', undefined, undefined],
    ],
  );
  t.is(upgrade[1]!['entries'], 13);
  t.is(upgrade[1]!['blocks'], 13);
  t.is(upgrade[1]!['addrs'], old.coins.length);
  t.log(`upgrade: ${upgrade[1]!['blocks']} blocks moved, ${upgrade[1]!['addrs']} address entries rebuilt in ${upgrade[1]!['elapsedMs']} ms`);

  t.deepEqual(chain.tip?.hash, old.tip);
  t.is(chain.tip?.height, 10);
  for (const [hash, bytes] of old.blocks) t.deepEqual(chain.getBlockBytes(Buffer.from(hash, 'hex')), bytes, `block ${hash} reads back the same`);
  t.true((await chain.verifyChain(0)).ok, 'verifychain over every block: UTXO set, undo data, address index');
  // Balances come from the address index: every coin is listed for its owner, once.
  const owners = new Set(old.coins.map(([, value]) => value.subarray(8, 28).toString('hex')));
  let listed = 0;
  for (const owner of owners) listed += chain.getCoinsByPubKeyHash(Buffer.from(owner, 'hex')).length;
  t.is(listed, old.coins.length);

  // Reorganise onto the side branch it kept (height 8): three coinbase-only blocks make it the heaviest.
  t.is(old.sideTips.length, 1);
  const sideTip = old.sideTips[0];
  t.is(chain.getHeader(sideTip!)?.height, 8, 'the side branch survived the upgrade');
  let parent = chain.getHeader(sideTip!)!;
  for (let i = 0; i < 3; i++) {
    const block = assemble([Transaction.coinbase(parent.height + 1, [pay(makeKey(), TEST_PARAMS.blockRewardAmount)])], { prevHash: parent.hash, height: parent.height + 1 });
    await chain.processBlock(block);
    parent = block.header;
  }
  t.is(chain.tip?.height, 11);
  t.deepEqual(chain.tip?.hash, parent.hash, 'the side branch is active: its blocks and the old branch\'s undo data were read');
  t.true((await chain.verifyChain(0)).ok);
  await chain.close();

  const store = ChainStore.open(path);
  t.is(store.formatVersion(), STORE_FORMAT_VERSION);
  t.is(store.rawEntries('blocks').length, 0, 'the format-2 block records are gone (moved)');
  t.is(store.rawEntries('blockdata').length, 13 + 3);
  t.is(store.rawEntries('entries').length, 13 + 3);
  t.true(store.rawEntries('index').every(([, value]) => value.length === 8), 'the index maps each hash to a sequence');
  await store.close();
  const again: string[] = [];
  const reopened = await Chain.open({ path, params: TEST_PARAMS, logger: capturingLogger(again), verifyThreads: 0 });
  t.is(reopened.tip?.height, 11);
  t.false(again.some((line) => line.includes('upgrading the chain database')), 'no second upgrade');
  await reopened.close();
});

test('a new database is written as format 3 without an upgrade', async (t) => {
  const path = await tempDir(t);
  const lines: string[] = [];
  const chain = await Chain.open({ path, params: TEST_PARAMS, logger: capturingLogger(lines), verifyThreads: 0 });
  await chain.close();
  t.false(lines.some((line) => line.includes('upgrading the chain database')));
  const store = ChainStore.open(path);
  t.is(store.formatVersion(), STORE_FORMAT_VERSION);
  await store.close();
});
