/**
 * Compact relay as an attacker sees it: work only for a block that would be our next tip, a
 * bounded number of rebuilds per block and in all, one peer's bad answer never costing another
 * peer its rebuild, and a block that connected another way ending every rebuild of it.
 */
import test from 'ava';
import type { Relay } from '../../../src/p2p/relay.js';
import { toCompactBlock } from '../../../src/p2p/compact/partial-block.js';
import { CompactSender, getBlockTxnServeItems } from '../../../src/p2p/compact/compact-sender.js';
import type { Chain } from '../../../src/chain/chain.js';
import type { Peer } from '../../../src/p2p/peer.js';
import { COMPACT_BLOCK_TXN_TIMEOUT_MS, COMPACT_SERVE_DEPTH_BLOCKS, MAX_COMPACT_REBUILDS_PER_BLOCK, REQUEST_EXPIRY_MS, MAX_PENDING_COMPACT_BLOCKS, MAX_PENDING_COMPACT_BLOCKS_PER_PEER, MAX_SERVE_QUEUE_ITEMS } from '../../../src/p2p/constants.js';
import { MAX_COMPACT_BLOCK_TXS, type WireMessage } from '../../../src/p2p/wire/index.js';
import { buildBlock, makeKey, outpoint, pay, spend } from '../../helpers/fixtures.js';
import { buildChain, startNode, tipHash, waitFor, type TestNode } from './net-helpers.js';
import { RawPeer } from './raw-peer.js';

const owner = makeKey();
const genesis = buildBlock({ miner: owner });

/** A valid tx on genesis that is never offered to any pool, so its slot is always asked for. */
const unknownTx = () => spend(owner, [outpoint(genesis.transactions[0]!)], [pay(makeKey(), 10n)]);
/** A child of genesis holding one tx the node lacks; `tag` makes siblings distinct. */
const sibling = (tag: string) => buildBlock({ parent: genesis, miner: makeKey(), txs: [unknownTx()], extraData: Buffer.from(tag), coinbaseAmount: 1000n });

const compactOf = (node: TestNode) => (node.net as unknown as { relayStack: { relay: Relay } }).relayStack.relay.compact;
const count = (raw: RawPeer, kind: WireMessage['kind']) => raw.received.filter((m) => m.kind === kind).length;
const settle = (ms = 300) => new Promise((resolve) => setTimeout(resolve, ms));

test('a compact block that would not become our tip is fetched whole, never rebuilt; one that would win a reorg is rebuilt', async (t) => {
  const node = await startNode(t, { genesis });
  const tip = sibling('tip');
  await node.chain.processBlock(tip);
  const raw = await RawPeer.ready(t, node, genesis.hash);
  const stale = sibling('stale'); // parent genesis, height 1: no more work than our tip
  raw.send(toCompactBlock(stale));
  const getData = (await raw.waitFor('get-data')) as WireMessage & { kind: 'get-data' };
  t.deepEqual(getData.items.map((i) => [i.type, i.hash.toString('hex')]), [['block', stale.hashHex]]);
  t.is(count(raw, 'get-block-txn'), 0, 'no get-block-txn: nothing was rebuilt');
  t.is(compactOf(node).pendingTotal(), 0);

  // The stale block stored as a side branch (as a sync fetches it: sent unasked, a block of no more
  // work than our tip is not stored, unrequested-blocks.test.ts); its child would win a reorg: rebuilt.
  t.is((await node.chain.processBlock(stale)).status, 'side-branch');
  const winner = buildBlock({ parent: stale, miner: makeKey(), txs: [unknownTx()], coinbaseAmount: 1000n });
  raw.send(toCompactBlock(winner));
  await raw.waitFor('get-block-txn');
  t.is(compactOf(node).pendingTotal(), 1);

  // The header lies about its height (parent our tip, height 5): fetched whole, not rebuilt.
  const liar = buildBlock({ parent: tip, miner: makeKey(), txs: [unknownTx()], coinbaseAmount: 1000n, headerOverrides: { height: 5 } });
  raw.send(toCompactBlock(liar));
  await waitFor(() => raw.received.some((m) => m.kind === 'get-data' && m.items.some((i) => i.hash.equals(liar.hash))), 'the liar to be asked whole');
  t.is(count(raw, 'get-block-txn'), 1, 'only the reorg winner was rebuilt');
});

