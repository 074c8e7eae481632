import { DecodeError } from '../../../util/errors.js';
import { FRAME_SPLIT_MIN_PAYLOAD_BYTES, MessageType, type MessageTypeNumber } from '../constants.js';
import { WireError } from '../errors.js';
import { encodeFrame, encodeFrameHeader } from '../frame.js';
import { type HandshakeAckMessage, decodeHandshakeAck, encodeHandshakeAck } from './handshake-ack.js';
import { type HandshakeMessage, decodeHandshake, encodeHandshake } from './handshake.js';
import { type PingMessage, type PongMessage, decodePing, decodePong, encodeHeartbeat } from './heartbeat.js';
import { type GetDataMessage, type InvMessage, type NotFoundMessage, decodeGetData, decodeInv, decodeNotFound, encodeInventory } from './inventory.js';
import { type BlockMessage, type EncodedBlockMessage, type TransactionMessage, decodeBlockMessage, decodeTransactionMessage, encodeBlockMessage, encodeTransactionMessage } from './objects.js';
import { type BlockTxnMessage, type CompactBlockMessage, type GetBlockTxnMessage, type SendCompactMessage, decodeBlockTxn, decodeCompactBlock, decodeGetBlockTxn, decodeSendCompact, encodeBlockTxn, encodeCompactBlock, encodeGetBlockTxn, encodeSendCompact } from './compact.js';
import { type RejectMessage, decodeReject, encodeReject } from './reject.js';
import { type DialBackMessage, type DialBackResultMessage, type GetPunchCandidatesMessage, type ProbeMessage, type PunchCandidatesMessage, type PunchMessage, decodeDialBack, decodeDialBackResult, decodeGetPunchCandidates, decodeProbe, decodePunch, decodePunchCandidates, encodeDialBack, encodeDialBackResult, encodeGetPunchCandidates, encodeProbe, encodePunch, encodePunchCandidates } from './traversal.js';
import { type GetBlockMessage, type GetBlocksMessage, type HeadersMessage, decodeGetBlock, decodeGetBlocks, decodeHeaders, encodeGetBlock, encodeGetBlocks, encodeHeaders } from './sync.js';

export * from './compact.js';
export * from './handshake-ack.js';
export * from './handshake.js';
export * from './heartbeat.js';
export * from './inventory.js';
export * from './objects.js';
export * from './reject.js';
export * from './sync.js';
export * from './traversal.js';

export type WireMessage =
  | HandshakeMessage
  | HandshakeAckMessage
  | GetBlockMessage
  | TransactionMessage
  | PingMessage
  | PongMessage
  | InvMessage
  | GetDataMessage
  | BlockMessage
  | NotFoundMessage
  | GetBlocksMessage
  | HeadersMessage
  | RejectMessage
  | DialBackMessage
  | DialBackResultMessage
  | ProbeMessage
  | PunchMessage
  | GetPunchCandidatesMessage
  | PunchCandidatesMessage
  | SendCompactMessage
  | CompactBlockMessage
  | GetBlockTxnMessage
  | BlockTxnMessage;

export type WireMessageKind = WireMessage['kind'];

/** What a node may send: every message kind, or a block as its stored encoding (EncodedBlockMessage). */
export type OutgoingMessage = WireMessage | EncodedBlockMessage;

/** kind → frame type number (the single source of the mapping; docs/protocol.md mirrors it). */
export const MESSAGE_TYPE_BY_KIND: { readonly [K in WireMessageKind]: MessageTypeNumber } = {
  handshake: MessageType.Handshake,
  'get-block': MessageType.GetBlock,
  transaction: MessageType.Transaction,
  'handshake-ack': MessageType.HandshakeAck,
  ping: MessageType.Ping,
  pong: MessageType.Pong,
  inv: MessageType.Inv,
  'get-data': MessageType.GetData,
  block: MessageType.Block,
  'not-found': MessageType.NotFound,
  'get-blocks': MessageType.GetBlocks,
  headers: MessageType.Headers,
  reject: MessageType.Reject,
  'dial-back': MessageType.DialBack,
  'dial-back-result': MessageType.DialBackResult,
  probe: MessageType.Probe,
  punch: MessageType.Punch,
  'get-punch-candidates': MessageType.GetPunchCandidates,
  'punch-candidates': MessageType.PunchCandidates,
  'send-compact': MessageType.SendCompact,
  'cmpct-block': MessageType.CompactBlock,
  'get-block-txn': MessageType.GetBlockTxn,
  'block-txn': MessageType.BlockTxn,
};

const KIND_BY_TYPE = new Map<number, WireMessageKind>(
  Object.entries(MESSAGE_TYPE_BY_KIND).map(([kind, type]) => [type, kind as WireMessageKind]),
);

