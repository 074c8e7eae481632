import test from 'ava';
import { connectBlock } from '../../../src/chain/connect.js';
import { ValidationError } from '../../../src/chain/errors.js';
import { MemoryUtxo } from '../../../src/chain/memory-utxo.js';
import type { ChainParams } from '../../../src/chain/params.js';
import { PendingCoins, type StoredCoins } from '../../../src/chain/store/pending-coins.js';
import type { Coin } from '../../../src/chain/types.js';
import type { Block } from '../../../src/primitives/block.js';
import type { OutPoint } from '../../../src/primitives/tx.js';
import { TEST_PARAMS, type TestKey, buildBlock, makeKey, outpoint, pay, spend } from '../../helpers/fixtures.js';

/** A MemoryUtxo that counts the UTXO lookups connectBlock makes. */
class CountingUtxo extends MemoryUtxo {
  gets = 0;
  removes = 0;
  override getCoin(op: OutPoint): Coin | undefined {
    this.gets++;
    return super.getCoin(op);
  }
  override removeCoin(op: OutPoint): Coin | undefined {
    this.removes++;
    return super.removeCoin(op);
  }
}

/** Heights 0..n, each block's reward to `miner`, connected into `utxo`. */
function chainInto(utxo: MemoryUtxo, miner: TestKey, n: number, params: ChainParams): Block[] {
  const blocks = [buildBlock({ miner, params })];
  for (let h = 1; h <= n; h++) blocks.push(buildBlock({ parent: blocks[h - 1], miner, params }));
  for (const b of blocks) connectBlock(utxo, b, params);
  return blocks;
}

test('connectBlock looks each input up once, to check and spend it, and never reads a coin it only checks', (t) => {
  const utxo = new CountingUtxo();
  const alice = makeKey();
  const bob = makeKey();
  const blocks = chainInto(utxo, alice, 3, TEST_PARAMS);
  // Three inputs over two transactions, one spending an output of the other in the same block.
  const t1 = spend(alice, [outpoint(blocks[0]!.transactions[0]!), outpoint(blocks[1]!.transactions[0]!)], [pay(bob, 1500n), pay(alice, 490n)]);
  const t2 = spend(bob, [outpoint(t1, 0)], [pay(alice, 1495n)]);
  const block = buildBlock({ parent: blocks[3], miner: bob, txs: [t1, t2], fees: 15n });
  utxo.gets = 0;
  utxo.removes = 0;
  const spent = connectBlock(utxo, block, TEST_PARAMS);
  t.log(`lookups for 3 inputs: getCoin ${utxo.gets}, removeCoin ${utxo.removes}`);
  t.is(utxo.gets, 0);
  t.is(utxo.removes, 3);
  t.deepEqual(
    spent.map((c) => c.amount),
    [1000n, 1000n, 1500n],
  );
  t.is(utxo.getCoin(outpoint(t1, 0)), undefined, 'spent inside the block');
  t.is(utxo.getCoin(outpoint(t2, 0))?.amount, 1495n);
});

test('connectBlock keeps the order of the input rules: a missing input before an immature one, the total before maturity', (t) => {
  const params: ChainParams = { ...TEST_PARAMS, coinbaseMaturity: 3 };
  const alice = makeKey();
  const bob = makeKey();
  const cases: Array<{ name: string; code: string; txs: (blocks: Block[]) => ReturnType<typeof spend>[] }> = [
    // Input 0 spends the immature reward of height 2, input 1 a coin that does not exist.
    { name: 'missing', code: 'bad-txns-inputs-missingorspent', txs: (b) => [spend(alice, [outpoint(b[2]!.transactions[0]!), { txid: Buffer.alloc(32, 7), index: 0 }], [pay(bob, 1n)])] },
    // Input 1 is bob's key on alice's coin.
    { name: 'owner', code: 'bad-txns-pubkey-mismatch', txs: (b) => [spend(bob, [outpoint(b[0]!.transactions[0]!)], [pay(bob, 1n)])] },
    // Immature and overspending: the total is checked first, as checkTransactionInputs then the maturity rule did.
    { name: 'total', code: 'bad-txns-in-belowout', txs: (b) => [spend(alice, [outpoint(b[2]!.transactions[0]!)], [pay(bob, 1001n)])] },
    { name: 'immature', code: 'bad-txns-premature-spend-of-coinbase', txs: (b) => [spend(alice, [outpoint(b[0]!.transactions[0]!), outpoint(b[2]!.transactions[0]!)], [pay(bob, 1n)])] },
  ];
  for (const c of cases) {
    const utxo = new MemoryUtxo();
    const blocks = chainInto(utxo, alice, 2, params);
    const block = buildBlock({ parent: blocks[2], miner: bob, params, txs: c.txs(blocks), coinbaseAmount: 1n });
    const err = t.throws(() => connectBlock(utxo, block, params), { instanceOf: ValidationError }, c.name);
    t.is(err?.code as string | undefined, c.code, c.name);
    if (c.name === 'immature') t.regex(err!.message, /input 1 spends the block reward/);
  }
});