test(`the same block is rebuilt through at most ${MAX_COMPACT_REBUILDS_PER_BLOCK} peers at once; a 4th sender is not asked for its txs`, async (t) => {
  const node = await startNode(t, { genesis });
  const raws: RawPeer[] = [];
  for (let i = 0; i < MAX_COMPACT_REBUILDS_PER_BLOCK + 1; i++) raws.push(await RawPeer.ready(t, node, genesis.hash));
  const block = sibling('shared');
  for (const [i, raw] of raws.entries()) {
    raw.send(toCompactBlock(block));
    if (i < MAX_COMPACT_REBUILDS_PER_BLOCK) await raw.waitFor('get-block-txn');
  }
  await settle();
  const asked = raws.map((raw) => count(raw, 'get-block-txn'));
  t.log(`get-block-txn per sender: ${asked.join(', ')}`);
  t.deepEqual(asked, [1, 1, 1, 0]);
  t.is(compactOf(node).pendingTotal(), MAX_COMPACT_REBUILDS_PER_BLOCK);
  // Any one answer completes it; the other rebuilds end when it connects, their late answers are ignored.
  raws[1]!.send({ kind: 'block-txn', blockHash: block.hash, transactions: [block.transactions[1]!] });
  await waitFor(() => tipHash(node) === block.hashHex, 'the block to connect');
  t.is(compactOf(node).pendingTotal(), 0, 'the other rebuilds ended with the connected block');
  raws[0]!.send({ kind: 'block-txn', blockHash: block.hash, transactions: [block.transactions[1]!] });
  await settle();
  t.true(raws.every((raw) => !raw.closed), 'nobody punished');
});

test(`rebuilds pending from all peers are bounded (${MAX_PENDING_COMPACT_BLOCKS}): beyond, the block is fetched whole`, async (t) => {
  const node = await startNode(t, { genesis });
  const peers = Math.ceil((MAX_PENDING_COMPACT_BLOCKS + 1) / MAX_PENDING_COMPACT_BLOCKS_PER_PEER);
  const raws: RawPeer[] = [];
  for (let i = 0; i < peers; i++) raws.push(await RawPeer.ready(t, node, genesis.hash));
  const blocks = Array.from({ length: MAX_PENDING_COMPACT_BLOCKS + 1 }, (_, i) => sibling(`b${i}`));
  for (const [i, block] of blocks.entries()) {
    const raw = raws[Math.floor(i / MAX_PENDING_COMPACT_BLOCKS_PER_PEER)]!;
    const before = count(raw, 'get-block-txn') + count(raw, 'get-data');
    raw.send(toCompactBlock(block));
    await waitFor(() => count(raw, 'get-block-txn') + count(raw, 'get-data') > before, `an answer to compact block ${i}`);
  }
  const lastHash = blocks.at(-1)!.hash;
  const received = raws.at(-1)!.received;
  t.true(received.some((m) => m.kind === 'get-data' && m.items.some((i) => i.type === 'block' && i.hash.equals(lastHash))), `compact block ${MAX_PENDING_COMPACT_BLOCKS + 1} is asked whole`);
  t.false(received.some((m) => m.kind === 'get-block-txn' && m.blockHash.equals(lastHash)), 'and not rebuilt');
  t.is(compactOf(node).pendingTotal(), MAX_PENDING_COMPACT_BLOCKS);
  t.log(`get-block-txn sent: ${raws.map((raw) => count(raw, 'get-block-txn')).join(', ')}`);
});

