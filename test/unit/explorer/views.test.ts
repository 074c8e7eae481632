import test from 'ava';
import {
  BLOCKS_PAGE_DEFAULT,
  BLOCKS_PAGE_MAX,
  ExplorerError,
  type ExplorerIndex,
  type ExplorerSources,
  addressView,
  blockView,
  blocksView,
  recentBlocksView,
  transactionView,
} from '../../../src/explorer/index.js';
import { AddressError, pubKeyHashToAddress } from '../../../src/primitives/address.js';
import { toJsonRpcError } from '../../../src/rpc/errors.js';
import { FakeChain, FakeMempool, PKHS, fakeSpend, generateChain, noIndex } from '../../helpers/explorer-fakes.js';

/** An index that knows every tx of the fake chain's active blocks (what ChainIndexer would hold). */
function fullIndex(chain: FakeChain, lagBlocks = 0): ExplorerIndex {
  return {
    get best() {
      const b = chain.active[chain.active.length - 1 - lagBlocks];
      return b ? { hash: b.hash, height: b.height } : undefined;
    },
    findTx: (txid) => {
      for (const block of chain.active.slice(0, chain.active.length - lagBlocks)) {
        const position = block.transactions.findIndex((tx) => tx.txid.equals(txid));
        if (position >= 0) return { blockHash: block.hash, position };
      }
      return undefined;
    },
    addressHistory: () => ({ entries: [], more: false }),
  };
}

function setup(blocks = 5, lag = 0): { src: ExplorerSources; chain: FakeChain; mempool: FakeMempool } {
  const chain = new FakeChain();
  for (const b of generateChain(blocks)) chain.connect(b, false);
  const mempool = new FakeMempool();
  return { src: { chain, mempool, index: fullIndex(chain, lag) }, chain, mempool };
}

/** The ExplorerError code `fn` throws ('no error' when it does not). */
const code = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    return (err as ExplorerError).code;
  }
  return 'no error';
};

test('getblock by height and by hash: confirmations, neighbours, work, txids', (t) => {
  const { src, chain } = setup(5);
  const byHeight = blockView(src, 2);
  const byHash = blockView(src, chain.active[2]!.hashHex);
  t.deepEqual(byHeight, byHash);
  t.like(byHeight, { height: 2, confirmations: 3, prevHash: chain.active[1]!.hashHex, nextHash: chain.active[3]!.hashHex, txCount: 2, bits: '0x207fffff' });
  t.is(byHeight.work, (3n * 0x1_0000_0000_0000_0000n).toString(16).padStart(64, '0'));
  t.deepEqual(byHeight.txs, chain.active[2]!.transactions.map((tx) => tx.txidHex));
  t.is(blockView(src, '4').nextHash, null, 'the tip has no next block');
  t.is(blockView(src, 0).prevHash, '0'.repeat(64));
});

test('getblock --verbose prices inputs from the undo data and computes the fee', (t) => {
  const { src, chain } = setup(3);
  const view = blockView(src, 2, true);
  const txs = view.txs as Array<Exclude<(typeof view.txs)[number], string>>;
  t.is(txs.length, 2);
  t.like(txs[0], { coinbase: true, fee: null, confirmations: 1 });
  t.is(txs[0]!.inputs[0]!.address, null);
  // Block 2's tx spends block 1's reward (50 to PKHS[1]) into 30 + 20.
  t.deepEqual(txs[1]!.inputs.map((i) => [i.address, i.amount]), [[pubKeyHashToAddress(PKHS[1]!), 50n]]);
  t.is(txs[1]!.fee, 0n);
  t.is(txs[1]!.blockHash, chain.active[2]!.hashHex);
});