test('PendingCoins.removeCoin reads a committed coin once, spends it, and finds nothing the second time without another read', (t) => {
  let reads = 0;
  const deleted: string[] = [];
  const coin: Coin = { amount: 5n, pubKeyHash: Buffer.alloc(20, 1), height: 1, isCoinbase: false };
  const stored: StoredCoins = {
    read: (op) => (reads++, op.index === 0 ? coin : undefined),
    write: () => t.fail('nothing is written'),
    delete: (op) => void deleted.push(`${op.index}`),
  };
  const pending = new PendingCoins(stored);
  const op = { txid: Buffer.alloc(32, 9), index: 0 };
  t.is(pending.removeCoin(op), coin);
  t.is(reads, 1);
  t.is(pending.removeCoin(op), undefined, 'already spent in this view');
  t.is(pending.getCoin(op), undefined);
  t.is(reads, 1, 'the spent entry answers, not the store');
  t.is(pending.removeCoin({ txid: op.txid, index: 1 }), undefined);
  t.is(reads, 2);
  pending.writeOut();
  t.deepEqual(deleted, ['0'], 'only the coin that existed is deleted');
});

test('a coin created and spent in one view leaves no entry behind, and a rollback brings it back', (t) => {
  let reads = 0;
  const written: string[] = [];
  const committed: Coin = { amount: 7n, pubKeyHash: Buffer.alloc(20, 2), height: 1, isCoinbase: false };
  const stored: StoredCoins = {
    read: (op) => (reads++, op.index === 9 ? committed : undefined),
    write: (op) => void written.push(`put ${op.index}`),
    delete: (op) => void written.push(`del ${op.index}`),
  };
  const pending = new PendingCoins(stored);
  const txid = Buffer.alloc(32, 3);
  const fresh: Coin = { amount: 5n, pubKeyHash: Buffer.alloc(20, 1), height: 2, isCoinbase: false };
  pending.putCoin({ txid, index: 0 }, fresh);
  pending.putCoin({ txid, index: 1 }, fresh);
  t.is(pending.size, 2);
  const mark = pending.mark();
  t.is(pending.removeCoin({ txid, index: 0 }), fresh);
  t.is(pending.size, 1, 'the fresh coin spent holds no entry');
  t.is(pending.removeCoin({ txid, index: 9 }), committed);
  t.is(pending.size, 2, 'a spent committed coin keeps its entry: its delete must be written out');
  t.is(pending.removeCoin({ txid, index: 0 }), undefined, 'spent: the store holds none either');
  pending.rollback(mark);
  t.is(pending.size, 2);
  t.is(pending.getCoin({ txid, index: 0 }), fresh, 'the rollback restores the fresh coin');
  t.is(pending.getCoin({ txid, index: 9 }), committed);
  t.is(pending.removeCoin({ txid, index: 1 }), fresh);
  t.is(pending.removeCoin({ txid, index: 9 }), committed);
  pending.writeOut();
  t.deepEqual(written, ['put 0', 'del 9'], 'only the net changes');
  t.log(`store reads: ${reads}`);
});
