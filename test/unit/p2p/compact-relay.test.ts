import test from 'ava';
import type { Relay } from '../../../src/p2p/relay.js';
import { toCompactBlock } from '../../../src/p2p/compact/partial-block.js';
import { encodeMessageFrame, type CompactBlockMessage, type WireMessage } from '../../../src/p2p/wire/index.js';
import { buildBlock, makeKey, outpoint, pay, spend } from '../../helpers/fixtures.js';
import { buildChain, connect, startNode, tipHash, waitFor, type TestNode } from './net-helpers.js';
import { RawPeer } from './raw-peer.js';

const owner = makeKey();
const genesis = buildBlock({ miner: owner });

/** A funding tx with `n` outputs and n − 1 txs spending them (all valid on genesis; coinbase maturity 1). */
function txChain(n: number) {
  const funding = spend(owner, [outpoint(genesis.transactions[0]!)], Array.from({ length: n }, () => pay(owner, 10n)));
  return [funding, ...Array.from({ length: n - 1 }, (_, i) => spend(owner, [outpoint(funding, i)], [pay(makeKey(), 5n)]))];
}

const compactOf = (node: TestNode) => (node.net as unknown as { relayStack: { relay: Relay } }).relayStack.relay.compact;
/**
 * Heartbeats slower than the test: a ping carrying A's new height would start a header sync that
 * races the compact path for the same block (and may fetch it whole first on a loaded machine).
 */
const QUIET = { config: { pingIntervalMs: 60_000, peerTimeoutMs: 120_000 }, genesis };

test('a block of pool txs crosses A → B as a compact block rebuilt from the pool, and B pushes it on to C', async (t) => {
  const a = await startNode(t, QUIET);
  const b = await startNode(t, QUIET);
  const c = await startNode(t, QUIET);
  await connect(a, b);
  await connect(b, c);
  const txs = txChain(24);
  for (const tx of txs) a.mempool.addTransaction(tx);
  await waitFor(() => txs.every((tx) => c.mempool.has(tx.txid)), 'the txs in every pool', 10_000);
  const block = buildBlock({ parent: genesis, miner: makeKey(), txs, coinbaseAmount: 1000n });
  await a.chain.processBlock(block);
  await waitFor(() => tipHash(c) === block.hashHex, 'C to connect the block', 10_000);
  t.is(b.net.stats().received['cmpct-block'], 1);
  t.is(b.net.stats().received.block ?? 0, 0, 'no full block crossed A → B');
  t.is(c.net.stats().received.block ?? 0, 0, 'no full block crossed B → C');
  t.is(compactOf(b).stats.rebuiltFromPool, 1);
  t.is(compactOf(c).stats.rebuiltFromPool, 1);
  t.is(b.net.stats().received['get-block-txn'] ?? 0, 0);
  t.log(`A sent ${compactOf(a).stats.sent} compact block(s), B sent ${compactOf(b).stats.sent}`);
});

test('txs B lacks are asked with get-block-txn and the block connects', async (t) => {
  const a = await startNode(t, QUIET);
  const b = await startNode(t, QUIET);
  await connect(a, b);
  const txs = txChain(24);
  // B knows only the first 14; the rest never went through any pool (A serves them from the block).
  for (const tx of txs.slice(0, 14)) a.mempool.addTransaction(tx);
  await waitFor(() => txs.slice(0, 14).every((tx) => b.mempool.has(tx.txid)), 'the first 14 txs in B', 10_000);
  const block = buildBlock({ parent: genesis, miner: makeKey(), txs, coinbaseAmount: 1000n });
  await a.chain.processBlock(block);
  await waitFor(() => tipHash(b) === block.hashHex, 'B to connect the block', 10_000);
  t.is(compactOf(b).stats.rebuiltWithBlockTxn, 1);
  t.is(compactOf(b).stats.txsRequested, 10, "24 txs, 14 in the pool");
  t.is(a.net.stats().received['get-block-txn'], 1);
  t.is(b.net.stats().received['block-txn'], 1);
  t.is(b.net.stats().received.block ?? 0, 0);
});

async function rawHighBandwidthPeer(t: Parameters<typeof startNode>[0], node: TestNode): Promise<RawPeer> {
  const raw = await RawPeer.ready(t, node, genesis.hash);
  raw.send({ kind: 'send-compact', highBandwidth: true, version: 1n });
  await waitFor(() => (node.net.stats().received['send-compact'] ?? 0) > 0, 'the node to read send-compact');
  return raw;
}

