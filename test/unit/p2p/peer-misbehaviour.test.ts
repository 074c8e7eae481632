import test from 'ava';
import { FRAME_HEADER_BYTES, MAGIC, MAX_PAYLOAD_BYTES, MessageType, encodeFrame } from '../../../src/p2p/wire/index.js';
import { Transaction } from '../../../src/primitives/tx.js';
import { buildBlock, makeKey, outpoint, pay, spend } from '../../helpers/fixtures.js';
import { connect, startNode, tipHash, waitFor } from './net-helpers.js';
import { RawPeer } from './raw-peer.js';

const owner = makeKey();
const genesis = buildBlock({ miner: owner });

function garbage(kind: 'bad-magic' | 'bad-checksum' | 'oversize'): Buffer {
  if (kind === 'bad-magic') return Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  if (kind === 'bad-checksum') {
    const frame = encodeFrame(MessageType.Ping, Buffer.alloc(44, 7));
    frame[FRAME_HEADER_BYTES - 1] ^= 0xff;
    return frame;
  }
  const header = Buffer.alloc(FRAME_HEADER_BYTES);
  MAGIC.copy(header, 0);
  header.writeUInt8(MessageType.Block, 4);
  header.writeUInt32LE(MAX_PAYLOAD_BYTES + 1, 5);
  return header; // refused on the length alone, before any payload
}

for (const kind of ['bad-magic', 'bad-checksum', 'oversize'] as const) {
  test(`a raw socket sending ${kind} garbage is discouraged while an honest peer keeps working`, async (t) => {
    const victim = await startNode(t, { genesis });
    const honest = await startNode(t, { genesis });
    await connect(honest, victim);
    const discouraged: string[] = [];
    victim.net.on('peer:discouraged', (entry) => discouraged.push(`${entry.key} ${entry.reason}`));
    const raw = await RawPeer.connect(victim.net.tcpPort);
    t.teardown(() => raw.destroy());
    raw.socket.write(garbage(kind));
    await raw.waitClosed();
    t.true(victim.net.isDiscouraged('127.0.0.1'));
    t.true(discouraged.some((b) => b.includes(kind)), discouraged.join('; '));
    t.deepEqual(victim.net.bans(), [], 'misbehaviour discourages, it does not ban');
    // a discouraged address still gets a free inbound slot: the node answers with its handshake
    const again = await RawPeer.connect(victim.net.tcpPort);
    t.teardown(() => again.destroy());
    await again.waitFor('handshake');
    // the honest peer (its own node id, same machine) is unaffected: a block still flows
    const block = buildBlock({ parent: genesis, miner: makeKey() });
    await honest.chain.processBlock(block);
    await waitFor(() => tipHash(victim) === block.hash.toString('hex'), 'the honest block to reach the victim');
    t.is(victim.net.peers().filter((p) => p.ready).length, 1);
    t.false(victim.net.isDiscouraged(honest.key.nodeId.toString('hex')));
  });
}

test('a message before the handshake completes is a violation', async (t) => {
  const a = await startNode(t, { genesis });
  const raw = await RawPeer.connect(a.net.tcpPort);
  t.teardown(() => raw.destroy());
  raw.send({ kind: 'ping', nonce: 1n, bestHeight: 0, chainWork: 0n });
  await raw.waitClosed();
  t.true(a.net.discouraged().some((b) => b.reason.startsWith('unexpected-message')));
});

test('a peer that goes silent is dropped after peerTimeoutMs, without a penalty', async (t) => {
  const peerTimeoutMs = 800;
  const a = await startNode(t, { genesis, config: { peerTimeoutMs, pingIntervalMs: 100 } });
  const raw = await RawPeer.connect(a.net.tcpPort);
  t.teardown(() => raw.destroy());
  raw.answerPings = false;
  const openedAt = Date.now();
  raw.sendHandshake({ genesisHash: genesis.hash });
  await waitFor(() => a.net.peers().some((p) => p.ready), 'the raw peer to be ready');
  await raw.waitClosed(5_000);
  t.true(raw.closedAtMs - openedAt >= peerTimeoutMs - 50, `dropped after ${raw.closedAtMs - openedAt} ms`);
  t.true(raw.has('ping'), 'the node pinged before giving up');
  t.deepEqual(a.net.discouraged(), []);
});

test('a peer that answers pings is kept past peerTimeoutMs', async (t) => {
  const a = await startNode(t, { genesis, config: { peerTimeoutMs: 500, pingIntervalMs: 100 } });
  const raw = await RawPeer.connect(a.net.tcpPort);
  t.teardown(() => raw.destroy());
  raw.sendHandshake({ genesisHash: genesis.hash });
  await new Promise((resolve) => setTimeout(resolve, 1_200));
  t.false(raw.closed);
  t.is(a.net.peers().filter((p) => p.ready).length, 1);
});

test('a consensus-invalid tx discourages its sender; a duplicate or conflicting one does not', async (t) => {
  const block1 = buildBlock({ parent: genesis, miner: owner });
  const a = await startNode(t, { genesis, blocks: [block1] });
  const raw = await RawPeer.connect(a.net.tcpPort);
  t.teardown(() => raw.destroy());
  raw.sendHandshake({ genesisHash: genesis.hash });
  await waitFor(() => a.net.peers().some((p) => p.ready), 'the raw peer to be ready');
  const tx = spend(owner, [outpoint(genesis.transactions[0])], [pay(makeKey(), 400n)]);
  const conflict = spend(owner, [outpoint(genesis.transactions[0])], [pay(makeKey(), 300n)]);
  raw.send({ kind: 'transaction', transaction: tx });
  raw.send({ kind: 'transaction', transaction: tx });
  raw.send({ kind: 'transaction', transaction: conflict });
  await waitFor(() => a.mempool.has(tx.txid), 'the tx in the mempool');
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.false(raw.closed);
  t.deepEqual(a.net.discouraged(), []);
  // an unspent coin of owner's with a signature that does not verify: consensus-invalid
  const forged = new Transaction(1, [{ prevout: outpoint(block1.transactions[0]), publicKey: owner.publicKey, signature: Buffer.alloc(64, 3) }], [pay(makeKey(), 1n)]);
  raw.send({ kind: 'transaction', transaction: forged });
  await raw.waitClosed();
  t.true(a.net.isDiscouraged('127.0.0.1'));
  t.false(a.net.isDiscouraged(raw.key.nodeId.toString('hex')), 'the address is discouraged, never the node id');
  t.false(a.mempool.has(forged.txid));
});
