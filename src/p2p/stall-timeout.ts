import { BLOCK_STALL_TIMEOUT_DECAY, MAX_BLOCK_STALL_TIMEOUT_MS } from './constants.js';

/**
 * The block-stall timeout of sync (sync-session.ts checkStall), adapted as Core's
 * m_block_stalling_timeout: doubled each time a staller is dropped (up to
 * MAX_BLOCK_STALL_TIMEOUT_MS), shrunk by BLOCK_STALL_TIMEOUT_DECAY for each block connected (down
 * to the configured base). On a link too slow for the base timeout, a fixed one dropped every
 * peer in turn as it held the next block — each drop throwing away its window of bodies in
 * flight; now the second staller gets twice as long, and an honest slow link soon stops looking
 * like stalling. Blocks arriving in time bring it back down in a few blocks (2 s after one drop:
 * 4 s → 2 s in 5 blocks). One per node, shared by its successive sync sessions.
 */
export class AdaptiveStallTimeout {
  private current: number;
  private readonly maxMs: number;

  constructor(private readonly baseMs: number) {
    this.current = baseMs;
    this.maxMs = Math.max(baseMs, MAX_BLOCK_STALL_TIMEOUT_MS);
  }

  get currentMs(): number {
    return this.current;
  }

  /** A staller was dropped: the next one gets twice as long. */
  stallerDropped(): void {
    this.current = Math.min(this.maxMs, this.current * 2);
  }

  /** A block joined the chain: the download is moving, come back towards the base. */
  blockConnected(): void {
    if (this.current > this.baseMs) this.current = Math.max(this.baseMs, Math.floor(this.current * BLOCK_STALL_TIMEOUT_DECAY));
  }
}
