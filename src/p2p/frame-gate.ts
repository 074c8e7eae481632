/**
 * Checks on a received frame that need only its type and length, so a flood or an out-of-order
 * message is refused before it costs a decode: nothing but the handshake messages (and rejects)
 * before the session is open, and announced inv items within INV_ITEMS_PER_SEC (burst
 * INV_ITEMS_BURST), counted on the frame's length before 50,000 hashes are decoded.
 */
import { INV_ITEMS_BURST, INV_ITEMS_PER_SEC } from './constants.js';
import { TokenBucket } from './rate-limit.js';
import { type Frame, INV_ITEM_BYTES, MessageType, messageKindName } from './wire/index.js';

export interface FrameViolation {
  readonly code: 'unexpected-message' | 'inv-flood';
  readonly reason: string;
}

export class FrameGate {
  private readonly invs: TokenBucket;

  /** `now`: the clock of the inv rate limit (tests); default Date.now. */
  constructor(now?: () => number) {
    this.invs = new TokenBucket({ ratePerSec: INV_ITEMS_PER_SEC, burst: INV_ITEMS_BURST, ...(now ? { now } : {}) });
  }

  /** What is wrong with `frame` (the sender is punished for it), or undefined: decode it. */
  check(frame: Frame, sessionOpen: boolean): FrameViolation | undefined {
    const { type } = frame;
    // A dial-back probe comes instead of a handshake (the peer checks it is the first frame of an inbound connection).
    if (!sessionOpen && type !== MessageType.Handshake && type !== MessageType.HandshakeAck && type !== MessageType.Reject && type !== MessageType.Probe) {
      return { code: 'unexpected-message', reason: `peer sent ${messageKindName(type)} before completing the handshake` };
    }
    if (type === MessageType.Inv) {
      const items = Math.floor(frame.payload.length / INV_ITEM_BYTES); // the varint count is at most 3 bytes of the rest
      if (!this.invs.take(items)) {
        return { code: 'inv-flood', reason: `announced more than ${INV_ITEMS_PER_SEC} items per second (burst ${INV_ITEMS_BURST}); the last inv had ${items}` };
      }
    }
    return undefined;
  }
}