test("peer A's bad block-txn costs A only: B's rebuild of the same block goes on and B is not punished", async (t) => {
  const node = await startNode(t, { genesis });
  const a = await RawPeer.ready(t, node, genesis.hash);
  const b = await RawPeer.ready(t, node, genesis.hash);
  const block = sibling('contested');
  a.send(toCompactBlock(block));
  await a.waitFor('get-block-txn');
  b.send(toCompactBlock(block));
  await b.waitFor('get-block-txn');
  a.send({ kind: 'block-txn', blockHash: block.hash, transactions: [] }); // asked 1, answered 0
  await a.waitClosed();
  t.is(compactOf(node).pendingTotal(), 1, "B's rebuild is still pending");
  b.send({ kind: 'block-txn', blockHash: block.hash, transactions: [block.transactions[1]!] });
  await waitFor(() => tipHash(node) === block.hashHex, "the block rebuilt from B's answer to connect");
  t.false(b.closed);
  t.is(compactOf(node).stats.rebuiltWithBlockTxn, 1);
});

test('a rebuild whose block connected another way is dropped at once: no full-block fetch after the timeout', async (t) => {
  const node = await startNode(t, { genesis });
  const staller = await RawPeer.ready(t, node, genesis.hash);
  const other = await RawPeer.ready(t, node, genesis.hash);
  const block = sibling('raced');
  staller.send(toCompactBlock(block));
  await staller.waitFor('get-block-txn');
  other.send({ kind: 'block', block }); // as header sync's fetch would bring it
  await waitFor(() => tipHash(node) === block.hashHex, 'the whole block to connect');
  t.is(compactOf(node).pendingTotal(), 0);
  compactOf(node).expire(Date.now() + 60_000);
  await settle();
  t.is(count(staller, 'get-data'), 0, 'the stalling peer is not asked for a block we have');
  t.is(compactOf(node).stats.fellBack, 0);
});

test('header sync fetching a block that a compact relayer delivers first: an invalid body costs the relayer only a reject', async (t) => {
  const node = await startNode(t, { genesis });
  // The coinbase claims more than the reward: a valid header (PoW, parent our tip), an invalid body.
  const greedy = buildBlock({ parent: genesis, miner: makeKey(), coinbaseAmount: 5_000n });
  const source = await RawPeer.claimingBetterChain(t, node, genesis.hash, 1);
  source.send({ kind: 'headers', headers: [greedy.header] });
  await waitFor(() => source.received.some((m) => m.kind === 'get-data' && m.items.some((i) => i.hash.equals(greedy.hash))), 'sync to ask the source for the block');
  // The source does not answer yet: the same block comes as a compact block, rebuilt from the coinbase alone.
  const relayer = await RawPeer.ready(t, node, genesis.hash);
  relayer.send(toCompactBlock(greedy));
  const reject = (await relayer.waitFor('reject')) as WireMessage & { kind: 'reject' };
  t.is(reject.code, 'bad-cb-amount');
  await settle();
  t.false(relayer.closed, 'the relayer of a block with a valid header is not punished, whoever else is fetching it');
  t.is(compactOf(node).stats.rebuiltFromPool, 1);
});

test('a queued get-block-txn weighs by its index count: a non-reader can park at most ~8 MB of index lists, an honest request for every tx still fits', (t) => {
  const weights: number[] = [];
  const sender = new CompactSender({
    chain: {} as unknown as Chain, // the serving task is never run here
    serve: (_peer, items) => weights.push(items),
    countUnknown: () => true,
    stats: { received: 0, rebuiltFromPool: 0, rebuiltWithBlockTxn: 0, txsRequested: 0, fellBack: 0, sent: 0 },
  });
  const peer = {} as unknown as Peer;
  for (const n of [0, 1, 100, 101, MAX_COMPACT_BLOCK_TXS]) sender.onGetBlockTxn(peer, { kind: 'get-block-txn', blockHash: genesis.hash, indexes: Array.from({ length: n }, (_, i) => i) });
  t.deepEqual(weights, [1, 1, 1, 2, getBlockTxnServeItems(MAX_COMPACT_BLOCK_TXS)]);
  const largest = getBlockTxnServeItems(MAX_COMPACT_BLOCK_TXS);
  t.true(largest <= MAX_SERVE_QUEUE_ITEMS, 'a request for every tx of the largest block is never refused as a full queue');
  const parkedBytes = Math.floor(MAX_SERVE_QUEUE_ITEMS / largest) * MAX_COMPACT_BLOCK_TXS * 8;
  t.log(`largest get-block-txn weighs ${largest} items; a full serve queue holds ${(parkedBytes / 1e6).toFixed(1)} MB of indexes (at weight 1: ${((MAX_SERVE_QUEUE_ITEMS * MAX_COMPACT_BLOCK_TXS * 8) / 1e9).toFixed(1)} GB)`);
  t.true(parkedBytes <= 16_000_000);
});

