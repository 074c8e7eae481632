import { BufferReader } from '../../../primitives/encoding.js';
import { MAX_REJECT_CODE_BYTES, MAX_REJECT_REASON_BYTES } from '../constants.js';
import { newWriter, readHash, readText, writeHash, writeText } from './fields.js';

/**
 * Tells a peer why we refused something it sent (a tx, a block, a handshake), so its operator
 * can read it in the log. Informational only: receiving a reject never changes state.
 * `code` is our stable error code ('bad-txns-inputs-missingorspent', 'different-genesis', …);
 * `hash` is the rejected object's hash, all-zero when there is none.
 */
export interface RejectMessage {
  readonly kind: 'reject';
  readonly messageType: number;
  readonly code: string;
  readonly reason: string;
  readonly hash: Buffer;
}

/** messageType u8 | varint+UTF-8 code (≤ 64 bytes) | varint+UTF-8 reason (≤ 256 bytes) | hash[32] */
export function encodeReject(msg: RejectMessage): Buffer {
  const w = newWriter(64).u8(msg.messageType);
  writeText(w, msg.code, MAX_REJECT_CODE_BYTES, 'reject code');
  writeText(w, msg.reason, MAX_REJECT_REASON_BYTES, 'reject reason');
  return writeHash(w, msg.hash, 'reject hash').finish();
}

export function decodeReject(payload: Buffer): RejectMessage {
  const r = new BufferReader(payload);
  const msg: RejectMessage = {
    kind: 'reject',
    messageType: r.u8('rejected message type'),
    code: readText(r, MAX_REJECT_CODE_BYTES, 'reject code'),
    reason: readText(r, MAX_REJECT_REASON_BYTES, 'reject reason'),
    hash: readHash(r, 'reject hash'),
  };
  r.end('reject');
  return msg;
}
