import { BufferReader } from '../../../primitives/encoding.js';
import { DecodeError } from '../../../util/errors.js';
import { MAX_PUNCH_CANDIDATES, NODE_ID_BYTES } from '../constants.js';
import { IP16_BYTES, newWriter, readHash, readIp16, readU16, writeHash, writeIp16, writeU16 } from './fields.js';

/**
 * NAT traversal messages (docs/nat.md): the reachability check (AutoNAT's idea: dial-back,
 * dial-back-result, probe) and hole punching through a common peer (DCUtR's idea: punch,
 * get-punch-candidates, punch-candidates). Every field is fixed-size or counted and bounded.
 */

/** "Dial me back at my IP as you see it, on this port": the IP is never ours to choose, so the check cannot be aimed at a third party. */
export interface DialBackMessage {
  readonly kind: 'dial-back';
  readonly nonce: bigint;
  readonly port: number;
}

export const DIAL_BACK_STATUSES = ['connected', 'connect-failed', 'refused', 'bad-port'] as const;
/** `connected`: the probe was written; `refused`: rate limit or too many checks at once; `bad-port`: port 0. */
export type DialBackStatus = (typeof DIAL_BACK_STATUSES)[number];

export interface DialBackResultMessage {
  readonly kind: 'dial-back-result';
  readonly nonce: bigint;
  readonly status: DialBackStatus;
}

/** The only frame on a dial-back connection: the nonce proves the dial reached the requester and not someone else at that address. */
export interface ProbeMessage {
  readonly kind: 'probe';
  readonly nonce: bigint;
}

export const PUNCH_PHASES = ['connect', 'accept', 'sync', 'refuse'] as const;
/**
 * connect: initiator → relay → target, with the initiator's chosen port;
 * accept: target → relay → initiator, with the target's chosen port;
 * sync: initiator → relay → target, "dial now" (the initiator dials after half the relay RTT);
 * refuse: either end or the relay itself, with a reason.
 */
export type PunchPhase = (typeof PUNCH_PHASES)[number];

export const PUNCH_REASONS = [
  'none',
  'target-not-connected',
  'rate-limited',
  'busy',
  'symmetric-nat',
  'already-connected',
  'not-wanted',
  'unknown-attempt',
] as const;
export type PunchReason = (typeof PUNCH_REASONS)[number];

export const PUNCH_HOPS = ['to-relay', 'from-relay'] as const;
/** Which leg a punch message travels: a node is relay for one and endpoint for the other, and the ids alone cannot tell them apart. */
export type PunchHop = (typeof PUNCH_HOPS)[number];

/**
 * One step of a punch. To the relay (hop 'to-relay'), `nodeId` names the far end and `ip` is ignored (send ::);
 * from the relay, `nodeId` is the far end's *proven* id and `ip` the far end's address as the
 * relay's socket sees it — never a claim of the far end, so a punch cannot aim a dial at a
 * third party.
 */
export interface PunchMessage {
  readonly kind: 'punch';
  readonly hop: PunchHop;
  readonly phase: PunchPhase;
  readonly reason: PunchReason;
  readonly attemptId: bigint;
  readonly nodeId: Buffer;
  readonly ip: string;
  readonly port: number;
}

/** "Which of your peers can nobody dial?": asked of a relay by a node behind a NAT. */
export interface GetPunchCandidatesMessage {
  readonly kind: 'get-punch-candidates';
}

export interface PunchCandidatesMessage {
  readonly kind: 'punch-candidates';
  /** At most MAX_PUNCH_CANDIDATES proven node ids. */
  readonly nodeIds: readonly Buffer[];
}

/** nonce u64 | port u16 */
export const DIAL_BACK_BYTES = 8 + 2;
/** nonce u64 | status u8 */
export const DIAL_BACK_RESULT_BYTES = 8 + 1;
/** nonce u64 */
export const PROBE_BYTES = 8;
/** hop u8 | phase u8 | reason u8 | attemptId u64 | nodeId[32] | ip[16] | port u16 */
export const PUNCH_BYTES = 1 + 1 + 1 + 8 + NODE_ID_BYTES + IP16_BYTES + 2;

function enumIndex<T extends string>(values: readonly T[], value: T, what: string): number {
  const index = values.indexOf(value);
  if (index < 0) throw new RangeError(`unknown ${what} ${value}`);
  return index;
}

