/**
 * The TCP half of the live campaign: workers that each hold a handshaken session from their own
 * loopback address and trade fuzz frames until the target count is sent (reconnecting after
 * every drop), pre-handshake garbage, and slowloris peers that dribble one byte at a time.
 */
import fc from 'fast-check';
import { nodeKeyFromPrivateKey, type NodeKey } from '../../../src/p2p/discovery/node-key.js';
import { MessageType, PROTOCOL_VERSION, encodeMessageFrame, messageKindName } from '../../../src/p2p/wire/index.js';
import { encodeMessage } from '../../../src/p2p/wire/messages/index.js';
import { ZERO_HASH } from '../../../src/primitives/hash.js';
import { generatePrivateKey } from '../../../src/primitives/secp256k1.js';
import { bytesArb, hashArb, mutated, u16Arb, u256Arb, u32Arb, u64Arb } from '../../unit/fuzz/fuzz-helpers.js';
import { observedArb } from '../../unit/fuzz/message-arbitraries.js';
import { type FrameCorpus, isMutated, rawFrame } from './frame-corpus.js';
import { FuzzSession, type Outcome } from './fuzz-session.js';

export interface TcpStats {
  connections: number;
  /** Sessions that never opened (the node refused or did not answer the handshake). */
  handshakeFailures: number;
  frames: number;
  /** Frames of the mutated families (frame-corpus.ts isMutated): what the campaign's target counts. */
  mutated: number;
  readonly byType: Record<string, number>;
  readonly byFamily: Record<string, number>;
  /** Frames after which the node dropped the session, by type. */
  readonly droppedByType: Record<string, number>;
  /**
   * Well-formed messages (the 'valid' family) after which the session was dropped, by kind. Random
   * ones are mostly faults (a second handshake, an invalid tx); the drop may also be the late
   * verdict on the frame before (blocks are validated asynchronously). honest-traffic.ts checks
   * exactly that honest messages are never punished.
   */
  readonly validDropped: Record<string, number>;
  readonly outcomes: Record<Outcome, number>;
  /** Frames the node answered with bytes our decoder refused. */
  badReplies: string[];
}

export function newTcpStats(): TcpStats {
  return { connections: 0, handshakeFailures: 0, frames: 0, mutated: 0, byType: {}, byFamily: {}, droppedByType: {}, validDropped: {}, outcomes: { tolerated: 0, closed: 0, stalled: 0, unsent: 0 }, badReplies: [] };
}

const bump = (m: Record<string, number>, k: string): void => void (m[k] = (m[k] ?? 0) + 1);

export interface WorkerOptions {
  readonly port: number;
  readonly localAddress: string;
  readonly corpus: FrameCorpus;
  readonly stats: TcpStats;
  /** Stop once the shared stats hold this many mutated frames. */
  readonly targetMutated: number;
  readonly timeoutMs: number;
  /** Frames larger than this are skipped (dribbled sessions: 1 byte per dribbleMs). */
  readonly maxFrameBytes?: number;
  readonly dribbleMs?: number;
}