test('a compact block replayed after it was rebuilt (its body invalid, so never in the chain) is not rebuilt again', async (t) => {
  const node = await startNode(t, { genesis });
  const raw = await RawPeer.ready(t, node, genesis.hash);
  const greedy = buildBlock({ parent: genesis, miner: makeKey(), coinbaseAmount: 5_000n });
  raw.send(toCompactBlock(greedy));
  await raw.waitFor('reject');
  for (let i = 0; i < 5; i++) raw.send(toCompactBlock(greedy));
  await waitFor(() => compactOf(node).stats.received === 6, 'the replays to arrive');
  await settle();
  t.is(compactOf(node).stats.rebuiltFromPool, 1, 'one pass over the pool, not six');
  t.is(count(raw, 'reject'), 1);
  t.false(raw.closed);
});

test('get-block-txn cycling through every servable block decodes each block once (the recent-block cache covers them all)', async (t) => {
  const chain = buildChain(genesis, COMPACT_SERVE_DEPTH_BLOCKS + 4, makeKey());
  const node = await startNode(t, { genesis, blocks: chain });
  const servable = chain.slice(-(COMPACT_SERVE_DEPTH_BLOCKS + 1)); // tip and the 10 below it
  let decodes = 0;
  const getBlock = node.chain.getBlock.bind(node.chain);
  node.chain.getBlock = (hash) => {
    decodes++;
    return getBlock(hash);
  };
  const raw = await RawPeer.ready(t, node, genesis.hash);
  const rounds = 3;
  for (let round = 0; round < rounds; round++) {
    for (const block of servable) raw.send({ kind: 'get-block-txn', blockHash: block.hash, indexes: [0] });
    await waitFor(() => count(raw, 'block-txn') === (round + 1) * servable.length, `round ${round + 1} of block-txn answers`);
  }
  t.log(`${rounds * servable.length} get-block-txn over ${servable.length} blocks: ${decodes} block decodes`);
  t.is(decodes, servable.length, 'each servable block decoded once');
  t.false(raw.closed);
});

test("a failed rebuild asks its peer for the whole block at once, even while another peer's rebuild of it is pending", async (t) => {
  const node = await startNode(t, { genesis });
  const unlucky = await RawPeer.ready(t, node, genesis.hash);
  const staller = await RawPeer.ready(t, node, genesis.hash);
  const block = sibling('fallback');
  staller.send(toCompactBlock(block));
  await staller.waitFor('get-block-txn'); // and never answers
  unlucky.send(toCompactBlock(block));
  await unlucky.waitFor('get-block-txn');
  // The right number of txs, but not the block's: the rebuild fails its merkle check (no penalty).
  unlucky.send({ kind: 'block-txn', blockHash: block.hash, transactions: [unknownTx()] });
  const getData = (await unlucky.waitFor('get-data', 2_000)) as WireMessage & { kind: 'get-data' };
  t.deepEqual(getData.items.map((i) => [i.type, i.hash.toString('hex')]), [['block', block.hashHex]], 'asked whole now, not after the staller times out');
  unlucky.send({ kind: 'block', block });
  await waitFor(() => tipHash(node) === block.hashHex, 'the whole block to connect');
  t.false(unlucky.closed);
  t.is(compactOf(node).pendingTotal(), 0, "the staller's rebuild ended with the connected block");
});

