import test from 'ava';
import { SUMMARY_CACHE_ENTRIES, blockSummary, blocksView, storedSummary, summaryCacheSize, summaryFromBytes } from '../../../src/explorer/index.js';
import { Block } from '../../../src/primitives/block.js';
import { DecodeError } from '../../../src/util/errors.js';
import { FakeChain, FakeMempool, PKHS, chainBlock, fakeSpend, generateChain, noIndex } from '../../helpers/explorer-fakes.js';

/** The most bytes a summary asked the store for. */
let mostPrefixBytes = 0;

/** A chain whose blocks can be read as bytes but never decoded: a decode fails the test. */
function bytesOnly(blocks: readonly Block[]): { chain: FakeChain; reads: () => number } {
  const chain = new FakeChain();
  for (const b of blocks) chain.connect(b, false);
  let reads = 0;
  const getBlockPrefix = chain.getBlockPrefix.bind(chain);
  chain.getBlock = () => {
    throw new Error('a summary decoded a whole block');
  };
  chain.getBlockPrefix = (hash, bytes) => {
    reads++;
    mostPrefixBytes = Math.max(mostPrefixBytes, bytes);
    return getBlockPrefix(hash, bytes);
  };
  return { chain, reads: () => reads };
}

test('getblocks summaries come from the stored bytes, never a decode, and equal the decoded block\'s', (t) => {
  const blocks = generateChain(30, undefined, 41);
  const { chain } = bytesOnly(blocks);
  const page = blocksView({ chain, mempool: new FakeMempool(), index: noIndex }, 0, 30);
  t.deepEqual(page, blocks.map((b) => blockSummary(b)));
  t.true(mostPrefixBytes > 0 && mostPrefixBytes <= 100, `read at most 100 bytes of each block (read ${mostPrefixBytes})`);
});

test('a page read twice reads the store once: summaries are cached by hash, and the cache is bounded', (t) => {
  const blocks = generateChain(SUMMARY_CACHE_ENTRIES + 300, undefined, 42);
  const { chain, reads } = bytesOnly(blocks);
  const src = { chain, mempool: new FakeMempool(), index: noIndex };
  const first = blocksView(src, 500, 100);
  t.is(reads(), 100);
  t.deepEqual(blocksView(src, 500, 100), first);
  t.is(reads(), 100, 'the second page came from the cache');
  for (let start = 0; start < blocks.length; start += 100) blocksView(src, start, 100);
  t.log(`${blocks.length} blocks summarised, ${summaryCacheSize()} kept`);
  t.true(summaryCacheSize() <= SUMMARY_CACHE_ENTRIES);
  t.is(storedSummary(chain, Buffer.alloc(32, 0xee)), undefined, 'an unknown block has no summary');
});

test('a summary of bytes too short for a header and a count is a DecodeError, not a wrong answer', (t) => {
  const block = generateChain(1, undefined, 43)[0]!;
  t.like(summaryFromBytes(block.hashHex, block.encode()), { height: 0, txs: 1, size: block.size });
  t.throws(() => summaryFromBytes(block.hashHex, block.encode().subarray(0, 80)), { instanceOf: DecodeError });
});

test('figures: 100 blocks of ~170 kB summarised from bytes vs decoded', (t) => {
  const chain = new FakeChain();
  let parent: Block | undefined;
  for (let h = 0; h < 100; h++) {
    const txs = Array.from({ length: 1_000 }, (_, i) => fakeSpend([{ txid: Buffer.alloc(32, (h * 7 + i) & 0xff), index: i }], [{ amount: 1n, pubKeyHash: PKHS[0]! }]));
    const block = chainBlock(parent, PKHS[1]!, txs, 44);
    chain.stored.set(block.hashHex, block);
    chain.active.push(block);
    parent = block;
  }
  const bytes = chain.active.map((b) => b.encode());
  const t0 = process.hrtime.bigint();
  for (const b of bytes) blockSummary(Block.decode(b));
  const decodeMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const t1 = process.hrtime.bigint();
  for (const [i, b] of bytes.entries()) summaryFromBytes(chain.active[i]!.hashHex, b.subarray(0, 100), b.length);
  const bytesMs = Number(process.hrtime.bigint() - t1) / 1e6;
  t.log(`${(bytes[0]!.length / 1e3).toFixed(0)} kB blocks ×100: decode ${decodeMs.toFixed(1)} ms, from bytes ${bytesMs.toFixed(2)} ms`);
  t.pass();
});
