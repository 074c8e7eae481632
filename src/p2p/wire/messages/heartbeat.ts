import { BufferReader } from '../../../primitives/encoding.js';
import { newWriter, readU256, writeU256 } from './fields.js';

/**
 * Heartbeat. A pong echoes the ping's nonce (to measure round-trip time and match the reply)
 * and carries the responder's own best height and work, so both directions learn who is ahead.
 */
export interface HeartbeatFields {
  readonly nonce: bigint;
  readonly bestHeight: number;
  readonly chainWork: bigint;
}
export interface PingMessage extends HeartbeatFields {
  readonly kind: 'ping';
}
export interface PongMessage extends HeartbeatFields {
  readonly kind: 'pong';
}

/** nonce u64 | bestHeight u32 | chainWork u256 BE */
export const HEARTBEAT_BYTES = 8 + 4 + 32;

export function encodeHeartbeat(msg: HeartbeatFields): Buffer {
  const w = newWriter(HEARTBEAT_BYTES).u64(msg.nonce).u32(msg.bestHeight);
  return writeU256(w, msg.chainWork).finish();
}

function decodeHeartbeat(payload: Buffer, what: string): HeartbeatFields {
  const r = new BufferReader(payload);
  const fields = { nonce: r.u64('nonce'), bestHeight: r.u32('best height'), chainWork: readU256(r, 'chain work') };
  r.end(what);
  return fields;
}

export function decodePing(payload: Buffer): PingMessage {
  return { kind: 'ping', ...decodeHeartbeat(payload, 'ping') };
}

export function decodePong(payload: Buffer): PongMessage {
  return { kind: 'pong', ...decodeHeartbeat(payload, 'pong') };
}
