/**
 * Multi-peer sync (sync-session.ts, sync-download.ts): bodies spread over every source, a peer
 * that withholds the block the chain needs next loses it to the others and is dropped, and
 * assumevalid skips signature checks only for ancestors of its block in the source's headers.
 */
import test from 'ava';
import type { Block } from '../../../src/primitives/block.js';
import { sign } from '../../../src/primitives/secp256k1.js';
import { buildBlock, makeKey, outpoint, pay, spend } from '../../helpers/fixtures.js';
import { buildChain, startNode, tipHash, waitFor } from './net-helpers.js';
import { RawPeer } from './raw-peer.js';

const owner = makeKey();
const genesis = buildBlock({ miner: owner });
const SYNC_TIMEOUT_MS = 60_000;

const getDataCount = (node: { net: { stats(): { received: Record<string, number | undefined> } } }): number => node.net.stats().received['get-data'] ?? 0;

test('a fresh node takes bodies from every source that has them, within the per-peer window', async (t) => {
  const blocks = buildChain(genesis, 600, owner);
  const sources = await Promise.all([0, 1, 2].map(() => startNode(t, { genesis, blocks })));
  const fresh = await startNode(t, { genesis, config: { maxBlocksInFlight: 8 } });
  for (const source of sources) fresh.net.addPeer('127.0.0.1', source.net.tcpPort);
  await waitFor(() => tipHash(fresh) === tipHash(sources[0]!), 'the fresh node to sync', SYNC_TIMEOUT_MS);
  const asked = sources.map(getDataCount);
  t.log(`get-data messages per source: ${asked.join(', ')}; peak bodies in flight ${fresh.net.stats().peakBlocksInFlight}`);
  t.true(asked.filter((n) => n > 0).length >= 2, 'bodies came from more than one source');
  t.true(fresh.net.stats().peakBlocksInFlight <= 8 * 3, 'at most the per-peer window per source');
  t.log(`the chain waited ${fresh.net.stats().syncWaitedForBlocksMs} ms in all for downloads`);
  t.false(fresh.net.stats().syncing);
});

test('a peer that withholds the block the chain needs next loses its blocks to others and is dropped, not punished', async (t) => {
  const blocks = buildChain(genesis, 150, owner);
  const source = await startNode(t, { genesis, blocks });
  const fresh = await startNode(t, { genesis, config: { blockStallTimeoutMs: 300, syncStallTimeoutMs: 10_000, peerTimeoutMs: 30_000 } });
  // Claims every block (height 150) but less work than the source, so it is never the header source; answers pings, never get-data.
  const withholder = await RawPeer.connect(fresh.net.tcpPort);
  t.teardown(() => withholder.destroy());
  withholder.pongBestHeight = 150;
  withholder.pongChainWork = 1n;
  withholder.sendHandshake({ genesisHash: genesis.hash, bestHeight: 150, chainWork: 1n });
  await waitFor(() => fresh.net.peers().some((p) => p.ready), 'the withholder to be ready');
  fresh.net.addPeer('127.0.0.1', source.net.tcpPort);
  await withholder.waitFor('get-data', 10_000);
  await waitFor(() => tipHash(fresh) === tipHash(source), 'the sync to complete without the withholder', SYNC_TIMEOUT_MS);
  await waitFor(() => withholder.closed, 'the withholder to be dropped');
  t.is(fresh.chain.tip?.height, 150);
  t.deepEqual(fresh.net.discouraged(), [], 'a staller is dropped, not discouraged');
  const waited = fresh.net.stats().syncWaitedForBlocksMs;
  t.log(`the chain waited ${waited} ms for downloads (block-stall timeout 300 ms)`);
  t.true(waited >= 100, 'the chain sat idle while the withheld block was late: the wait is counted');
});

test('a peer that sends each block it is asked for in time, but slowly, has its run asked of a waiting peer too: the sync does not wait for it, it is kept, its late copies are not held against it', async (t) => {
  const blocks = buildChain(genesis, 150, owner);
  const byHash = new Map(blocks.map((b) => [b.hashHex, b]));
  const source = await startNode(t, { genesis, blocks });
  const fresh = await startNode(t, { genesis, config: { syncStallTimeoutMs: 10_000, peerTimeoutMs: 30_000 } });
  const closedReasons: string[] = [];
  fresh.net.on('peer:closed', (_label, reason) => closedReasons.push(reason));
  // Claims every block but less work than the source (never the header source); sends what it is
  // asked for in order, one block every 150 ms: each well inside the 2 s block-stall timeout.
  const dripper = await RawPeer.connect(fresh.net.tcpPort);
  t.teardown(() => dripper.destroy());
  dripper.pongBestHeight = 150;
  dripper.pongChainWork = 1n;
  const asked: Block[] = [];
  let sent = 0;
  dripper.onMessage = (msg) => {
    if (msg.kind !== 'get-data') return;
    for (const item of msg.items) {
      const found = byHash.get(item.hash.toString('hex'));
      if (found) asked.push(found);
    }
  };
  const drip = setInterval(() => {
    const next = asked.shift();
    if (next && !dripper.closed) {
      dripper.send({ kind: 'block', block: next });
      sent++;
    }
  }, 150);
  t.teardown(() => clearInterval(drip));
  dripper.sendHandshake({ genesisHash: genesis.hash, bestHeight: 150, chainWork: 1n });
  await waitFor(() => fresh.net.peers().some((p) => p.ready), 'the dripper to be ready');
  fresh.net.addPeer('127.0.0.1', source.net.tcpPort);
  await dripper.waitFor('get-data', 10_000);
  const requested = asked.length + sent;
  await waitFor(() => tipHash(fresh) === tipHash(source), 'the sync to complete', SYNC_TIMEOUT_MS);
  const sentWhenSynced = sent;
  t.log(`the dripper was asked for ${requested} blocks and had sent ${sentWhenSynced} when the sync completed`);
  t.true(sentWhenSynced < requested, 'the sync did not wait for the rest of its run');
  await new Promise((resolve) => setTimeout(resolve, 1_000)); // more of its late copies arrive
  t.is(fresh.chain.tip?.height, 150);
  t.false(dripper.closed, `it answers in time: kept (${closedReasons.join('; ')})`);
  t.deepEqual(fresh.net.discouraged(), [], 'nor punished');
});