test("one peer's junk compact block of a new block does not stop an honest peer's compact block of it from being rebuilt", async (t) => {
  const node = await startNode(t, { genesis });
  const junk = await RawPeer.ready(t, node, genesis.hash);
  const honest = await RawPeer.ready(t, node, genesis.hash);
  const block = buildBlock({ parent: genesis, miner: makeKey(), extraData: Buffer.from('first-junk'), coinbaseAmount: 1000n });
  // The real header, two equal short ids: rebuilding fails at once ('short-id-collision', never punished).
  junk.send({ ...toCompactBlock(block), shortIds: [7, 7] });
  await junk.waitFor('get-data'); // asked whole, and it never answers: the request is its for REQUEST_EXPIRY_MS
  honest.send(toCompactBlock(block));
  await waitFor(() => tipHash(node) === block.hashHex, `the honest compact block to be rebuilt (not after the ${REQUEST_EXPIRY_MS / 1000} s expiry)`, REQUEST_EXPIRY_MS / 3);
  t.log(`rebuilt from the pool: ${compactOf(node).stats.rebuiltFromPool}; get-data to the honest peer: ${count(honest, 'get-data')}`);
  t.is(compactOf(node).stats.rebuiltFromPool, 1);
  t.false(junk.closed, 'a failed rebuild is no fault (BIP152)');
});

test('a peer at its bound of pending rebuilds gets no further pass over the pool: its next compact block is fetched whole even if the pool could rebuild it', async (t) => {
  const node = await startNode(t, { genesis });
  const raw = await RawPeer.ready(t, node, genesis.hash);
  for (let i = 0; i < MAX_PENDING_COMPACT_BLOCKS_PER_PEER; i++) {
    raw.send(toCompactBlock(sibling(`held${i}`)));
    await waitFor(() => count(raw, 'get-block-txn') === i + 1, `get-block-txn ${i + 1}`);
  }
  const coinbaseOnly = buildBlock({ parent: genesis, miner: makeKey(), extraData: Buffer.from('empty'), coinbaseAmount: 1000n });
  raw.send(toCompactBlock(coinbaseOnly));
  await waitFor(() => raw.received.some((m) => m.kind === 'get-data' && m.items.some((i) => i.hash.equals(coinbaseOnly.hash))), 'the block to be asked whole');
  t.is(compactOf(node).stats.rebuiltFromPool, 0, 'not rebuilt: the bound comes before the pool');
});

test('blocks pushed on before validation: the first at each height only, so siblings with bad bodies are not all relayed to high-bandwidth peers', async (t) => {
  const node = await startNode(t, { genesis });
  const listener = await RawPeer.ready(t, node, genesis.hash);
  listener.send({ kind: 'send-compact', highBandwidth: true, version: 1n });
  await waitFor(() => (node.net.stats().received['send-compact'] ?? 0) > 0, 'the node to read send-compact');
  const sender = await RawPeer.ready(t, node, genesis.hash);
  // Valid headers (PoW, parent our tip) and merkle roots, bodies that claim too much: none connects.
  // Sent as compact blocks (rebuilt from the coinbase alone): a reject each, no penalty.
  const junk = [0, 1, 2].map((i) => buildBlock({ parent: genesis, miner: makeKey(), coinbaseAmount: 5_000n, extraData: Buffer.from(`junk${i}`) }));
  for (const block of junk) sender.send(toCompactBlock(block));
  await waitFor(() => count(sender, 'reject') === junk.length, 'the three to be refused');
  await settle();
  t.is(count(listener, 'cmpct-block'), 1, 'one early push for height 1, not three');
  const good = buildBlock({ parent: genesis, miner: makeKey(), extraData: Buffer.from('good'), coinbaseAmount: 1000n });
  sender.send({ kind: 'block', block: good });
  await waitFor(() => tipHash(node) === good.hashHex, 'the valid block to connect');
  await waitFor(() => count(listener, 'cmpct-block') === 2, 'the connected block to be pushed once connected');
  t.pass();
});