test('negotiation: a version-3 peer is offered compact blocks, a version-2 peer only ever gets inv', async (t) => {
  const node = await startNode(t, { genesis });
  const v2 = await RawPeer.connect(node.net.tcpPort);
  t.teardown(() => v2.destroy());
  v2.sendHandshake({ genesisHash: genesis.hash, version: 2 });
  const v3 = await rawHighBandwidthPeer(t, node);
  await waitFor(() => node.net.peers().filter((p) => p.ready).length === 2, 'both peers ready');
  const sendCompact = (await v3.waitFor('send-compact')) as WireMessage & { kind: 'send-compact' };
  t.is(sendCompact.version, 1n);
  t.false(sendCompact.highBandwidth, 'every peer starts in low-bandwidth mode (high bandwidth is earned with a valid block)');
  const block = buildBlock({ parent: genesis, miner: makeKey() });
  await node.chain.processBlock(block);
  await v3.waitFor('cmpct-block');
  await v2.waitFor('inv');
  t.false(v2.has('send-compact'), 'no compact message to a version-2 peer');
  t.false(v2.has('cmpct-block'));
  t.false(v3.has('inv'), 'the compact block replaced the announcement');
  const compact = v3.received.find((m) => m.kind === 'cmpct-block') as CompactBlockMessage;
  t.true(compact.header.hash.equals(block.hash));
  t.log(`compact block ${encodeMessageFrame(compact).length} bytes on the wire, the block ${block.size}`);
});

test('a get-block-txn index past the block, and an unsolicited block-txn, cost the sender its connection', async (t) => {
  const node = await startNode(t, { genesis });
  const raw = await rawHighBandwidthPeer(t, node);
  const block = buildBlock({ parent: genesis, miner: makeKey(), txs: txChain(3) });
  await node.chain.processBlock(block);
  await raw.waitFor('cmpct-block');
  raw.send({ kind: 'get-block-txn', blockHash: block.hash, indexes: [1, 2] });
  const answer = (await raw.waitFor('block-txn')) as WireMessage & { kind: 'block-txn' };
  t.deepEqual(answer.transactions.map((tx) => tx.txidHex), [block.transactions[1]!.txidHex, block.transactions[2]!.txidHex]);
  raw.send({ kind: 'get-block-txn', blockHash: block.hash, indexes: [4] });
  await raw.waitClosed();
  t.pass('index 4 of a 4-tx block: closed');

  const other = await rawHighBandwidthPeer(t, node);
  other.send({ kind: 'block-txn', blockHash: block.hash, transactions: [] });
  await other.waitClosed();
  t.true(node.net.isDiscouraged('127.0.0.1'));
});

test('a block the chain stored is served to get-block-txn from the chain: the sender keeps no copy of its bytes', async (t) => {
  const node = await startNode(t, { genesis });
  const raw = await rawHighBandwidthPeer(t, node);
  const blocks = [buildBlock({ parent: genesis, miner: makeKey(), txs: txChain(5) })];
  blocks.push(buildBlock({ parent: blocks[0]!, miner: makeKey() }));
  for (const block of blocks) {
    await node.chain.processBlock(block);
    await waitFor(() => raw.received.some((m) => m.kind === 'cmpct-block' && m.header.hash.equals(block.hash)), 'the push of the block');
  }
  // Found by the simulator: every node kept a private copy of each of its 16 recent blocks (1 MB each at most).
  t.is(compactOf(node).heldBytes(), 0, 'no bytes of stored blocks held by the sender');
  raw.send({ kind: 'get-block-txn', blockHash: blocks[0]!.hash, indexes: [2, 5] });
  const answer = (await raw.waitFor('block-txn')) as WireMessage & { kind: 'block-txn' };
  t.deepEqual(answer.transactions.map((tx) => tx.txidHex), [blocks[0]!.transactions[2]!.txidHex, blocks[0]!.transactions[5]!.txidHex]);
  t.false(raw.closed);
});

test('a compact block with two equal short ids makes the node ask for the full block, without penalty', async (t) => {
  const node = await startNode(t, { genesis });
  const raw = await RawPeer.ready(t, node, genesis.hash);
  const block = buildBlock({ parent: genesis, miner: makeKey(), txs: txChain(3) });
  const compact = toCompactBlock(block);
  raw.send({ ...compact, shortIds: [compact.shortIds[0]!, compact.shortIds[0]!, compact.shortIds[2]!] });
  const getData = (await raw.waitFor('get-data')) as WireMessage & { kind: 'get-data' };
  t.true(getData.items[0]!.hash.equals(block.hash));
  raw.send({ kind: 'block', block });
  await waitFor(() => tipHash(node) === block.hashHex, 'the full block to connect');
  t.false(raw.closed);
});

