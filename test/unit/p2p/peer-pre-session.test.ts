/**
 * The frame limit before a session opens: an unauthenticated connection may announce no more
 * than a pre-session message (MAX_PRE_SESSION_PAYLOAD_BYTES), refused on the 13-byte header, and
 * the full MAX_PAYLOAD_BYTES is allowed from the frame after the session opens on.
 */
import test from 'ava';
import type { ChainParams } from '../../../src/chain/params.js';
import { MAX_PRE_SESSION_PAYLOAD_BYTES } from '../../../src/p2p/constants.js';
import {
  FRAME_HEADER_BYTES,
  HANDSHAKE_ACK_BYTES,
  MAGIC,
  MAX_HANDSHAKE_BYTES,
  MAX_PAYLOAD_BYTES,
  MAX_REJECT_CODE_BYTES,
  MAX_REJECT_REASON_BYTES,
  MessageType,
  PROBE_BYTES,
  createHandshakeAck,
  encodeMessage,
  encodeMessageFrame,
} from '../../../src/p2p/wire/index.js';
import { Block, BlockHeader } from '../../../src/primitives/block.js';
import { ZERO_HASH } from '../../../src/primitives/hash.js';
import { merkleRoot } from '../../../src/primitives/merkle.js';
import { Transaction } from '../../../src/primitives/tx.js';
import { TEST_PARAMS, buildBlock, makeKey, mine, pay } from '../../helpers/fixtures.js';
import { startNode, tipHash, waitFor } from './net-helpers.js';
import { RawPeer } from './raw-peer.js';

/** A reward large enough to pay thousands of 1-unit outputs: a block of ~100 KB. */
const PARAMS: ChainParams = { ...TEST_PARAMS, blockRewardAmount: 10_000n };
const owner = makeKey();
const genesis = buildBlock({ miner: owner, params: PARAMS });
const BIG_PAYLOAD_BYTES = 100_000;

function header(type: number, length: number): Buffer {
  const out = Buffer.alloc(FRAME_HEADER_BYTES);
  MAGIC.copy(out, 0);
  out.writeUInt8(type, 4);
  out.writeUInt32LE(length, 5);
  return out;
}

/** A valid child of genesis whose coinbase pays 3,600 outputs: over 100 KB encoded. */
function bigBlock(): Block {
  const miner = makeKey();
  const coinbase = Transaction.coinbase(1, Array.from({ length: 3_600 }, () => pay(miner, 1n)));
  const head = new BlockHeader({
    version: 1,
    prevHash: genesis.hash,
    merkleRoot: merkleRoot([coinbase.txid]),
    timestamp: genesis.header.timestamp + 1,
    bits: PARAMS.powBits,
    height: 1,
    nonce: 0,
  });
  return new Block(mine(head), [coinbase]);
}

test('the pre-session limit holds every pre-session message and is far below MAX_PAYLOAD_BYTES', (t) => {
  const maxReject = encodeMessage({ kind: 'reject', messageType: 255, code: 'c'.repeat(MAX_REJECT_CODE_BYTES), reason: 'r'.repeat(MAX_REJECT_REASON_BYTES), hash: ZERO_HASH });
  t.log(`pre-session limit ${MAX_PRE_SESSION_PAYLOAD_BYTES} B: handshake ≤ ${MAX_HANDSHAKE_BYTES}, handshake-ack ${HANDSHAKE_ACK_BYTES}, largest reject ${maxReject.length}, probe ${PROBE_BYTES}; after the session ${MAX_PAYLOAD_BYTES} B`);
  t.is(maxReject.length, 357);
  for (const size of [MAX_HANDSHAKE_BYTES, HANDSHAKE_ACK_BYTES, maxReject.length, PROBE_BYTES]) t.true(size <= MAX_PRE_SESSION_PAYLOAD_BYTES);
  t.is(MAX_PRE_SESSION_PAYLOAD_BYTES, 1_024);
  t.true(MAX_PRE_SESSION_PAYLOAD_BYTES * 1_000 < MAX_PAYLOAD_BYTES);
});

