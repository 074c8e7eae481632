/** ReorgReadd on its own (a fake ReorgHost): how many admissions a deep reorg costs. */
import test from 'ava';
import { EventEmitter } from 'node:events';
import { ValidationCode, ValidationError } from '../../../src/chain/errors.js';
import { PoolIndex } from '../../../src/mempool/pool-index.js';
import { ReorgReadd } from '../../../src/mempool/reorg.js';
import type { Block } from '../../../src/primitives/block.js';
import type { OutPoint, Transaction } from '../../../src/primitives/tx.js';
import { silentLogger } from '../../../src/util/logger.js';
import { buildBlock, makeKey, outpoint, pay, spend } from '../../helpers/fixtures.js';

const BLOCKS = 60;
const TXS_PER_BLOCK = 4;

/** A branch whose every tx spends an output of the block before it: blocks[0]'s parents are outside. */
function chainedBranch(): Block[] {
  const key = makeKey();
  const blocks: Block[] = [];
  let funding: OutPoint[] = Array.from({ length: TXS_PER_BLOCK }, (_, i) => ({ txid: Buffer.alloc(32, i + 1), index: 0 }));
  let parent: Block | undefined;
  for (let height = 0; height < BLOCKS; height++) {
    const txs = funding.map((prevout) => spend(key, [prevout], [pay(key, 10n)]));
    parent = buildBlock({ ...(parent ? { parent } : {}), miner: key, txs });
    blocks.push(parent);
    funding = txs.map((tx) => outpoint(tx));
  }
  return blocks;
}

function fakeHost(admissible: (tx: Transaction, admitted: ReadonlySet<string>) => boolean) {
  const admitted = new Set<string>();
  const calls = { readmit: 0 };
  const host = {
    index: new PoolIndex(new EventEmitter(), silentLogger()),
    chain: { getCoin: () => undefined },
    coinbaseMaturity: 1,
    logger: silentLogger(),
    readmit(tx: Transaction): void {
      calls.readmit++;
      if (!admissible(tx, admitted)) throw new ValidationError(ValidationCode.MissingInputs, `tx ${tx.txidHex} spends a missing output`);
      admitted.add(tx.txidHex);
    },
    unconfirmedHeight: () => 1,
    trimToSize: () => undefined,
    tipHash: () => undefined,
  };
  return { host, admitted, calls };
}

test('a deep reorg whose txs cannot come back costs one admission per tx per pass, not per block', (t) => {
  const blocks = chainedBranch();
  const { host, admitted, calls } = fakeHost(() => false);
  const readd = new ReorgReadd(host);
  for (const block of [...blocks].reverse()) readd.blockDisconnected(block); // tip first, as the Chain emits
  readd.finish();
  const txs = BLOCKS * TXS_PER_BLOCK;
  t.log(`${BLOCKS} blocks of ${TXS_PER_BLOCK} txs disconnected: ${calls.readmit} admissions (quadratic would be ${(TXS_PER_BLOCK * BLOCKS * (BLOCKS + 1)) / 2 + txs})`);
  t.is(admitted.size, 0);
  t.true(calls.readmit <= 2 * txs, `${calls.readmit} admissions for ${txs} txs`);
});

test('txs of a deep reorg whose parents come back later are all readmitted, parents first', (t) => {
  const blocks = chainedBranch();
  const inBranch = new Set(blocks.flatMap((b) => b.transactions.map((tx) => tx.txid.toString('hex'))));
  // A tx is admissible once every input is outside the branch (confirmed elsewhere) or already readmitted.
  const { host, admitted, calls } = fakeHost((tx, done) => tx.inputs.every((i) => !inBranch.has(i.prevout.txid.toString('hex')) || done.has(i.prevout.txid.toString('hex'))));
  const readd = new ReorgReadd(host);
  for (const block of [...blocks].reverse()) readd.blockDisconnected(block);
  readd.finish();
  t.is(admitted.size, BLOCKS * TXS_PER_BLOCK);
  t.true(calls.readmit <= 3 * BLOCKS * TXS_PER_BLOCK, `${calls.readmit} admissions`);
});

test('an admission retries only the waiting children of the admitted tx, not every waiting tx', (t) => {
  // Each block: TXS_PER_BLOCK txs that can never come back (their parents are outside) and one
  // standalone tx that gets in. Before, each admission set off a pass over every waiting tx.
  const key = makeKey();
  const blocks: Block[] = [];
  const standalone = new Set<string>();
  let parent: Block | undefined;
  for (let height = 0; height < BLOCKS; height++) {
    const stuck = Array.from({ length: TXS_PER_BLOCK }, (_, i) => spend(key, [{ txid: Buffer.alloc(32, 200 + i), index: height }], [pay(key, 10n)]));
    const free = spend(key, [{ txid: Buffer.alloc(32, 100), index: height }], [pay(key, 10n)]);
    standalone.add(free.txidHex);
    parent = buildBlock({ ...(parent ? { parent } : {}), miner: key, txs: [...stuck, free] });
    blocks.push(parent);
  }
  const { host, admitted, calls } = fakeHost((tx) => standalone.has(tx.txidHex));
  const readd = new ReorgReadd(host);
  for (const block of [...blocks].reverse()) readd.blockDisconnected(block);
  readd.finish();
  const txs = BLOCKS * (TXS_PER_BLOCK + 1);
  t.is(admitted.size, BLOCKS);
  t.log(`${BLOCKS} blocks, one admissible tx each: ${calls.readmit} admissions for ${txs} txs (a pass per admission would be ${txs + (TXS_PER_BLOCK * BLOCKS * (BLOCKS + 1)) / 2})`);
  t.true(calls.readmit <= 2 * txs, `${calls.readmit} admissions for ${txs} txs`);
});