test('a compact block with a bad body is refused without penalty (BIP152); one with a bad PoW is punished', async (t) => {
  const node = await startNode(t, { genesis });
  const raw = await RawPeer.ready(t, node, genesis.hash);
  // The coinbase claims more than the reward: valid header, invalid body.
  const greedy = buildBlock({ parent: genesis, miner: makeKey(), coinbaseAmount: 5_000n });
  raw.send(toCompactBlock(greedy));
  const reject = (await raw.waitFor('reject')) as WireMessage & { kind: 'reject' };
  t.is(reject.code, 'bad-cb-amount');
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.false(raw.closed, 'a relayer of an invalid body with a valid header is not punished');
  t.false(node.net.isDiscouraged('127.0.0.1'));

  // About one hash in two meets the test target (EASY_POW_BITS): take one that does not.
  let badPow = buildBlock({ parent: genesis, miner: makeKey(), unmined: true });
  for (let nonce = 1; !(badPow.hash[0]! >= 0x80); nonce++) badPow = buildBlock({ parent: genesis, miner: makeKey(), unmined: true, headerOverrides: { nonce } });
  raw.send(toCompactBlock(badPow));
  await raw.waitClosed();
  t.true(node.net.isDiscouraged('127.0.0.1'));
});

test('low-bandwidth mode: a peer that announced send-compact is asked for blocks as cmpct-block and answered with one', async (t) => {
  const node = await startNode(t, { genesis });
  const raw = await RawPeer.ready(t, node, genesis.hash);
  raw.send({ kind: 'send-compact', highBandwidth: false, version: 1n });
  await waitFor(() => (node.net.stats().received['send-compact'] ?? 0) > 0, 'the node to read send-compact');

  // As requester: the node asks our announced block as a compact block and rebuilds it.
  const txs = txChain(5);
  for (const tx of txs) node.mempool.addTransaction(tx);
  const theirs = buildBlock({ parent: genesis, miner: makeKey(), txs, coinbaseAmount: 1000n });
  raw.send({ kind: 'inv', items: [{ type: 'block', hash: theirs.hash }] });
  const getData = (await raw.waitFor('get-data')) as WireMessage & { kind: 'get-data' };
  t.deepEqual(getData.items.map((i) => i.type), ['cmpct-block']);
  raw.send(toCompactBlock(theirs));
  await waitFor(() => tipHash(node) === theirs.hashHex, 'the node to rebuild and connect the block');
  t.is(compactOf(node).stats.rebuiltFromPool, 1);

  // As server: a block we announce with inv (the peer did not ask for high bandwidth) is served as a compact block.
  const ours = buildBlock({ parent: theirs, miner: makeKey() });
  await node.chain.processBlock(ours);
  await waitFor(() => raw.received.some((m) => m.kind === 'inv' && m.items.some((i) => i.hash.equals(ours.hash))), 'the inv of our block');
  t.false(raw.has('cmpct-block'), 'nothing pushed unasked in low-bandwidth mode');
  raw.send({ kind: 'get-data', items: [{ type: 'cmpct-block', hash: ours.hash }] });
  const compact = (await raw.waitFor('cmpct-block')) as CompactBlockMessage;
  t.true(compact.header.hash.equals(ours.hash));
});

test('a get-block-txn or cmpct-block request for a block more than 10 deep is answered with the whole block', async (t) => {
  const chain = buildChain(genesis, 12, makeKey());
  const node = await startNode(t, { genesis, blocks: chain });
  const raw = await RawPeer.ready(t, node, genesis.hash);
  const old = chain[0]!;
  raw.send({ kind: 'get-block-txn', blockHash: old.hash, indexes: [0] });
  const whole = (await raw.waitFor('block')) as WireMessage & { kind: 'block' };
  t.true(whole.block.hash.equals(old.hash));
  t.false(raw.has('block-txn'));
  const recent = chain[11]!;
  raw.send({ kind: 'get-data', items: [{ type: 'cmpct-block', hash: recent.hash }] });
  const compact = (await raw.waitFor('cmpct-block')) as CompactBlockMessage;
  t.true(compact.header.hash.equals(recent.hash), 'the tip is served as a compact block');
  t.false(raw.closed);
});

