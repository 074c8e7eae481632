/**
 * One handshaken session sending, as fast as the socket takes them, many copies of a message the
 * node tolerates (it keeps the session): whatever the node logs per such message at info or above,
 * a single stranger can make it write without limit. The campaign measures the node's log lines
 * per flood; each must stay within a small constant, however many messages arrived.
 */
import { nodeKeyFromPrivateKey } from '../../../src/p2p/discovery/node-key.js';
import { MessageType, encodeMessageFrame } from '../../../src/p2p/wire/index.js';
import { Block, BlockHeader } from '../../../src/primitives/block.js';
import { merkleRoot } from '../../../src/primitives/merkle.js';
import { compactToTarget, hashMeetsTarget } from '../../../src/primitives/pow.js';
import { generatePrivateKey } from '../../../src/primitives/secp256k1.js';
import { Transaction } from '../../../src/primitives/tx.js';
import { rawFrame } from './frame-corpus.js';
import { FuzzSession } from './fuzz-session.js';

/** Future blocks over the node's 2-hour limit: refused without penalty (it may be our clock), so they keep the session. */
const FUTURE_OFFSET_SEC = 3 * 60 * 60;

export interface FloodResult {
  readonly sent: number;
  /** The session survived the flood (it must: every message was a tolerated one). */
  readonly survived: boolean;
}

/** `count` reject messages about made-up hashes. */
export function rejectFlood(count: number): Buffer[] {
  return Array.from({ length: count }, (_, i) =>
    encodeMessageFrame({ kind: 'reject', messageType: MessageType.Transaction, code: 'flood', reason: `reject number ${i} of a flood, long enough to fill a log line with text`, hash: Buffer.alloc(32, i & 0xff) }),
  );
}

/** `count` pings, each claiming a heavier chain than the last (a liar the node may try to sync from, and that never serves). */
export function heavierChainPingFlood(count: number): Buffer[] {
  return Array.from({ length: count }, (_, i) => encodeMessageFrame({ kind: 'ping', nonce: BigInt(i), bestHeight: 1_000_000 + i, chainWork: (1n << 200n) + BigInt(i) }));
}

/** `count` distinct, proof-of-work-valid children of `parent` timestamped too far in the future. */
export function futureBlockFlood(parent: Block, count: number): Buffer[] {
  const target = compactToTarget(parent.header.bits);
  return Array.from({ length: count }, (_, i) => {
    const coinbase = Transaction.coinbase(parent.height + 1, [{ amount: 1n, pubKeyHash: Buffer.alloc(20, i & 0xff) }], Buffer.from(String(i)));
    let header = new BlockHeader({ ...parent.header.fields(), prevHash: parent.hash, merkleRoot: merkleRoot([coinbase.txid]), timestamp: Math.floor(Date.now() / 1000) + FUTURE_OFFSET_SEC, height: parent.height + 1, nonce: 0 });
    for (let nonce = 0; !hashMeetsTarget(header.hash, target); nonce++) header = header.withNonce(nonce);
    return rawFrame(MessageType.Block, new Block(header, [coinbase]).encode());
  });
}

export async function flood(port: number, localAddress: string, frames: readonly Buffer[], timeoutMs: number): Promise<FloodResult> {
  const session = await FuzzSession.open({ port, localAddress, key: nodeKeyFromPrivateKey(generatePrivateKey()), timeoutMs });
  if (session === undefined) return { sent: 0, survived: false };
  const CHUNK = 200;
  for (let i = 0; i < frames.length - 1; i += CHUNK) void session.write(Buffer.concat(frames.slice(i, Math.min(i + CHUNK, frames.length - 1))));
  // The last one goes with a ping: the pong says the node read them all and kept the session.
  const survived = (await session.exchange(frames.at(-1)!)) === 'tolerated';
  session.destroy();
  return { sent: frames.length, survived };
}