/** Name of a frame type for logs ('unknown(42)' for anything else). */
export function messageKindName(type: number): string {
  return KIND_BY_TYPE.get(type) ?? `unknown(${type})`;
}

export function messageTypeOf(msg: OutgoingMessage): MessageTypeNumber {
  return MESSAGE_TYPE_BY_KIND[msg.kind];
}

/** The payload bytes of a message (no frame header). Throws RangeError for values that cannot be encoded. */
export function encodeMessage(msg: OutgoingMessage): Buffer {
  switch (msg.kind) {
    case 'handshake': return encodeHandshake(msg);
    case 'handshake-ack': return encodeHandshakeAck(msg);
    case 'get-block': return encodeGetBlock(msg);
    case 'transaction': return encodeTransactionMessage(msg);
    case 'ping':
    case 'pong': return encodeHeartbeat(msg);
    case 'inv':
    case 'get-data':
    case 'not-found': return encodeInventory(msg);
    case 'block': return encodeBlockMessage(msg);
    case 'get-blocks': return encodeGetBlocks(msg);
    case 'headers': return encodeHeaders(msg);
    case 'reject': return encodeReject(msg);
    case 'dial-back': return encodeDialBack(msg);
    case 'dial-back-result': return encodeDialBackResult(msg);
    case 'probe': return encodeProbe(msg);
    case 'punch': return encodePunch(msg);
    case 'get-punch-candidates': return encodeGetPunchCandidates();
    case 'punch-candidates': return encodePunchCandidates(msg);
    case 'send-compact': return encodeSendCompact(msg);
    case 'cmpct-block': return encodeCompactBlock(msg);
    case 'get-block-txn': return encodeGetBlockTxn(msg);
    case 'block-txn': return encodeBlockTxn(msg);
  }
}

/** A complete frame, ready for socket.write. */
export function encodeMessageFrame(msg: OutgoingMessage): Buffer {
  return encodeFrame(messageTypeOf(msg), encodeMessage(msg));
}

/**
 * The frame as one buffer, or — for a payload of FRAME_SPLIT_MIN_PAYLOAD_BYTES or more — as its
 * header and the payload itself (not copied: write both in one writev). The payload must not
 * change until written: message payloads are fresh encodings or stored block bytes.
 */
export function encodeMessageFrameParts(msg: OutgoingMessage): readonly [Buffer] | readonly [Buffer, Buffer] {
  const type = messageTypeOf(msg);
  const payload = encodeMessage(msg);
  return payload.length < FRAME_SPLIT_MIN_PAYLOAD_BYTES ? [encodeFrame(type, payload)] : [encodeFrameHeader(type, payload), payload];
}

const DECODERS: { readonly [T in number]?: (payload: Buffer) => WireMessage } = {
  [MessageType.Handshake]: decodeHandshake,
  [MessageType.GetBlock]: decodeGetBlock,
  [MessageType.Transaction]: decodeTransactionMessage,
  [MessageType.HandshakeAck]: decodeHandshakeAck,
  [MessageType.Ping]: decodePing,
  [MessageType.Pong]: decodePong,
  [MessageType.Inv]: decodeInv,
  [MessageType.GetData]: decodeGetData,
  [MessageType.Block]: decodeBlockMessage,
  [MessageType.NotFound]: decodeNotFound,
  [MessageType.GetBlocks]: decodeGetBlocks,
  [MessageType.Headers]: decodeHeaders,
  [MessageType.Reject]: decodeReject,
  [MessageType.DialBack]: decodeDialBack,
  [MessageType.DialBackResult]: decodeDialBackResult,
  [MessageType.Probe]: decodeProbe,
  [MessageType.Punch]: decodePunch,
  [MessageType.GetPunchCandidates]: decodeGetPunchCandidates,
  [MessageType.PunchCandidates]: decodePunchCandidates,
  [MessageType.SendCompact]: decodeSendCompact,
  [MessageType.CompactBlock]: decodeCompactBlock,
  [MessageType.GetBlockTxn]: decodeGetBlockTxn,
  [MessageType.BlockTxn]: decodeBlockTxn,
};

/**
 * Decodes a frame's payload. Throws WireError 'unknown-type' or 'malformed-payload' (the
 * codec's DecodeError is kept as `cause`): either way the peer sent bytes no honest node sends.
 */
export function decodeMessage(type: number, payload: Buffer): WireMessage {
  const decode = DECODERS[type];
  if (!decode) throw new WireError('unknown-type', `frame has unknown message type ${type}`);
  try {
    return decode(payload);
  } catch (err) {
    if (err instanceof DecodeError) {
      throw new WireError('malformed-payload', `malformed ${messageKindName(type)} message: ${err.message}`, { cause: err });
    }
    throw err;
  }
}