/** One fuzzing connection after another from `localAddress` until the target is reached. */
export async function runFrameWorker(o: WorkerOptions): Promise<void> {
  const key: NodeKey = nodeKeyFromPrivateKey(generatePrivateKey());
  while (o.stats.mutated < o.targetMutated) {
    o.stats.connections++;
    const session = await FuzzSession.open({ port: o.port, localAddress: o.localAddress, key, timeoutMs: o.timeoutMs, ...(o.dribbleMs === undefined ? {} : { dribbleMs: o.dribbleMs }) });
    if (session === undefined) {
      o.stats.handshakeFailures++;
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    let outcome: Outcome = 'tolerated';
    while (outcome === 'tolerated' && o.stats.mutated < o.targetMutated) {
      const frame = o.corpus.next();
      if (o.maxFrameBytes !== undefined && frame.bytes.length > o.maxFrameBytes) continue;
      outcome = await session.exchange(frame.bytes);
      o.stats.outcomes[outcome]++;
      if (outcome === 'unsent') break; // the node had closed the session: nothing was written, nothing is counted
      o.stats.frames++;
      if (isMutated(frame)) o.stats.mutated++;
      const kind = messageKindName(frame.type).replace(/\(\d+\)$/, ''); // unknown types counted together
      bump(o.stats.byType, kind);
      bump(o.stats.byFamily, frame.family.split(':')[0]!);
      if (outcome === 'closed') {
        bump(o.stats.droppedByType, kind);
        if (frame.family === 'valid') bump(o.stats.validDropped, kind);
      }
    }
    if (session.badReply !== undefined) o.stats.badReplies.push(session.badReply);
    session.destroy();
  }
}

export interface GarbageStats {
  connections: number;
  /** Closed by the node within the deadline. */
  closedByNode: number;
  /** Still open at the deadline: the node holds a slot for bytes that can never become a session. */
  lingering: number;
  /** The node opened a session (sent a ping) although the bytes before were garbage. */
  opened: number;
  readonly byKind: Record<string, number>;
}

export function newGarbageStats(): GarbageStats {
  return { connections: 0, closedByNode: 0, lingering: 0, opened: 0, byKind: {} };
}

// observed: any address, as a hostile peer may claim (a version below 2 encodes without it)
const handshakeArb = fc.record({ kind: fc.constant('handshake' as const), version: u32Arb, genesisHash: fc.oneof(fc.constant(ZERO_HASH), hashArb), bestHeight: u32Arb, chainWork: u256Arb, nodeId: hashArb, listenPort: u16Arb, nonce: u64Arb, observed: observedArb });

/** What a garbage connection writes before any handshake could complete (never a valid session opening). */
const garbageArb: fc.Arbitrary<{ kind: string; bytes: Buffer }> = fc.oneof(
  bytesArb(1, 600).map((bytes) => ({ kind: 'random-bytes', bytes })),
  bytesArb(0, 600).map((b) => ({ kind: 'magic-then-random', bytes: Buffer.concat([Buffer.from('KADC'), b]) })),
  fc.tuple(fc.constantFrom(0, 24, 200, 255), bytesArb(0, 40)).map(([type, b]) => ({ kind: 'unknown-type', bytes: rawFrame(type, b) })),
  bytesArb(0, 40).map((b) => {
    const f = rawFrame(MessageType.Handshake, b);
    f.writeUInt32LE(0xffff_ffff, 5);
    return { kind: 'oversize-length', bytes: f };
  }),
  handshakeArb.map((hs) => {
    const f = rawFrame(MessageType.Handshake, encodeMessage(hs));
    f[9]! ^= 0xff;
    return { kind: 'bad-checksum', bytes: f };
  }),
  fc.tuple(fc.constantFrom(MessageType.Ping, MessageType.Inv, MessageType.Block, MessageType.GetData, MessageType.Transaction), bytesArb(0, 100)).map(([type, b]) => ({ kind: 'frame-before-handshake', bytes: rawFrame(type, b) })),
  mutated(handshakeArb.map((hs) => encodeMessage(hs))).map((b) => ({ kind: 'mutated-handshake', bytes: rawFrame(MessageType.Handshake, b) })),
  handshakeArb.map((hs) => ({ kind: 'incompatible-handshake', bytes: rawFrame(MessageType.Handshake, encodeMessage({ ...hs, version: 0 })) })),
  fc.tuple(handshakeArb, bytesArb(1, 200)).map(([hs, b]) => ({ kind: 'handshake-then-garbage', bytes: Buffer.concat([rawFrame(MessageType.Handshake, encodeMessage({ ...hs, version: PROTOCOL_VERSION, genesisHash: ZERO_HASH })), b]) })),
  fc.tuple(handshakeArb, bytesArb(97, 97)).map(([hs, ack]) => ({ kind: 'handshake-bad-ack', bytes: Buffer.concat([rawFrame(MessageType.Handshake, encodeMessage({ ...hs, version: PROTOCOL_VERSION, genesisHash: ZERO_HASH })), rawFrame(MessageType.HandshakeAck, ack)]) })),
);

export interface GarbageOptions {
  readonly port: number;
  readonly localAddresses: readonly string[];
  readonly seed: number;
  readonly count: number;
  readonly concurrency: number;
  /** The node must have closed a garbage connection by then (its handshake timeout, 5 s, plus slack). */
  readonly closeDeadlineMs: number;
  readonly stats: GarbageStats;
}

/** Connections that write garbage (whole or one byte at a time) before or instead of a handshake. */
export async function runGarbage(o: GarbageOptions): Promise<void> {
  const samples = fc.sample(fc.tuple(garbageArb, fc.boolean()), { seed: o.seed, numRuns: o.count });
  let next = 0;
  const key = nodeKeyFromPrivateKey(generatePrivateKey());
  const lane = async (laneNo: number): Promise<void> => {
    while (next < samples.length) {
      const [garbage, dribble] = samples[next++]!;
      const localAddress = o.localAddresses[laneNo % o.localAddresses.length]!;
      o.stats.connections++;
      bump(o.stats.byKind, garbage.kind);
      // Dribbled garbage: 1 byte per ms, at most 100 bytes (the rest is whole), so a lane is not slowed for long.
      const session = await FuzzSession.connect({ port: o.port, localAddress, key, timeoutMs: o.closeDeadlineMs, ...(dribble ? { dribbleMs: 1 } : {}) });
      if (session === undefined) continue;
      void session.write(dribble ? garbage.bytes.subarray(0, 100) : garbage.bytes);
      const closed = await session.until(() => session.closed);
      if (closed) o.stats.closedByNode++;
      else o.stats.lingering++;
      if (session.ready) o.stats.opened++;
      session.destroy();
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, (_, i) => lane(i)));
}

export interface SlowlorisStats {
  oneByteWrites: number;
  /** Dribbled sessions opened (a handshake written one byte at a time), and frames they wrote in full. */
  opened: number;
  framesTraded: number;
  /** Peers dribbling slower than the handshake timeout: dropped by the node (as they must be). */
  tooSlowDropped: number;
  tooSlowKept: number;
  /** Sessions that stopped in the middle of a frame: dropped by the frame timeout. */
  midFrameDropped: number;
  midFrameKept: number;
}

export function newSlowlorisStats(): SlowlorisStats {
  return { oneByteWrites: 0, opened: 0, framesTraded: 0, tooSlowDropped: 0, tooSlowKept: 0, midFrameDropped: 0, midFrameKept: 0 };
}

export interface SlowlorisOptions {
  readonly port: number;
  readonly localAddress: string;
  readonly corpus: FrameCorpus;
  readonly frames: number;
  /** The node's p2p.frameTimeoutMs. */
  readonly frameTimeoutMs: number;
  readonly stats: SlowlorisStats;
}

/** A refused dribbler handshake is retried this often, this far apart (inbound slots freed by then). */
const DRIBBLER_OPEN_ATTEMPTS = 20;
const DRIBBLER_RETRY_MS = 250;

/** Three slowloris peers: one fast enough to keep its session, one too slow for the handshake, one that stalls mid-frame. */
export async function runSlowloris(o: SlowlorisOptions): Promise<void> {
  const key = nodeKeyFromPrivateKey(generatePrivateKey());
  const honestDribbler = async (): Promise<void> => {
    // Reconnects after every frame that ends the session, until it traded o.frames (or a handshake fails).
    while (o.stats.framesTraded < o.frames) {
      // The frames campaign shares this address and may hold the node's inbound slots for a moment:
      // a refused handshake is tried again before the dribbler gives up.
      let session: FuzzSession | undefined;
      for (let attempt = 0; attempt < DRIBBLER_OPEN_ATTEMPTS && session === undefined; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, DRIBBLER_RETRY_MS));
        session = await FuzzSession.open({ port: o.port, localAddress: o.localAddress, key, timeoutMs: 30_000, dribbleMs: 2 });
      }
      if (session === undefined) return;
      o.stats.opened++;
      while (o.stats.framesTraded < o.frames) {
        const frame = o.corpus.next();
        if (frame.bytes.length > 400) continue;
        // Counted only once written in full (a session the node closed mid-dribble did not get the frame).
        const outcome = await session.exchange(frame.bytes);
        if (outcome === 'tolerated' || (outcome === 'closed' && session.lastFrameWritten)) o.stats.framesTraded++;
        if (outcome !== 'tolerated') break;
      }
      o.stats.oneByteWrites += session.oneByteWrites;
      session.destroy();
    }
  };
  const tooSlow = async (): Promise<void> => {
    // A handshake at 1 byte per 500 ms would take over a minute: the 5 s handshake timeout must end it.
    const session = await FuzzSession.connect({ port: o.port, localAddress: o.localAddress, key: nodeKeyFromPrivateKey(generatePrivateKey()), timeoutMs: 15_000, dribbleMs: 500 });
    if (session === undefined) return;
    session.send({ ...session.handshake(ZERO_HASH), nonce: 1n });
    if (await session.until(() => session.closed)) o.stats.tooSlowDropped++;
    else o.stats.tooSlowKept++;
    o.stats.oneByteWrites += session.oneByteWrites;
    session.destroy();
  };
  const midFrame = async (): Promise<void> => {
    const session = await FuzzSession.open({ port: o.port, localAddress: o.localAddress, key: nodeKeyFromPrivateKey(generatePrivateKey()), timeoutMs: 15_000 });
    if (session === undefined) return;
    void session.write(encodeMessageFrame({ kind: 'ping', nonce: 1n, bestHeight: 0, chainWork: 0n }).subarray(0, 10)); // a header's first 10 bytes, then nothing
    if (await session.until(() => session.closed, o.frameTimeoutMs + 10_000)) o.stats.midFrameDropped++;
    else o.stats.midFrameKept++;
    session.destroy();
  };
  await Promise.all([honestDribbler(), tooSlow(), midFrame()]);
}
