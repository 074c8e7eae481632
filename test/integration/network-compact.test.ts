import test from 'ava';
import { type HandshakeMessage, type WireMessage, createHandshakeAck } from '../../src/p2p/wire/index.js';
import { RawPeer } from '../unit/p2p/raw-peer.js';
import { getInfo, rpc, waitFor } from './harness.js';
import { type NetNode, createAddress, genesis, mempoolTxids, send, startNetNode, waitConnected, waitSameTip } from './network-harness.js';
import { type TapDirection, WireTap } from './wire-tap.js';

/** Transactions in the block: chained sends from one address stay under txpool.maxAncestors (25). */
const TXS = 20;
/**
 * Heartbeats slower than the test: a ping carrying A's new height starts a header sync that
 * races the compact block for the same body; here we count what the compact path sends.
 */
const OVERRIDES = { txpoolSize: 1_000, p2p: { pingIntervalMs: 60_000, peerTimeoutMs: 120_000 } };
const A_TO_B: TapDirection = 'dialler→listener';
const B_TO_A: TapDirection = 'listener→dialler';

/** A and B, A dialling B through a wire tap; A holds a genesis whose reward funds the txs. */
async function pair(t: Parameters<typeof WireTap.start>[0], drop?: Parameters<typeof WireTap.start>[2]) {
  const a = await startNetNode(t, OVERRIDES);
  const b = await startNetNode(t, OVERRIDES);
  const tap = await WireTap.start(t, b.tcpPort, drop);
  await rpc(a.setup, 'addpeer', { address: tap.address });
  await waitConnected(a, b);
  const from = await genesis(a.setup);
  await waitSameTip([a, b]);
  return { a, b, tap, from };
}

async function sendMany(node: NetNode, from: string, count: number): Promise<string[]> {
  const to = await createAddress(node.setup);
  const txids: string[] = [];
  for (let i = 0; i < count; i++) txids.push(await send(node.setup, from, to, 1));
  return txids;
}

/** The block as a version-2 node gets it: inv, then the full block on get-block (its exact size on the wire). */
async function fullBlockViaOldPeer(v2: RawPeer, hash: string): Promise<number> {
  v2.send({ kind: 'get-block', by: 'hash', hash: Buffer.from(hash, 'hex') });
  const msg = (await v2.waitFor('block', 10_000)) as WireMessage & { kind: 'block' };
  return msg.block.size;
}

test(`a block of ${TXS} pool txs crosses between two node processes as a compact block; a version-2 peer still gets inv`, async (t) => {
  const { a, b, tap, from } = await pair(t);
  const v2 = await RawPeer.connect(a.tcpPort);
  t.teardown(() => v2.destroy());
  // Our handshake first, then the ack of the node's (the node may speak before we do: acking at once would be out of order).
  v2.autoAck = false;
  v2.sendHandshake({ genesisHash: Buffer.from((await getInfo(a.setup)).genesis!, 'hex'), version: 2 });
  const theirs = (await v2.waitFor('handshake', 10_000)) as HandshakeMessage;
  v2.send(createHandshakeAck(v2.key.privateKey, theirs.nonce));
  await waitFor('the version-2 peer to be ready', async () => v2.has('handshake-ack') && (await getInfo(a.setup)).peers >= 2, 10_000);

  await sendMany(a, from, TXS);
  await waitFor(`B to hold the ${TXS} txs`, async () => (await mempoolTxids(b.setup)).length === TXS, 20_000);
  const before = tap.snapshot();
  const mined = (await rpc(a.setup, 'mine')) as { hash: string; transactions: number };
  t.is(mined.transactions, TXS + 1);
  await waitSameTip([a, b], 20_000, mined.hash);
  const since = (direction: TapDirection, kind: string) => tap.since(before, direction, kind);

  const compact = since(A_TO_B, 'cmpct-block');
  t.is(compact.count, 1, 'A sent the block to B as a compact block (low-bandwidth mode: inv, then B asked for it as one)');
  t.is(since(A_TO_B, 'block').count, 0, 'no full block crossed');
  t.is(since(B_TO_A, 'get-block-txn').count, 0, 'B had every tx');
  t.true(tap.tally(A_TO_B, 'send-compact').count >= 1 && tap.tally(B_TO_A, 'send-compact').count >= 1, 'both ends negotiated');

  await v2.waitFor('inv', 10_000);
  t.false(v2.has('send-compact'), 'a version-2 peer never sees a compact block message');
  t.false(v2.has('cmpct-block'));
  const inv = v2.received.find((m) => m.kind === 'inv' && m.items.some((i) => i.type === 'block')) as (WireMessage & { kind: 'inv' }) | undefined;
  t.is(inv?.items[0]?.hash.toString('hex'), mined.hash, 'it was announced the block with inv');
  const blockBytes = await fullBlockViaOldPeer(v2, mined.hash);
  t.log(`block of ${TXS + 1} txs: ${blockBytes} bytes in full, ${compact.bytes} bytes as a compact block frame (${((100 * compact.bytes) / blockBytes).toFixed(1)} %)`);
  t.true(compact.bytes * 5 < blockBytes, 'the compact block is far smaller than the block');
});

test('a receiver missing some txs asks them with get-block-txn and connects the block without the full block', async (t) => {
  const KEEP = 12;
  let txFrames = 0;
  // The tap loses A's transactions to B after the first KEEP (each is one send, chained, so B holds exactly KEEP).
  const { a, b, tap, from } = await pair(t, (direction, kind) => direction === A_TO_B && kind === 'transaction' && ++txFrames > KEEP);
  await sendMany(a, from, TXS);
  await waitFor(`B to hold ${KEEP} txs`, async () => (await mempoolTxids(b.setup)).length === KEEP, 20_000);
  await waitFor('A to have offered all of them', async () => txFrames >= TXS, 20_000).catch(() => undefined);
  const before = tap.snapshot();
  const mined = (await rpc(a.setup, 'mine')) as { hash: string };
  await waitSameTip([a, b], 20_000, mined.hash);
  const since = (direction: TapDirection, kind: string) => tap.since(before, direction, kind);

  t.is(since(A_TO_B, 'cmpct-block').count, 1);
  t.is(since(B_TO_A, 'get-block-txn').count, 1, 'one round trip for the missing txs');
  t.is(since(A_TO_B, 'block-txn').count, 1);
  t.is(since(A_TO_B, 'block').count, 0, 'no full block crossed');
  const crossed = since(A_TO_B, 'cmpct-block').bytes + since(B_TO_A, 'get-block-txn').bytes + since(A_TO_B, 'block-txn').bytes;
  t.log(`compact ${since(A_TO_B, 'cmpct-block').bytes} B + get-block-txn ${since(B_TO_A, 'get-block-txn').bytes} B + block-txn ${since(A_TO_B, 'block-txn').bytes} B = ${crossed} B for ${TXS - KEEP} missing txs`);
});