/** genesis → a block whose tx carries a signature by the wrong key → 5 good blocks. */
function chainWithBadSignature(): Block[] {
  const payee = makeKey();
  const good = spend(owner, [outpoint(genesis.transactions[0]!)], [pay(payee, 100n), pay(owner, 890n)]);
  const forged = good.withSignature(0, sign(good.sighash(0), makeKey().privateKey));
  const bad = buildBlock({ parent: genesis, miner: owner, txs: [forged], fees: 10n });
  return [bad, ...buildChain(bad, 5, owner)];
}

test('assumevalid: ancestors of its block skip signature checks; without it (or with an unknown hash) the forged block is refused', async (t) => {
  const blocks = chainWithBadSignature();
  const source = await startNode(t, { genesis });
  for (const block of blocks) await source.chain.processBlock(block, { skipSignatures: true });
  t.is(source.chain.tip?.height, 6);
  const tip = blocks.at(-1)!.hash;
  const trusting = await startNode(t, { genesis, assumeValid: tip });
  const checking = await startNode(t, { genesis });
  const elsewhere = await startNode(t, { genesis, assumeValid: Buffer.alloc(32, 7) });
  // Manual peers are exempt from discouragement: a refused block shows as a misbehaviour disconnect.
  const refusals = [checking, elsewhere].map((node) => {
    const reasons: string[] = [];
    node.net.on('peer:closed', (_address, reason) => reasons.push(reason));
    return reasons;
  });
  for (const node of [trusting, checking, elsewhere]) node.net.addPeer('127.0.0.1', source.net.tcpPort);
  await waitFor(() => tipHash(trusting) === tip.toString('hex'), 'the assumevalid node to sync', SYNC_TIMEOUT_MS);
  await waitFor(() => refusals.every((reasons) => reasons.some((r) => r.includes('misbehaviour'))), 'the checking nodes to refuse the forged block');
  t.log(`disconnect reasons: ${refusals.map((r) => r.join('; ')).join(' | ')}`);
  t.true(refusals.every((reasons) => reasons.some((r) => r.includes('bad-txns-signature'))));
  t.is(checking.chain.tip?.height, 0);
  t.is(elsewhere.chain.tip?.height, 0);
});

test('headers run ahead of the bodies; a next batch that does not continue the queued one (the source reorged) restarts the sync from our chain', async (t) => {
  const branch = buildChain(genesis, 2_000, owner, { tag: 'x' });
  const rival = buildChain(genesis, 5, owner, { tag: 'y' });
  const node = await startNode(t, { genesis, config: { syncStallTimeoutMs: 10_000 } });
  const raw = await RawPeer.claimingBetterChain(t, node, genesis.hash, 5_000);
  raw.send({ kind: 'headers', headers: branch.map((b) => b.header) });
  // A full batch: the next headers are asked for at once, before any body arrives.
  const getBlocks = (): Array<{ locator: readonly Buffer[] }> => raw.received.filter((m): m is Extract<typeof m, { kind: 'get-blocks' }> => m.kind === 'get-blocks');
  await waitFor(() => getBlocks().length >= 2, 'the look-ahead get-blocks');
  t.false(raw.received.some((m) => m.kind === 'block'), 'no body was needed to ask for more headers');
  t.true(getBlocks()[1]!.locator[0]!.equals(branch.at(-1)!.hash), 'it continues after the last queued header');
  // The source now follows another branch: its reply does not continue the queue.
  raw.send({ kind: 'headers', headers: rival.map((b) => b.header) });
  await waitFor(() => getBlocks().length >= 3, 'a new sync from our own chain').catch((err: Error) => {
    throw new Error(`${err.message}: received ${raw.received.map((m) => m.kind).join(',')}; syncing ${node.net.stats().syncing}; closed ${raw.closed}`);
  });
  t.true(getBlocks()[2]!.locator[0]!.equals(genesis.hash), 'the new sync starts from our chain, not the abandoned queue');
  t.false(raw.closed, 'switching branches is no misbehaviour');
  t.deepEqual(node.net.discouraged(), []);
});