test('a block off the active chain answers confirmations -1, no next block and unknown input amounts', (t) => {
  const { src, chain } = setup(4);
  const old = chain.disconnect(false);
  for (const b of generateChain(2, chain.active.at(-1), 7)) chain.connect(b, false);
  const view = blockView(src, old.hashHex, true);
  t.like(view, { confirmations: -1, nextHash: null, height: 3 });
  const txs = view.txs as Array<{ fee: bigint | null; confirmations: number }>;
  t.is(txs[1]!.fee, null);
  t.is(txs[1]!.confirmations, -1);
});

test('getblock refuses bad refs (-8), unknown hashes (-5), heights past the tip (-8), and answers -28 on an empty chain', (t) => {
  const { src } = setup(3);
  for (const bad of ['xyz', -1, 1.5, 'ab'.repeat(33), '', null, {}, '0x10', '4294967296']) t.is(code(() => blockView(src, bad)), 'bad-ref', JSON.stringify(bad));
  t.is(code(() => blockView(src, 'ab'.repeat(32))), 'not-found');
  t.is(code(() => blockView(src, 3)), 'out-of-range');
  const error = t.throws(() => blockView(src, 3), { instanceOf: ExplorerError });
  t.is(error.message, 'there is no block at height 3; the chain tip is at height 2');
  const empty: ExplorerSources = { chain: new FakeChain(), mempool: new FakeMempool(), index: noIndex };
  t.is(code(() => blockView(empty, 0)), 'no-genesis');
  t.is(toJsonRpcError(new ExplorerError('not-found', 'x')).error.code, -5);
  t.is(toJsonRpcError(new ExplorerError('bad-ref', 'x')).error.code, -8);
  t.is(toJsonRpcError(new ExplorerError('out-of-range', 'x')).error.code, -8);
  t.is(toJsonRpcError(new ExplorerError('index-syncing', 'x')).error.code, -28);
  t.is(toJsonRpcError(new ExplorerError('no-genesis', 'x')).error.code, -28);
});

test('getblocks: ascending from start, default 10, at most 100, ends at the tip', (t) => {
  const { src } = setup(150);
  t.deepEqual(blocksView(src, 0).map((b) => b.height), [...Array(BLOCKS_PAGE_DEFAULT).keys()]);
  const max = blocksView(src, 10, BLOCKS_PAGE_MAX);
  t.is(max.length, BLOCKS_PAGE_MAX);
  t.is(max[0]!.height, 10);
  t.is(max.at(-1)!.height, 109);
  t.deepEqual(blocksView(src, 145, '50').map((b) => b.height), [145, 146, 147, 148, 149]);
  t.like(blocksView(src, 149)[0], { height: 149, txs: 2 });
  t.is(code(() => blocksView(src, 0, BLOCKS_PAGE_MAX + 1)), 'out-of-range');
  t.is(code(() => blocksView(src, 0, 0)), 'out-of-range');
  t.is(code(() => blocksView(src, 150)), 'out-of-range');
  t.is(code(() => blocksView(src, 'ab'.repeat(32))), 'bad-ref');
  t.deepEqual(recentBlocksView(src, 3).map((b) => b.height), [149, 148, 147]);
});

test('gettransaction: a pooled tx (inputs from the chain and from a pooled parent), then confirmed; unknown -5', (t) => {
  const { src, chain, mempool } = setup(3);
  const tip = chain.active.at(-1)!;
  const parent = fakeSpend([{ txid: tip.transactions[0]!.txid, index: 0 }], [{ amount: 45n, pubKeyHash: PKHS[3]! }]);
  const child = fakeSpend([{ txid: parent.txid, index: 0 }], [{ amount: 44n, pubKeyHash: PKHS[0]! }]);
  mempool.add(parent, 5n);
  mempool.add(child, 1n);
  const pooled = transactionView(src, parent.txidHex);
  t.like(pooled, { status: 'mempool', confirmations: 0, blockHash: null, height: null, time: null, fee: 5n });
  t.deepEqual(pooled.inputs[0], { prevTxid: tip.transactions[0]!.txidHex, prevIndex: 0, address: pubKeyHashToAddress(PKHS[2]!), amount: 50n });
  t.like(transactionView(src, child.txidHex).inputs[0], { address: pubKeyHashToAddress(PKHS[3]!), amount: 45n });
  t.is(transactionView(src, child.txidHex).fee, 1n);

  const confirmedTx = chain.active[1]!.transactions[1]!;
  t.like(transactionView(src, confirmedTx.txidHex), { status: 'confirmed', height: 1, confirmations: 2, blockHash: chain.active[1]!.hashHex, time: chain.active[1]!.header.timestamp, fee: 0n });
  t.deepEqual(transactionView(src, confirmedTx.txidHex).outputs.map((o) => o.amount), [30n, 20n]);
  t.is(code(() => transactionView(src, 'cd'.repeat(32))), 'not-found');
  t.is(code(() => transactionView(src, 'nope')), 'bad-ref');
});

