import type { Chain } from '../chain/chain.js';
import type { BlockHeader } from '../primitives/block.js';
import type { Logger } from '../util/logger.js';
import { checkHeaderBatch, type HeaderCheck } from './headers.js';
import { MAX_HEADERS_PER_MESSAGE, MAX_LOCATOR_HASHES } from './wire/index.js';

/**
 * What one sync session (sync-session.ts) has learnt of its source's headers: the last one
 * queued, where the next get-blocks continues; whether the source has more; and where the
 * assumevalid block sits in them. Kept apart from the download, which only sees the headers
 * of blocks we lack.
 */
export class HeaderTrail {
  /** The last headers batch was full: the source has more after `last`. */
  more = true;
  /** The last batch brought headers we lacked (the source may have mined more since). */
  lastBatchUseful = false;
  last: BlockHeader | undefined;
  /** Height of the assumevalid block once it showed up in this session's (linked) headers. */
  private assumeValidHeight: number | undefined;

  constructor(
    private readonly chain: Pick<Chain, 'hasBlock' | 'getLocator' | 'params' | 'tip'>,
    /** Core's -assumevalid: signatures of this block's ancestors in the source's headers are not checked. */
    private readonly assumeValid: Buffer | undefined,
    private readonly logger: Logger,
  ) {}

  /** Our chain's locator, continued after the last header queued, which may be on a side branch the locator does not reach. */
  locator(): Buffer[] {
    const base = this.chain.getLocator();
    const last = this.last;
    const locator = last && !base.some((h) => h.equals(last.hash)) ? [last.hash, ...base] : base;
    return locator.slice(0, MAX_LOCATOR_HASHES);
  }

  /** Linkage (to the chain or the last header queued) and proof of work of a batch from the source. */
  check(headers: readonly BlockHeader[]): HeaderCheck {
    const last = this.last;
    const knows = (hash: Buffer): boolean => this.chain.hasBlock(hash) || (last !== undefined && hash.equals(last.hash));
    return checkHeaderBatch(headers, knows, this.chain.params.powBits, !this.chain.tip);
  }

  /** Takes a checked batch, of which `missing` are blocks we lack. */
  accept(headers: readonly BlockHeader[], missing: readonly BlockHeader[]): void {
    this.more = headers.length >= MAX_HEADERS_PER_MESSAGE;
    this.lastBatchUseful = missing.length > 0;
    this.last = headers.at(-1) ?? this.last;
  }

  /** Queued headers are linked, so one at or below the assumevalid block's height is its ancestor (or it). */
  skipsSignatures(height: number): boolean {
    return this.assumeValidHeight !== undefined && height <= this.assumeValidHeight;
  }

  /** Headers queued for download (not those of a branch held back as lighter): is the assumevalid block among them? */
  noteAssumeValid(headers: readonly BlockHeader[]): void {
    const target = this.assumeValid;
    if (!target || this.assumeValidHeight !== undefined) return;
    const found = headers.find((h) => h.hash.equals(target));
    if (!found) return;
    this.assumeValidHeight = found.height;
    this.logger.info({ height: found.height, hash: found.hashHex }, 'assumevalid block is in the headers: signatures of its ancestors are not checked');
  }
}
