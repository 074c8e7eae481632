import test from 'ava';
import { buildBlock, makeKey, outpoint, pay, spend } from '../../helpers/fixtures.js';
import { INBOUND_TX_REQUEST_DELAY_MS, REBROADCAST_MIN_AGE_MS } from '../../../src/p2p/constants.js';
import type { Relay } from '../../../src/p2p/relay.js';
import { connect, startNode, tipHash, waitFor } from './net-helpers.js';

const owner = makeKey();
const genesis = buildBlock({ miner: owner });

async function line(t: Parameters<typeof startNode>[0]) {
  const a = await startNode(t, { genesis });
  const b = await startNode(t, { genesis });
  const c = await startNode(t, { genesis });
  // Each node dials the one before it, so every announcer is the receiver's outbound peer (asked at once).
  await connect(b, a);
  await connect(c, b);
  return { a, b, c };
}

test('a tx accepted on A reaches C over A-B-C at once and is never announced back', async (t) => {
  const { a, b, c } = await line(t);
  const tx = spend(owner, [outpoint(genesis.transactions[0])], [pay(makeKey(), 400n), pay(owner, 590n)]);
  const started = Date.now();
  a.mempool.addTransaction(tx);
  await waitFor(() => c.mempool.has(tx.txid), "the tx in C's mempool", 3_000);
  // well under the 200 ms heartbeat × 2 hops: relayed on acceptance, not on the next ping
  t.true(Date.now() - started < 1_000);
  t.true(b.mempool.has(tx.txid));
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.is(a.net.stats().received.inv ?? 0, 0, 'B must not announce the tx back to A');
  t.is(b.net.stats().received.inv ?? 0, 1, 'B hears of it once, from A (C knows B has it)');
  t.is(b.net.stats().received.transaction ?? 0, 1);
  t.is(c.net.stats().received.transaction ?? 0, 1);
});

test('a tx announced only by an inbound peer is requested after INBOUND_TX_REQUEST_DELAY_MS; an outbound announcer is asked at once', async (t) => {
  const a = await startNode(t, { genesis });
  const b = await startNode(t, { genesis });
  await connect(a, b); // A dialled B: to B, A is inbound
  const tx = spend(owner, [outpoint(genesis.transactions[0])], [pay(makeKey(), 400n), pay(owner, 590n)]);
  const started = Date.now();
  a.mempool.addTransaction(tx);
  await waitFor(() => b.mempool.has(tx.txid), "the tx in B's mempool", 3 * INBOUND_TX_REQUEST_DELAY_MS);
  const tookMs = Date.now() - started;
  t.log(`inbound announcer: the tx reached B after ${tookMs} ms`);
  t.true(tookMs >= INBOUND_TX_REQUEST_DELAY_MS - 50, 'held back');

  // B dials C and C dials A: A announces to C (its outbound peer, asked at once) and C to B (B's outbound peer), while A's own announcement waits at B.
  const c = await startNode(t, { genesis });
  await connect(b, c);
  await connect(c, a);
  const tx2 = spend(owner, [outpoint(tx, 1)], [pay(makeKey(), 300n), pay(owner, 280n)]);
  const started2 = Date.now();
  a.mempool.addTransaction(tx2); // A announces to B (inbound to B) and to C (outbound to C)
  await waitFor(() => b.mempool.has(tx2.txid), "tx2 in B's mempool", 3 * INBOUND_TX_REQUEST_DELAY_MS);
  const took2Ms = Date.now() - started2;
  t.log(`with an outbound announcer (C): tx2 reached B after ${took2Ms} ms`);
  t.true(took2Ms < INBOUND_TX_REQUEST_DELAY_MS, 'asked of the outbound announcer without waiting for the inbound one');
});

test('a block connected on A reaches C', async (t) => {
  const { a, c } = await line(t);
  const tx = spend(owner, [outpoint(genesis.transactions[0])], [pay(makeKey(), 400n)]);
  const block = buildBlock({ parent: genesis, miner: makeKey(), txs: [tx], fees: 600n });
  await a.chain.processBlock(block);
  await waitFor(() => tipHash(c) === block.hash.toString('hex'), 'C to connect the block', 3_000);
  t.is(c.chain.tip?.height, 1);
  t.true(c.chain.getCoin(outpoint(tx)) !== undefined);
});

test('a pool tx a peer lost after we announced it is offered again once it is REBROADCAST_MIN_AGE_MS old', async (t) => {
  const a = await startNode(t, { genesis });
  const b = await startNode(t, { genesis });
  await connect(a, b);
  const tx = spend(owner, [outpoint(genesis.transactions[0])], [pay(makeKey(), 400n), pay(owner, 590n)]);
  a.mempool.addTransaction(tx);
  await waitFor(() => b.mempool.has(tx.txid), "the tx in B's mempool", 3_000);
  // B loses it (here: a block it then left confirmed it); A still counts B as knowing it.
  b.mempool.blockConnected(buildBlock({ parent: genesis, miner: makeKey(), txs: [tx], fees: 10n }));
  t.false(b.mempool.has(tx.txid));
  const relay = (a.net as unknown as { relayStack: { relay: Relay } }).relayStack.relay;
  t.is(relay.rebroadcast(Date.now()), 0, 'a fresh tx is not offered again');
  t.is(relay.rebroadcast(Date.now() + REBROADCAST_MIN_AGE_MS), 1, 'one inv to B');
  await waitFor(() => b.mempool.has(tx.txid), 'B to fetch the tx again', 3_000);
  t.pass();
});