test('a tx held as an orphan fills its slot: only the tx the node lacks entirely is asked for', async (t) => {
  const node = await startNode(t, { genesis });
  const raw = await RawPeer.ready(t, node, genesis.hash);
  const [parent, child] = txChain(2) as [ReturnType<typeof txChain>[0], ReturnType<typeof txChain>[0]];
  raw.send({ kind: 'transaction', transaction: child }); // its parent is unknown: held as an orphan
  await waitFor(() => node.net.stats().orphanTxs === 1, 'the child to be held as an orphan');
  const block = buildBlock({ parent: genesis, miner: makeKey(), txs: [parent, child], coinbaseAmount: 1000n });
  raw.send(toCompactBlock(block));
  const ask = (await raw.waitFor('get-block-txn')) as WireMessage & { kind: 'get-block-txn' };
  t.deepEqual(ask.indexes, [1], 'the parent only; the child came from the orphan pool');
  raw.send({ kind: 'block-txn', blockHash: block.hash, transactions: [parent] });
  await waitFor(() => tipHash(node) === block.hashHex, 'the block to connect');
  t.false(raw.closed);
});

test('we ask at most 3 peers for high bandwidth (earned by bringing a valid new block first, rotated) and push to every peer that asked, however often others repeat their request', async (t) => {
  const node = await startNode(t, { genesis });
  const raws: RawPeer[] = [];
  for (let i = 0; i < 4; i++) {
    raws.push(await RawPeer.ready(t, node, genesis.hash));
    await raws[i]!.waitFor('send-compact');
  }
  const asked = raws.map((r) => (r.received.find((m) => m.kind === 'send-compact') as WireMessage & { kind: 'send-compact' }).highBandwidth);
  t.deepEqual(asked, [false, false, false, false], 'being first to connect earns nothing: all start in low-bandwidth mode');
  // The first asks once; the other three ask again and again (a list of the last three askers
  // would push the first back to inv). One after another: four sockets give no order between them.
  let sends = 0;
  for (const [i, raw] of raws.entries()) {
    for (let n = 0; n < (i === 0 ? 1 : 5); n++) {
      raw.send({ kind: 'send-compact', highBandwidth: true, version: 1n });
      sends++;
      await waitFor(() => (node.net.stats().received['send-compact'] ?? 0) === sends, `the node to read send-compact ${sends}`);
    }
  }
  const first = buildBlock({ parent: genesis, miner: makeKey() });
  await node.chain.processBlock(first);
  for (const raw of raws) await raw.waitFor('cmpct-block');
  t.is(compactOf(node).stats.sent, 4, 'one push per asker, repeats or not');
  // One that switches back to low bandwidth gets inv again.
  raws[3]!.send({ kind: 'send-compact', highBandwidth: false, version: 1n });
  await waitFor(() => (node.net.stats().received['send-compact'] ?? 0) === sends + 1, 'the node to read the switch back');
  const second = buildBlock({ parent: first, miner: makeKey() });
  await node.chain.processBlock(second);
  await waitFor(() => raws[3]!.received.some((m) => m.kind === 'inv' && m.items.some((i) => i.hash.equals(second.hash))), 'an inv to the one that switched back');
  t.is(compactOf(node).stats.sent, 7);

  // Each peer in turn brings a new valid block first: the first three become high-bandwidth peers,
  // the fourth displaces the longest-serving one, which is switched back.
  const switches = (raw: RawPeer) => raw.received.filter((m): m is WireMessage & { kind: 'send-compact' } => m.kind === 'send-compact').map((m) => m.highBandwidth);
  let parent = second;
  for (const [i, raw] of raws.entries()) {
    const block = buildBlock({ parent, miner: makeKey() });
    raw.send({ kind: 'block', block });
    await waitFor(() => tipHash(node) === block.hashHex, `the block from peer ${i}`);
    await waitFor(() => switches(raw).length === 2, `peer ${i} to be asked for high bandwidth`);
    parent = block;
  }
  await waitFor(() => switches(raws[0]!).length === 3, 'the longest-serving one switched back');
  t.deepEqual(switches(raws[0]!), [false, true, false]);
  for (const raw of raws.slice(1)) t.deepEqual(switches(raw), [false, true]);
});