test('gettransaction and getaddress answer index-syncing (-28) while the index is behind the tip', (t) => {
  const { src, chain } = setup(4, 2);
  const inIndexed = chain.active[1]!.transactions[1]!;
  const beyond = chain.active[3]!.transactions[1]!;
  t.is(transactionView(src, inIndexed.txidHex).height, 1, 'a tx in an indexed block is answered');
  const error = t.throws(() => transactionView(src, beyond.txidHex), { instanceOf: ExplorerError });
  t.is(error.code, 'index-syncing');
  t.is(error.message, 'the transaction index is still being built (height 1 of 3); try again in a moment');
  t.is(code(() => addressView(src, { address: pubKeyHashToAddress(PKHS[0]!) })), 'index-syncing');
});

test('getaddress: balance parts, mempool txs first, index history after; bounded limit; bad address and cursor refused', (t) => {
  const { src, chain, mempool } = setup(3);
  const address = pubKeyHashToAddress(PKHS[2]!);
  const tip = chain.active.at(-1)!;
  mempool.add(fakeSpend([{ txid: tip.transactions[0]!.txid, index: 0 }], [{ amount: 50n, pubKeyHash: PKHS[0]! }]));
  const calls: unknown[] = [];
  const index: ExplorerIndex = {
    best: { hash: tip.hash, height: tip.height },
    findTx: () => undefined,
    addressHistory: (pkh, limit, before) => {
      calls.push([pkh.toString('hex'), limit, before]);
      return { entries: [{ height: 1, txid: Buffer.alloc(32, 9), received: 30n, sent: 0n }], more: true };
    },
  };
  const view = addressView({ ...src, index }, { address, limit: '2' });
  t.like(view, { address, confirmed: 7n, immature: 3n, unconfirmed: 9n, more: true, next: `1-${'09'.repeat(32)}` });
  t.deepEqual(view.txs.map((x) => [x.height, x.received, x.sent]), [[null, 0n, 50n], [1, 30n, 0n]]);
  t.is(view.txs[1]!.time, chain.active[1]!.header.timestamp);
  t.deepEqual(calls[0], [PKHS[2]!.toString('hex'), 2, undefined]);
  const older = addressView({ ...src, index }, { address, before: view.next });
  t.is(older.txs.length, 1, 'pages after the first have no mempool txs');
  t.deepEqual(calls[1], [PKHS[2]!.toString('hex'), 25, { height: 1, txid: Buffer.alloc(32, 9) }]);
  addressView({ ...src, index }, { address, before: 5 });
  t.deepEqual(calls[2], [PKHS[2]!.toString('hex'), 25, { height: 5 }]);
  t.is(code(() => addressView({ ...src, index }, { address, limit: 101 })), 'out-of-range');
  t.is(code(() => addressView({ ...src, index }, { address, limit: 0 })), 'out-of-range');
  t.is(code(() => addressView({ ...src, index }, { address, before: 'x-y' })), 'bad-ref');
  t.throws(() => addressView({ ...src, index }, { address: '1notanaddress' }), { instanceOf: AddressError });
});
