import type { Chain } from '../chain/chain.js';
import type { BlockHeader } from '../primitives/block.js';
import type { Logger } from '../util/logger.js';
import { MEDIAN_TIME_SPAN_BLOCKS } from '../chain/constants.js';
import { checkHeaderBatch, checkHeaderTimes, type HeaderCheck, type HeaderTimeCheck } from './headers.js';
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
  /** Timestamps of the last MEDIAN_TIME_SPAN_BLOCKS headers queued, oldest first: the median-time-past of the next batch, whose parents are not in the chain yet. */
  private lastTimes: number[] = [];
  /** Height of the assumevalid block once it showed up in this session's (linked) headers. */
  private assumeValidHeight: number | undefined;

  constructor(
    private readonly chain: Pick<Chain, 'hasBlock' | 'getHeader' | 'getHashAtHeight' | 'getLocator' | 'params' | 'tip'>,
    /** Core's -assumevalid: signatures of this block's ancestors in the source's headers are not checked. */
    private readonly assumeValid: Buffer | undefined,
    private readonly logger: Logger,
    /** The clock of the max-future-time rule (the session's). */
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** Our chain's locator, continued after the last header queued, which may be on a side branch the locator does not reach. */
  locator(): Buffer[] {
    const base = this.chain.getLocator();
    const last = this.last;
    const locator = last && !base.some((h) => h.equals(last.hash)) ? [last.hash, ...base] : base;
    return locator.slice(0, MAX_LOCATOR_HASHES);
  }

  /**
   * Linkage (to the chain or the last header queued), proof of work and timestamps (median time
   * past, max future time) of a batch from the source. 'time-too-new' names how many headers
   * before the first future one are usable.
   */
  check(headers: readonly BlockHeader[]): HeaderCheck | HeaderTimeCheck {
    const last = this.last;
    const knows = (hash: Buffer): boolean => this.chain.hasBlock(hash) || (last !== undefined && hash.equals(last.hash));
    const linked = checkHeaderBatch(headers, knows, this.chain.params.powBits, !this.chain.tip);
    const first = headers[0];
    if (!linked.ok || !first) return linked;
    return checkHeaderTimes(headers, {
      ancestorTimes: this.ancestorTimes(first),
      nowSec: Math.floor(this.nowMs() / 1000),
      maxFutureBlockTimeSec: this.chain.params.maxFutureBlockTimeSec,
    });
  }

  /** Timestamps of the headers before `first` (linked: its parent is the last header queued or a block of ours), oldest first. */
  private ancestorTimes(first: BlockHeader): number[] {
    if (first.height === 0) return [];
    if (this.last?.hash.equals(first.prevHash)) return this.lastTimes;
    const times: number[] = [];
    let header = this.chain.getHeader(first.prevHash);
    while (header && times.length < MEDIAN_TIME_SPAN_BLOCKS) {
      times.push(header.timestamp);
      header = header.height === 0 ? undefined : this.chain.getHeader(header.prevHash);
    }
    return times.reverse();
  }

  /**
   * Whether a checked batch fails to continue from the last header taken (our locator starts there,
   * so an honest source continues from it): 'switched' when its best chain no longer runs through
   * what we took (a reorg: it brings headers we lack or not of our active chain, or we hold headers
   * from it, `holding`), 'replayed' when it is only headers of our own active chain — a source
   * replaying one full batch of them would otherwise be asked again for ever, its every answer
   * counting as the session's progress. Undefined when it continues (or is the first batch).
   */
  breaks(headers: readonly BlockHeader[], missing: readonly BlockHeader[], holding: boolean): 'switched' | 'replayed' | undefined {
    const first = headers[0];
    if (!this.last || !first || first.prevHash.equals(this.last.hash)) return undefined;
    const ours = (h: BlockHeader): boolean => this.chain.getHashAtHeight(h.height)?.equals(h.hash) === true;
    return holding || missing.length > 0 || !headers.every(ours) ? 'switched' : 'replayed';
  }

  /**
   * Takes a checked batch (or its usable part), of which `missing` are blocks we lack. `final`:
   * the source's next header is not acceptable yet (time-too-new): ask it for no more.
   */
  accept(headers: readonly BlockHeader[], missing: readonly BlockHeader[], final = false): void {
    this.more = !final && headers.length >= MAX_HEADERS_PER_MESSAGE;
    this.lastBatchUseful = !final && missing.length > 0;
    const first = headers[0];
    if (!first) return;
    const before = this.last?.hash.equals(first.prevHash) ? this.lastTimes : this.ancestorTimes(first);
    this.lastTimes = [...before, ...headers.map((h) => h.timestamp)].slice(-MEDIAN_TIME_SPAN_BLOCKS);
    this.last = headers.at(-1);
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
