import test from 'ava';
import { toCompactBlock, PartialBlock } from '../../../src/p2p/compact/partial-block.js';
import { shortId, shortIdKey } from '../../../src/p2p/compact/short-id.js';
import { sipHash24, sipKeyFromBytes } from '../../../src/p2p/compact/siphash.js';
import { MAX_COMPACT_BLOCK_TXS, MessageType, WireError, decodeMessage, encodeMessage, type CompactBlockMessage } from '../../../src/p2p/wire/index.js';
import { BufferWriter } from '../../../src/primitives/encoding.js';
import { buildBlock, makeKey, outpoint, pay, spend } from '../../helpers/fixtures.js';

/** SipHash-2-4 reference vectors (the paper's key 00…0f, message 00 01 … i-1), as the 8 output bytes; from `openssl mac … SIPHASH`. */
const VECTORS: ReadonlyArray<[number, string]> = [
  [0, '310E0EDD47DB6F72'],
  [1, 'FD67DC93C539F874'],
  [2, '5A4FA9D909806C0D'],
  [3, '2D7EFBD796666785'],
  [7, '37D1018BF50002AB'],
  [8, '6224939A79F5F593'],
  [9, 'B0E4A90BDF82009E'],
  [15, 'E545BE4961CA29A1'],
  [16, 'DB9BC2577FCC2A3F'],
  [31, '42C341D8FA92D832'],
  [32, 'CE7CF2722F512771'],
  [33, 'E37859F94623F3A7'],
  [63, '724506EB4C328A95'],
];

