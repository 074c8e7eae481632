/**
 * The other side of "wrong penalties": one session sending only messages an honest peer sends
 * (heartbeats, requests for blocks the node has, announcements, rejects, blocks, headers, a
 * transaction it already knows, NAT traversal requests), in random order. None of them is a fault, so the session must
 * survive all of them: a drop here is a penalty the policy does not name.
 */
import fc from 'fast-check';
import { nodeKeyFromPrivateKey } from '../../../src/p2p/discovery/node-key.js';
import { type WireMessage, encodeMessageFrame, messageKindName, messageTypeOf } from '../../../src/p2p/wire/index.js';
import { generatePrivateKey } from '../../../src/primitives/secp256k1.js';
import { hashArb, u256Arb, u32Arb, u64Arb, u8Arb } from '../../unit/fuzz/fuzz-helpers.js';
import type { ChainTemplates } from './frame-corpus.js';
import { FuzzSession } from './fuzz-session.js';

export interface HonestTrafficResult {
  readonly sent: number;
  readonly byKind: Record<string, number>;
  /** The message after which the node dropped the session, if it did. */
  readonly droppedAfter: string | undefined;
}

function honestMessageArb(t: ChainTemplates): fc.Arbitrary<WireMessage> {
  const blocks = fc.constantFrom(...t.blocks);
  const tipHeight = Math.max(...t.blocks.map((b) => b.height));
  const txs = t.blocks.flatMap((b) => b.transactions.slice(1));
  const heartbeat = { nonce: u64Arb, bestHeight: fc.integer({ min: 0, max: tipHeight }), chainWork: u256Arb.map((w) => w >> 200n) };
  return fc.oneof(
    fc.record({ kind: fc.constant('ping' as const), ...heartbeat }),
    fc.record({ kind: fc.constant('pong' as const), ...heartbeat }),
    fc.integer({ min: 0, max: tipHeight }).map((height) => ({ kind: 'get-block' as const, by: 'height' as const, height })),
    blocks.map((b) => ({ kind: 'get-block' as const, by: 'hash' as const, hash: b.hash })),
    fc.array(blocks, { maxLength: 10 }).map((bs) => ({ kind: 'get-blocks' as const, locator: bs.map((b) => b.hash), stopHash: Buffer.alloc(32) })),
    fc.array(hashArb.map((hash) => ({ type: 'tx' as const, hash })), { minLength: 1, maxLength: 4 }).map((items) => ({ kind: 'inv' as const, items })),
    fc.array(blocks.map((b) => ({ type: 'block' as const, hash: b.hash })), { minLength: 1, maxLength: 4 }).map((items) => ({ kind: 'get-data' as const, items })),
    fc.array(hashArb.map((hash) => ({ type: 'tx' as const, hash })), { minLength: 1, maxLength: 4 }).map((items) => ({ kind: 'not-found' as const, items })),
    fc.tuple(u8Arb, fc.string({ maxLength: 40 }), hashArb).map(([messageType, reason, hash]) => ({ kind: 'reject' as const, messageType, code: 'invalid', reason, hash })),
    blocks.map((block) => ({ kind: 'block' as const, block })),
    fc.tuple(u32Arb, fc.nat(4)).map(([i, n]) => {
      const from = i % t.blocks.length;
      return { kind: 'headers' as const, headers: t.blocks.slice(from, from + n + 1).map((b) => b.header) };
    }),
    ...(txs.length > 0 ? [fc.constantFrom(...txs).map((transaction) => ({ kind: 'transaction' as const, transaction }))] : []),
    // NAT traversal: a node behind a NAT asks for candidates and for dial-backs (port 1: nothing
    // listens there, so a dial-back fails fast; beyond the rate limit it is refused, never punished)
    fc.constant({ kind: 'get-punch-candidates' as const }),
    u64Arb.map((nonce) => ({ kind: 'dial-back' as const, nonce, port: 1 })),
  );
}

export async function runHonestTraffic(port: number, localAddress: string, templates: ChainTemplates, seed: number, count: number, timeoutMs: number): Promise<HonestTrafficResult> {
  const messages = fc.sample(honestMessageArb(templates), { seed, numRuns: count });
  const byKind: Record<string, number> = {};
  const session = await FuzzSession.open({ port, localAddress, key: nodeKeyFromPrivateKey(generatePrivateKey()), timeoutMs });
  if (session === undefined) return { sent: 0, byKind, droppedAfter: 'the handshake' };
  let sent = 0;
  try {
    for (const msg of messages) {
      const kind = messageKindName(messageTypeOf(msg));
      byKind[kind] = (byKind[kind] ?? 0) + 1;
      sent++;
      if ((await session.exchange(encodeMessageFrame(msg))) !== 'tolerated') return { sent, byKind, droppedAfter: kind };
    }
    return { sent, byKind, droppedAfter: undefined };
  } finally {
    session.destroy();
  }
}