test('high bandwidth is earned only by a valid block: a block with a valid header and a junk body earns nothing', async (t) => {
  const node = await startNode(t, { genesis });
  const raw = await RawPeer.ready(t, node, genesis.hash);
  await raw.waitFor('send-compact');
  // A body that fails validation (its coinbase pays more than the reward) but still matches its merkle root.
  const junk = buildBlock({ parent: genesis, miner: makeKey(), coinbaseAmount: 10n ** 15n });
  raw.send({ kind: 'block', block: junk });
  await waitFor(() => raw.closed || node.net.stats().received.block === 1, 'the node to read the junk block');
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.false(node.chain.hasBlock(junk.hash), 'the junk block was refused');
  const switches = raw.received.filter((m): m is WireMessage & { kind: 'send-compact' } => m.kind === 'send-compact').map((m) => m.highBandwidth);
  t.deepEqual(switches, [false], 'no high-bandwidth request for a junk block');
});

test('bounds: 3 rebuilds pending per peer (the 4th block is fetched whole); an unanswered get-block-txn gives way to the full block, a late answer is ignored', async (t) => {
  const node = await startNode(t, { genesis });
  const raw = await RawPeer.ready(t, node, genesis.hash);
  const unknownTx = txChain(2)[1]!; // spends an output of a tx nobody has: never in the pool
  const blocks = [0, 1, 2, 3].map((i) => buildBlock({ parent: genesis, miner: makeKey(), txs: [unknownTx], extraData: Buffer.from(`b${i}`), coinbaseAmount: 1000n }));
  for (const block of blocks) raw.send(toCompactBlock(block));
  await waitFor(() => raw.received.filter((m) => m.kind === 'get-block-txn').length === 3 && raw.has('get-data'), 'three get-block-txn and one get-data');
  const getData = raw.received.find((m) => m.kind === 'get-data') as WireMessage & { kind: 'get-data' };
  t.deepEqual(getData.items.map((i) => [i.type, i.hash.toString('hex')]), [['block', blocks[3]!.hashHex]]);
  // Nobody answers the get-block-txn: after COMPACT_BLOCK_TXN_TIMEOUT_MS (checked every 3 s) the blocks are asked whole.
  await waitFor(() => raw.received.filter((m) => m.kind === 'get-data').length >= 2, 'the full blocks to be asked for', 15_000);
  const later = raw.received.filter((m): m is WireMessage & { kind: 'get-data' } => m.kind === 'get-data').slice(1).flatMap((m) => m.items);
  t.true(later.every((i) => i.type === 'block'), 'whole blocks from now on');
  t.true(later.some((i) => i.hash.equals(blocks[0]!.hash)));
  raw.send({ kind: 'block-txn', blockHash: blocks[0]!.hash, transactions: [unknownTx] });
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.false(raw.closed, 'a late answer to a request we gave up is not unsolicited');
  t.is(compactOf(node).stats.fellBack, 4);
});

test('a block-txn with another number of txs than asked is punished; the right number of wrong txs only makes the node fetch the block whole', async (t) => {
  const node = await startNode(t, { genesis });
  const [parent, child] = txChain(2) as [ReturnType<typeof txChain>[0], ReturnType<typeof txChain>[0]];
  const block = buildBlock({ parent: genesis, miner: makeKey(), txs: [parent, child], coinbaseAmount: 1000n });

  const honestButUnlucky = await RawPeer.ready(t, node, genesis.hash);
  honestButUnlucky.send(toCompactBlock(block));
  await honestButUnlucky.waitFor('get-block-txn');
  honestButUnlucky.send({ kind: 'block-txn', blockHash: block.hash, transactions: [child, parent] }); // swapped: the merkle root differs
  const getData = (await honestButUnlucky.waitFor('get-data')) as WireMessage & { kind: 'get-data' };
  t.deepEqual(getData.items.map((i) => [i.type, i.hash.toString('hex')]), [['block', block.hashHex]]);
  t.false(honestButUnlucky.closed, 'a rebuild that does not match is not proof of a fault (it may be our collision)');
  honestButUnlucky.send({ kind: 'block', block });
  await waitFor(() => tipHash(node) === block.hashHex, 'the whole block to connect');

  const sloppy = await RawPeer.ready(t, node, genesis.hash);
  const next = buildBlock({ parent: block, miner: makeKey(), txs: txChain(2).slice(1), coinbaseAmount: 1000n });
  sloppy.send(toCompactBlock(next));
  await sloppy.waitFor('get-block-txn');
  sloppy.send({ kind: 'block-txn', blockHash: next.hash, transactions: [] });
  await sloppy.waitClosed();
  t.true(node.net.isDiscouraged('127.0.0.1'));
});
