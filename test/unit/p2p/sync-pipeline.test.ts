/**
 * Sync hands several downloaded blocks to the chain before the first is done (pipelined). A block
 * that fails must still stop the batch: blocks after it were already handed over, and must be
 * dropped quietly — not held as orphans, not a reason to start syncing from that peer again.
 */
import test from 'ava';
import type { Block } from '../../../src/primitives/block.js';
import { buildBlock, makeKey } from '../../helpers/fixtures.js';
import { buildChain, connect, startNode, tipHash, waitFor } from './net-helpers.js';
import { RawPeer } from './raw-peer.js';

const owner = makeKey();
const genesis = buildBlock({ miner: owner });
const BATCH_BLOCKS = 10;
const BAD_INDEX = 4;
/** Time for any wrongly restarted sync to send its get-blocks. */
const SETTLE_MS = 300;
const SECONDS_PER_HOUR = 3600;

/** Blocks 1..BATCH_BLOCKS on genesis where the one at BAD_INDEX is made by `bad` and the rest build on it. */
function batchWithBadBlock(bad: (parent: Block) => Block): Block[] {
  const good = buildChain(genesis, BAD_INDEX, owner);
  const badBlock = bad(good.at(-1) ?? genesis);
  return [...good, badBlock, ...buildChain(badBlock, BATCH_BLOCKS - BAD_INDEX - 1, owner)];
}

/** A raw peer that claims more work, answers the node's get-blocks with `blocks` and its first get-data with the blocks asked for (all, in a window of 16). */
async function serveBatch(port: number, blocks: readonly Block[]): Promise<RawPeer> {
  const raw = await RawPeer.connect(port);
  raw.sendHandshake({ genesisHash: genesis.hash, bestHeight: blocks.length, chainWork: 1n << 64n });
  await raw.waitFor('get-blocks');
  raw.send({ kind: 'headers', headers: blocks.map((b) => b.header) });
  const asked = await raw.waitFor('get-data');
  const items = asked.kind === 'get-data' ? asked.items : [];
  for (const block of blocks) if (items.some((item) => item.hash.equals(block.hash))) raw.send({ kind: 'block', block });
  return raw;
}

const getBlocksCount = (raw: RawPeer): number => raw.received.filter((m) => m.kind === 'get-blocks').length;

test('an invalid block mid-batch discourages the peer, keeps the blocks before it and orphans none after it', async (t) => {
  const blocks = batchWithBadBlock((parent) => buildBlock({ parent, miner: owner, coinbaseAmount: 1_000_000n }));
  const node = await startNode(t, { genesis, config: { maxBlocksInFlight: 16 } });
  const raw = await serveBatch(node.net.tcpPort, blocks);
  t.teardown(() => raw.destroy());
  await raw.waitClosed();
  await waitFor(() => tipHash(node) === blocks[BAD_INDEX - 1]!.hash.toString('hex'), 'the blocks before the bad one to connect');
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  t.is(node.chain.tip?.height, BAD_INDEX);
  t.is(node.net.stats().orphans, 0);
  t.false(node.chain.hasBlock(blocks[BAD_INDEX + 1]!.hash));
  t.true(node.net.discouraged().length > 0, 'the sender is discouraged');
  t.false(node.net.stats().syncing);
});

test('a future-dated block mid-batch stops the sync without a penalty, orphans or a restart loop', async (t) => {
  const blocks = batchWithBadBlock((parent) => buildBlock({ parent, miner: owner, timestamp: Math.floor(Date.now() / 1000) + 3 * SECONDS_PER_HOUR }));
  const node = await startNode(t, { genesis, config: { maxBlocksInFlight: 16 } });
  const raw = await serveBatch(node.net.tcpPort, blocks);
  t.teardown(() => raw.destroy());
  await waitFor(() => !node.net.stats().syncing, 'the sync to end');
  // Its header is refused as time-too-new (sync-header-times.test.ts): its body and those after it are never asked for.
  const asked = raw.received.flatMap((m) => (m.kind === 'get-data' ? m.items : []));
  t.false(asked.some((item) => blocks.slice(BAD_INDEX).some((b) => b.hash.equals(item.hash))), 'no body from the future-dated block on requested');
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  t.is(node.chain.tip?.height, BAD_INDEX);
  t.is(node.net.stats().orphans, 0);
  t.is(getBlocksCount(raw), 1, 'the peer is not asked again for the branch it could not deliver');
  t.false(raw.closed);
  t.deepEqual(node.net.discouraged(), []);
});

test('sync hands the chain blocks by its submit window (work), not by the per-peer download window', async (t) => {
  const BLOCKS = 40;
  const PER_PEER = 4;
  const blocks = buildChain(genesis, BLOCKS, owner);
  const source = await startNode(t, { genesis, blocks });
  const fresh = await startNode(t, { genesis, config: { maxBlocksInFlight: PER_PEER } });
  // Hold every block before the chain sees it: nothing settles, so what the sync hands over is its window.
  const processBlock = fresh.chain.processBlock.bind(fresh.chain);
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let handed = 0;
  fresh.chain.processBlock = (block, options) => {
    handed++;
    return gate.then(() => processBlock(block, options));
  };
  await connect(fresh, source);
  await waitFor(() => handed === BLOCKS, `all ${BLOCKS} coinbase-only blocks handed over before any settled`);
  t.log(`handed to the chain before the first settled: ${handed} (per-peer window ${PER_PEER})`);
  t.true(fresh.net.stats().peakBlocksInFlight <= PER_PEER, 'the download still keeps the per-peer window');
  open();
  await waitFor(() => tipHash(fresh) === tipHash(source), 'the sync to finish once the chain runs');
  t.is(fresh.chain.tip?.height, BLOCKS);
});