function readEnum<T extends string>(r: BufferReader, values: readonly T[], what: string): T {
  const index = r.u8(what);
  const value = values[index];
  if (value === undefined) throw new DecodeError(`${what} ${index} is not one of 0–${values.length - 1}`);
  return value;
}

export function encodeDialBack(msg: DialBackMessage): Buffer {
  return writeU16(newWriter(DIAL_BACK_BYTES).u64(msg.nonce), msg.port).finish();
}

export function decodeDialBack(payload: Buffer): DialBackMessage {
  const r = new BufferReader(payload);
  const msg: DialBackMessage = { kind: 'dial-back', nonce: r.u64('dial-back nonce'), port: readU16(r, 'dial-back port') };
  r.end('dial-back');
  return msg;
}

export function encodeDialBackResult(msg: DialBackResultMessage): Buffer {
  return newWriter(DIAL_BACK_RESULT_BYTES).u64(msg.nonce).u8(enumIndex(DIAL_BACK_STATUSES, msg.status, 'dial-back status')).finish();
}

export function decodeDialBackResult(payload: Buffer): DialBackResultMessage {
  const r = new BufferReader(payload);
  const msg: DialBackResultMessage = { kind: 'dial-back-result', nonce: r.u64('dial-back nonce'), status: readEnum(r, DIAL_BACK_STATUSES, 'dial-back status') };
  r.end('dial-back-result');
  return msg;
}

export function encodeProbe(msg: ProbeMessage): Buffer {
  return newWriter(PROBE_BYTES).u64(msg.nonce).finish();
}

export function decodeProbe(payload: Buffer): ProbeMessage {
  const r = new BufferReader(payload);
  const msg: ProbeMessage = { kind: 'probe', nonce: r.u64('probe nonce') };
  r.end('probe');
  return msg;
}

export function encodePunch(msg: PunchMessage): Buffer {
  const w = newWriter(PUNCH_BYTES)
    .u8(enumIndex(PUNCH_HOPS, msg.hop, 'punch hop'))
    .u8(enumIndex(PUNCH_PHASES, msg.phase, 'punch phase'))
    .u8(enumIndex(PUNCH_REASONS, msg.reason, 'punch reason'))
    .u64(msg.attemptId);
  writeHash(w, msg.nodeId, 'punch node id');
  writeIp16(w, msg.ip);
  return writeU16(w, msg.port).finish();
}

export function decodePunch(payload: Buffer): PunchMessage {
  const r = new BufferReader(payload);
  const msg: PunchMessage = {
    kind: 'punch',
    hop: readEnum(r, PUNCH_HOPS, 'punch hop'),
    phase: readEnum(r, PUNCH_PHASES, 'punch phase'),
    reason: readEnum(r, PUNCH_REASONS, 'punch reason'),
    attemptId: r.u64('punch attempt id'),
    nodeId: readHash(r, 'punch node id'),
    ip: readIp16(r, 'punch address'),
    port: readU16(r, 'punch port'),
  };
  r.end('punch');
  return msg;
}

export function encodeGetPunchCandidates(): Buffer {
  return Buffer.alloc(0);
}

export function decodeGetPunchCandidates(payload: Buffer): GetPunchCandidatesMessage {
  new BufferReader(payload).end('get-punch-candidates');
  return { kind: 'get-punch-candidates' };
}

/** count u8 (≤ MAX_PUNCH_CANDIDATES) | nodeId[32] × count */
export function encodePunchCandidates(msg: PunchCandidatesMessage): Buffer {
  if (msg.nodeIds.length > MAX_PUNCH_CANDIDATES) throw new RangeError(`at most ${MAX_PUNCH_CANDIDATES} punch candidates, got ${msg.nodeIds.length}`);
  const w = newWriter(1 + msg.nodeIds.length * NODE_ID_BYTES).u8(msg.nodeIds.length);
  for (const id of msg.nodeIds) writeHash(w, id, 'punch candidate');
  return w.finish();
}

export function decodePunchCandidates(payload: Buffer): PunchCandidatesMessage {
  const r = new BufferReader(payload);
  const count = r.u8('punch candidate count');
  if (count > MAX_PUNCH_CANDIDATES) throw new DecodeError(`${count} punch candidates, more than the ${MAX_PUNCH_CANDIDATES} allowed`);
  const nodeIds: Buffer[] = [];
  for (let i = 0; i < count; i++) nodeIds.push(readHash(r, 'punch candidate'));
  r.end('punch-candidates');
  return { kind: 'punch-candidates', nodeIds };
}