test(`${MAX_COMPACT_REBUILDS_PER_BLOCK} peers that start rebuilds of a block and never answer cannot make us forget an honest announcer: it is asked when they time out`, async (t) => {
  const node = await startNode(t, { genesis });
  const stallers: RawPeer[] = [];
  for (let i = 0; i < MAX_COMPACT_REBUILDS_PER_BLOCK; i++) stallers.push(await RawPeer.ready(t, node, genesis.hash));
  const honest = await RawPeer.ready(t, node, genesis.hash);
  const block = sibling('stalled');
  for (const raw of stallers) {
    raw.send(toCompactBlock(block));
    await raw.waitFor('get-block-txn');
  }
  // The honest peer announces it, then pushes it as a compact block too: both while every rebuild slot is taken.
  honest.send({ kind: 'inv', items: [{ type: 'block', hash: block.hash }] });
  honest.send(toCompactBlock(block));
  await settle();
  const askedHonest = (): boolean => honest.received.some((m) => (m.kind === 'get-data' && m.items.some((i) => i.hash.equals(block.hash))) || m.kind === 'get-block-txn');
  t.false(askedHonest(), 'not asked while the rebuilds run (it would fetch the block twice)');
  const startMs = Date.now();
  await waitFor(askedHonest, 'the honest announcer to be asked for the block', COMPACT_BLOCK_TXN_TIMEOUT_MS + REQUEST_EXPIRY_MS / 10 + 5_000);
  t.log(`asked ${Date.now() - startMs} ms after the rebuild slots were taken`);
  const getData = honest.received.find((m): m is WireMessage & { kind: 'get-data' } => m.kind === 'get-data');
  t.truthy(getData);
  t.is(stallers.filter((raw) => raw.received.some((m) => m.kind === 'get-data' && m.items.some((i) => i.hash.equals(block.hash)))).length, 0, 'the stallers are not asked for the whole block while the honest peer is');
  // It answers: the block connects.
  honest.send({ kind: 'block', block });
  await waitFor(() => tipHash(node) === block.hashHex, 'the block to connect');
});

test('a whole block asked for because its compact block could not be rebuilt costs its sender only a reject when invalid (it may have pushed it unvalidated)', async (t) => {
  const node = await startNode(t, { genesis });
  const parent = buildBlock({ parent: genesis, miner: makeKey(), extraData: Buffer.from('unknown parent') });
  // The coinbase claims more than the reward; its parent is unknown to the node, so the compact block cannot be rebuilt.
  const greedy = buildBlock({ parent, miner: makeKey(), coinbaseAmount: 5_000n });
  const pusher = await RawPeer.ready(t, node, genesis.hash);
  pusher.send(toCompactBlock(greedy));
  await waitFor(() => pusher.received.some((m) => m.kind === 'get-data' && m.items.some((i) => i.hash.equals(greedy.hash))), 'the block to be asked whole');
  pusher.send({ kind: 'block', block: parent });
  pusher.send({ kind: 'block', block: greedy });
  const reject = (await pusher.waitFor('reject')) as WireMessage & { kind: 'reject' };
  t.is(reject.code, 'bad-cb-amount');
  await settle();
  t.false(pusher.closed, 'not punished: BIP152 relays before validation');
  t.false(node.net.isDiscouraged('127.0.0.1'));
});

test("a rebuild ended by its peer's bad block-txn hands the block to its other announcers at once (they waited while it ran, and nothing else would ask them)", async (t) => {
  const node = await startNode(t, { genesis });
  const pusher = await RawPeer.ready(t, node, genesis.hash);
  const honest = await RawPeer.ready(t, node, genesis.hash);
  const block = sibling('bad-answer');
  pusher.send(toCompactBlock(block));
  await pusher.waitFor('get-block-txn');
  honest.send({ kind: 'inv', items: [{ type: 'block', hash: block.hash }] });
  await settle();
  const askedHonest = (): boolean => honest.received.some((m) => m.kind === 'get-data' && m.items.some((i) => i.hash.equals(block.hash)));
  t.false(askedHonest(), 'not asked while the rebuild runs');
  pusher.send({ kind: 'block-txn', blockHash: block.hash, transactions: [] }); // asked 1, answered 0
  await pusher.waitClosed();
  const startMs = Date.now();
  // Well inside the relay's expiry tick and any inv of the honest peer's: only the rebuild's end may ask it.
  await waitFor(askedHonest, 'the honest announcer to be asked for the block', 2_000);
  t.log(`asked ${Date.now() - startMs} ms after the bad answer`);
  honest.send({ kind: 'block', block });
  await waitFor(() => tipHash(node) === block.hashHex, 'the block to connect');
});
