/**
 * Constants of the TCP wire protocol (docs/protocol.md is the normative description).
 * Changing MAGIC or a message number is a protocol break: bump PROTOCOL_VERSION with it.
 */

/** First bytes of every frame ("KADC"): garbage or a foreign protocol is refused after 4 bytes. */
export const MAGIC: Buffer = Buffer.from([0x4b, 0x41, 0x44, 0x43]);
export const MAGIC_BYTES = 4;

/**
 * Sent in the handshake; a peer below MIN_PROTOCOL_VERSION is refused (cleanly: a reject, no
 * penalty). Version 2 added the observed address to the handshake and the NAT traversal
 * messages (14–19); a version-1 node could not take part in either, so it is refused rather
 * than spoken to in two dialects (docs/protocol.md, "Versions"). Version 3 adds compact block
 * relay (messages 20–23, BIP152); a version-2 peer is still spoken to, with inv / get-data.
 */
export const PROTOCOL_VERSION = 3;
export const MIN_PROTOCOL_VERSION = 2;
/** The first version with compact blocks: messages 20–23 go only to peers that announced it. */
export const COMPACT_BLOCKS_PROTOCOL_VERSION = 3;

/** magic(4) | type(1) | length u32 LE(4) | checksum(4) */
export const FRAME_HEADER_BYTES = 13;
export const FRAME_TYPE_OFFSET = 4;
export const FRAME_LENGTH_OFFSET = 5;
export const FRAME_CHECKSUM_OFFSET = 9;
export const CHECKSUM_BYTES = 4;

/** Payload cap: 4 MiB holds a maximal block (1 MB by default) with room, and bounds what a peer can make us buffer. */
export const MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;

/**
 * A payload this large is written after its frame header as its own buffer (one writev) instead
 * of being copied into a new frame buffer: past half of Node's 8 KiB Buffer pool every frame is
 * a fresh malloc'd ArrayBuffer plus a copy, which a source serving a sync paid per block.
 */
export const FRAME_SPLIT_MIN_PAYLOAD_BYTES = 4 * 1024;

/**
 * Frame type numbers. 0–3 keep the Python tutorial's numbering; the rest are ours.
 * 0 ("none") is reserved and never valid on the wire.
 */
export const MessageType = {
  None: 0,
  Handshake: 1,
  GetBlock: 2,
  Transaction: 3,
  HandshakeAck: 4,
  Ping: 5,
  Pong: 6,
  Inv: 7,
  GetData: 8,
  Block: 9,
  NotFound: 10,
  GetBlocks: 11,
  Headers: 12,
  Reject: 13,
  DialBack: 14,
  DialBackResult: 15,
  Probe: 16,
  Punch: 17,
  GetPunchCandidates: 18,
  PunchCandidates: 19,
  SendCompact: 20,
  CompactBlock: 21,
  GetBlockTxn: 22,
  BlockTxn: 23,
} as const;
export type MessageTypeNumber = (typeof MessageType)[keyof typeof MessageType];

/** Types a frame may carry (everything but None). */
export function isKnownMessageType(type: number): boolean {
  return Number.isInteger(type) && type >= MessageType.Handshake && type <= MessageType.BlockTxn;
}

/**
 * Inventory item kinds (Bitcoin's MSG_TX / MSG_BLOCK / MSG_CMPCT_BLOCK numbers). CompactBlock
 * (protocol version ≥ 3) is only asked for in get-data, of a peer that sent send-compact: the
 * answer is a cmpct-block (BIP152's low-bandwidth mode).
 */
export const InvType = { Tx: 1, Block: 2, CompactBlock: 4 } as const;
/** 32-byte hash + 1 type byte. */
export const INV_ITEM_BYTES = 33;
/** Bitcoin's limit; 50,000 × 33 bytes ≈ 1.6 MB stays well under MAX_PAYLOAD_BYTES. */
export const MAX_INV_ITEMS = 50_000;

/** A locator: ~10 recent hashes then exponentially spaced ones back to genesis; 101 covers 2^90 blocks. */
export const MAX_LOCATOR_HASHES = 101;
/** Headers answered per get-blocks (84 bytes each ≈ 168 KB); the requester asks again from the last one. */
export const MAX_HEADERS_PER_MESSAGE = 2_000;

/** Reject texts are for logs only: bounded so a peer cannot make us log megabytes. */
export const MAX_REJECT_CODE_BYTES = 64;
export const MAX_REJECT_REASON_BYTES = 256;

/** Handshake fields of fixed size. */
export const NODE_ID_BYTES = 32;
export const CHAIN_WORK_BYTES = 32;

/** Node ids in one punch-candidates answer: enough to find a partner, too few to map a relay's peers in one ask. */
export const MAX_PUNCH_CANDIDATES = 16;

/** BIP152's short transaction id: 6 bytes, 2^-48 collision odds per pair. */
export const COMPACT_SHORT_ID_BYTES = 6;
/**
 * Transactions one compact block, get-block-txn or block-txn may name: more than a block can hold
 * in one frame (MAX_PAYLOAD_BYTES / the 44-byte smallest transaction ≈ 95,000), so no valid block
 * is refused, and the most a peer can make us allocate per message.
 */
export const MAX_COMPACT_BLOCK_TXS = 100_000;