test('SipHash-2-4 matches the reference vectors for every message length class', (t) => {
  const key = sipKeyFromBytes(Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex'));
  for (const [length, expected] of VECTORS) {
    const message = Buffer.from(Array.from({ length }, (_, i) => i));
    const h = sipHash24(key, message);
    const out = Buffer.alloc(8);
    out.writeUInt32LE(h[0]!, 0);
    out.writeUInt32LE(h[1]!, 4);
    t.is(out.toString('hex').toUpperCase(), expected, `${length}-byte message`);
  }
});

test('short ids: 48 bits, keyed by header and nonce', (t) => {
  const block = buildBlock({ miner: makeKey() });
  const txid = block.transactions[0]!.txid;
  const a = shortId(shortIdKey(block.header, 1n), txid);
  const b = shortId(shortIdKey(block.header, 2n), txid);
  t.true(Number.isInteger(a) && a >= 0 && a < 2 ** 48);
  t.not(a, b, 'another nonce gives another id');
  t.is(shortId(shortIdKey(block.header, 1n), txid), a, 'deterministic');
  const started = process.hrtime.bigint();
  const key = shortIdKey(block.header, 7n);
  for (let i = 0; i < 100_000; i++) shortId(key, txid);
  t.log(`100,000 short ids in ${Number(process.hrtime.bigint() - started) / 1e6} ms`);
});

const owner = makeKey();
const genesis = buildBlock({ miner: owner });
function blockWithTxs(n: number) {
  const funding = spend(owner, [outpoint(genesis.transactions[0]!)], Array.from({ length: n }, () => pay(owner, 1n)));
  const txs = [funding, ...Array.from({ length: n - 1 }, (_, i) => spend(owner, [outpoint(funding, i)], [pay(makeKey(), 1n)]))];
  return { txs, block: buildBlock({ parent: genesis, miner: makeKey(), txs, fees: 0n, coinbaseAmount: 1000n }) };
}

test('a compact block round-trips and is far smaller than its block', (t) => {
  const { block } = blockWithTxs(50);
  const compact = toCompactBlock(block);
  const bytes = encodeMessage(compact);
  const back = decodeMessage(MessageType.CompactBlock, bytes) as CompactBlockMessage;
  t.deepEqual(back.shortIds, compact.shortIds);
  t.is(back.prefilled.length, 1);
  t.is(back.prefilled[0]!.index, 0);
  t.true(back.header.hash.equals(block.hash));
  t.log(`block ${block.size} bytes, compact ${bytes.length} bytes (${((100 * bytes.length) / block.size).toFixed(1)} %)`);
  t.true(bytes.length * 10 < block.size);
});

test('rebuilding: from the pool alone, with gaps filled, and the full block on a mismatch', (t) => {
  const { txs, block } = blockWithTxs(20);
  const compact = toCompactBlock(block);
  const full = PartialBlock.from(compact, txs);
  t.true(full instanceof PartialBlock);
  const rebuilt = (full as PartialBlock).block();
  t.true(rebuilt?.hash.equals(block.hash) && rebuilt.computeMerkleRoot().equals(block.header.merkleRoot));

  const partial = PartialBlock.from(compact, txs.filter((_, i) => i % 3 !== 0)) as PartialBlock;
  const missing = partial.missing();
  t.deepEqual(missing, [1, 4, 7, 10, 13, 16, 19], 'block index = pool index + 1 (the coinbase is prefilled)');
  t.false(partial.fill(txs.slice(0, 2)), 'a wrong count is refused');
  t.true(partial.fill(missing.map((i) => block.transactions[i]!)));
  t.true(partial.block()?.hash.equals(block.hash));

  const wrong = PartialBlock.from(compact, txs.slice(1)) as PartialBlock;
  t.deepEqual(wrong.missing(), [1]);
  wrong.fill([txs[2]!]); // not the tx at index 1: a duplicate, and the root differs
  t.is(wrong.block(), undefined, 'a rebuilt block that does not match the merkle root is not used');
});

test('a block-txn answer that repeats a tx into a slot no pool tx filled rebuilds a mutated twin of the header\'s block: not used (CVE-2012-2459)', (t) => {
  const { txs, block } = blockWithTxs(2); // coinbase, a, b: the root pairs b with itself
  const compact = toCompactBlock(block);
  // The sender lists a third short id, matching nothing we hold, and answers it with b again: [cb, a, b, b] has the header's root.
  const padded: CompactBlockMessage = { ...compact, shortIds: [...compact.shortIds, 0x1234_5678] };
  const partial = PartialBlock.from(padded, txs) as PartialBlock;
  t.deepEqual(partial.missing(), [3]);
  t.true(partial.fill([txs[1]!]));
  t.is(partial.block(), undefined);
});

test('candidates can come as a visitor (the pool, with no list made of it): the same rebuild as from a list', (t) => {
  const { txs, block } = blockWithTxs(30);
  const compact = toCompactBlock(block);
  const visited = PartialBlock.from(compact, (visit) => {
    for (let i = txs.length - 1; i >= 0; i--) if (i % 4 !== 0) visit(txs[i]!);
  }) as PartialBlock;
  const listed = PartialBlock.from(compact, txs.filter((_, i) => i % 4 !== 0)) as PartialBlock;
  t.deepEqual(visited.missing(), listed.missing());
  t.true(visited.fill(visited.missing().map((i) => block.transactions[i]!)));
  t.true(visited.block()?.hash.equals(block.hash));
});

test('two equal short ids in a compact block mean: fetch the full block', (t) => {
  const { block } = blockWithTxs(3);
  const compact = toCompactBlock(block);
  const colliding: CompactBlockMessage = { ...compact, shortIds: [compact.shortIds[0]!, compact.shortIds[0]!, compact.shortIds[2]!] };
  t.is(PartialBlock.from(colliding, []), 'short-id-collision');
});

test('a pool tx offered twice fills its slot once (no false collision); txs not in the block are ignored', (t) => {
  const { txs, block } = blockWithTxs(3);
  const other = blockWithTxs(4).txs[3]!;
  const partial = PartialBlock.from(toCompactBlock(block), [txs[0]!, other, txs[1]!, txs[0]!, txs[2]!]) as PartialBlock;
  t.deepEqual(partial.missing(), []);
  t.true(partial.block()?.hash.equals(block.hash));
});

function writeVarint(w: BufferWriter, n: number) {
  return w.varint(n);
}

test('decoding bounds: counts over the limit, counts past the data, prefilled and requested indexes out of range', (t) => {
  const { block } = blockWithTxs(2);
  const header = block.header;
  const cases: Array<[string, number, Buffer]> = [];
  // cmpct-block claiming more short ids than the data holds
  const w1 = header.write(new BufferWriter()).u64(1n);
  cases.push(['short-id count past the data', MessageType.CompactBlock, writeVarint(w1, 1_000).finish()]);
  // over the limit
  const w2 = header.write(new BufferWriter()).u64(1n);
  writeVarint(w2, MAX_COMPACT_BLOCK_TXS + 1).bytes(Buffer.alloc((MAX_COMPACT_BLOCK_TXS + 1) * 6));
  cases.push(['short-id count over MAX_COMPACT_BLOCK_TXS', MessageType.CompactBlock, writeVarint(w2, 0).finish()]);
  // prefilled index past the block
  const w3 = header.write(new BufferWriter()).u64(1n).varint(1).bytes(Buffer.alloc(6)).varint(1).varint(5).bytes(block.transactions[0]!.encode());
  cases.push(['prefilled index past the block', MessageType.CompactBlock, w3.finish()]);
  // no transactions at all
  cases.push(['empty compact block', MessageType.CompactBlock, header.write(new BufferWriter()).u64(1n).varint(0).varint(0).finish()]);
  // get-block-txn index overflowing the limit
  cases.push(['requested index past any block', MessageType.GetBlockTxn, new BufferWriter().bytes(block.hash).varint(2).varint(5).varint(MAX_COMPACT_BLOCK_TXS).finish()]);
  cases.push(['get-block-txn count past the data', MessageType.GetBlockTxn, new BufferWriter().bytes(block.hash).varint(50_000).varint(0).finish()]);
  cases.push(['block-txn count past the data', MessageType.BlockTxn, new BufferWriter().bytes(block.hash).varint(9_000).finish()]);
  cases.push(['send-compact flag 2', MessageType.SendCompact, new BufferWriter().u8(2).u64(1n).finish()]);
  cases.push(['send-compact with a trailing byte', MessageType.SendCompact, new BufferWriter().u8(1).u64(1n).u8(0).finish()]);
  for (const [what, type, payload] of cases) {
    const err = t.throws(() => decodeMessage(type, payload), { instanceOf: WireError }, what);
    t.is(err?.code, 'malformed-payload', what);
  }
});