test('a raw peer announcing a 100 KB payload before its handshake is dropped on the 13-byte header and discouraged', async (t) => {
  // A handshake timeout far beyond the wait below: only the header check can close the socket in time.
  const victim = await startNode(t, { genesis, params: PARAMS, config: { handshakeTimeoutMs: 120_000 } });
  const raw = await RawPeer.connect(victim.net.tcpPort);
  t.teardown(() => raw.destroy());
  raw.autoAck = false; // it never sent a handshake: an ack would be the fault, not the header
  await raw.waitFor('handshake');
  const sentAt = Date.now();
  raw.socket.write(header(MessageType.Handshake, BIG_PAYLOAD_BYTES)); // the header only, no payload byte
  await raw.waitClosed(30_000);
  const entries = victim.net.discouraged();
  t.log(`closed ${raw.closedAtMs - sentAt} ms after a 13-byte header announcing ${BIG_PAYLOAD_BYTES} B; discouraged: ${entries.map((e) => e.reason).join('; ')}`);
  t.true(entries.some((e) => e.reason.startsWith('oversize') && e.reason.includes(`${BIG_PAYLOAD_BYTES}-byte payload`)), entries.map((e) => e.reason).join('; '));
  t.is(victim.net.peers().length, 0);
});

test('one byte over the pre-session limit is refused; the limit itself is not', async (t) => {
  const victim = await startNode(t, { genesis, params: PARAMS, config: { handshakeTimeoutMs: 120_000 } });
  const atLimit = await RawPeer.connect(victim.net.tcpPort);
  t.teardown(() => atLimit.destroy());
  atLimit.autoAck = false; // no handshake of ours: an ack would be a fault
  const over = await RawPeer.connect(victim.net.tcpPort);
  t.teardown(() => over.destroy());
  over.autoAck = false;
  await Promise.all([atLimit.waitFor('handshake'), over.waitFor('handshake')]);
  atLimit.socket.write(header(MessageType.Handshake, MAX_PRE_SESSION_PAYLOAD_BYTES));
  over.socket.write(header(MessageType.Handshake, MAX_PRE_SESSION_PAYLOAD_BYTES + 1));
  await over.waitClosed(30_000);
  // Both headers were written before the over-limit one was refused; the one at the limit waits for its payload.
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.false(atLimit.closed, 'a header announcing exactly the limit is not refused');
  t.true(victim.net.discouraged().some((e) => e.reason.startsWith('oversize')));
});

test('after the handshake a 100 KB block is accepted, even in the same chunk as the handshake-ack that opens the session', async (t) => {
  const victim = await startNode(t, { genesis, params: PARAMS });
  const block = bigBlock();
  const blockFrame = encodeMessageFrame({ kind: 'block', block });
  t.true(blockFrame.length - FRAME_HEADER_BYTES >= BIG_PAYLOAD_BYTES, `block payload ${blockFrame.length - FRAME_HEADER_BYTES} B`);
  const raw = await RawPeer.connect(victim.net.tcpPort);
  t.teardown(() => raw.destroy());
  raw.autoAck = false; // our ack goes out below, together with the block
  raw.sendHandshake({ genesisHash: genesis.hash });
  const theirs = await raw.waitFor('handshake');
  if (theirs.kind !== 'handshake') throw new Error('not a handshake');
  await raw.waitFor('handshake-ack'); // the node took our handshake: our ack opens its session
  raw.socket.write(Buffer.concat([encodeMessageFrame(createHandshakeAck(raw.key.privateKey, theirs.nonce)), blockFrame]));
  await waitFor(() => tipHash(victim) === block.hash.toString('hex'), 'the 100 KB block to become the tip', 30_000);
  t.log(`a ${blockFrame.length - FRAME_HEADER_BYTES}-byte block sent in the chunk with the handshake-ack became the tip (height ${victim.chain.tip?.height})`);
  t.false(raw.closed);
  t.deepEqual(victim.net.discouraged(), []);
  t.true(victim.net.peers().some((p) => p.ready));
});
