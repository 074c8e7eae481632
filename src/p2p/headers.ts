/**
 * Both halves of header sync that need no network: the responder's fork-point search and
 * header list, and the requester's cheap checks on a received batch (linkage, PoW, timestamps)
 * before any body is downloaded.
 */
import type { Chain } from '../chain/chain.js';
import { MEDIAN_TIME_SPAN_BLOCKS } from '../chain/constants.js';
import type { BlockHeader } from '../primitives/block.js';
import { ZERO_HASH } from '../primitives/hash.js';
import { compactToTarget, hashMeetsTarget } from '../primitives/pow.js';
import { MAX_HEADERS_PER_MESSAGE } from './wire/index.js';

/** What header serving reads from the chain (the real Chain satisfies it). */
export type HeaderSource = Pick<Chain, 'tip' | 'getHeader' | 'getHashAtHeight' | 'getHeaderAtHeight'>;

/**
 * Height of the first locator hash that is on our active chain (the fork point), or -1 when
 * none is (an empty locator: the peer has no chain yet, so it gets ours from genesis).
 */
export function findForkHeight(chain: HeaderSource, locator: readonly Buffer[]): number {
  for (const hash of locator) {
    const header = chain.getHeader(hash);
    if (header && chain.getHashAtHeight(header.height)?.equals(hash)) return header.height;
  }
  return -1;
}

/** Headers of our active chain after the fork point, oldest first, up to `max` or through stopHash. */
export function headersAfterLocator(chain: HeaderSource, locator: readonly Buffer[], stopHash: Buffer = ZERO_HASH, max = MAX_HEADERS_PER_MESSAGE): BlockHeader[] {
  const tip = chain.tip;
  if (!tip) return [];
  const headers: BlockHeader[] = [];
  for (let height = findForkHeight(chain, locator) + 1; height <= tip.height && headers.length < max; height++) {
    const header = chain.getHeaderAtHeight(height);
    if (!header) break;
    headers.push(header);
    if (header.hash.equals(stopHash)) break;
  }
  return headers;
}

export type HeaderCheck = { ok: true } | { ok: false; code: 'bad-headers' | 'unconnected-headers'; reason: string };

/**
 * A batch must chain (each prevHash = previous hash, heights consecutive), start on a block we
 * know (or be a genesis when our chain is empty), and each header must meet its own PoW target
 * at the network's difficulty. Broken linkage or PoW is misbehaviour ('bad-headers'); a first
 * header whose parent we lack is just a batch we cannot use ('unconnected-headers').
 */
export function checkHeaderBatch(headers: readonly BlockHeader[], knows: (hash: Buffer) => boolean, powBits: number, chainEmpty: boolean): HeaderCheck {
  const target = compactToTarget(powBits);
  for (const [i, header] of headers.entries()) {
    if (header.bits !== powBits || !hashMeetsTarget(header.hash, target)) {
      return { ok: false, code: 'bad-headers', reason: `header ${header.hashHex} at height ${header.height} does not meet the network's proof-of-work target` };
    }
    if (i === 0) continue;
    const prev = headers[i - 1];
    if (!header.prevHash.equals(prev.hash) || header.height !== prev.height + 1) {
      return { ok: false, code: 'bad-headers', reason: `header ${header.hashHex} does not follow header ${prev.hashHex} in the batch` };
    }
  }
  const first = headers[0];
  if (!first) return { ok: true };
  const isGenesis = first.height === 0 && first.prevHash.equals(ZERO_HASH);
  if (isGenesis ? !chainEmpty && !knows(first.hash) : !knows(first.prevHash)) {
    return { ok: false, code: 'unconnected-headers', reason: `first header ${first.hashHex} builds on ${first.prevHash.toString('hex')}, which we do not have` };
  }
  return { ok: true };
}

export type HeaderTimeCheck =
  | { ok: true }
  | { ok: false; code: 'bad-headers'; reason: string }
  /** Headers from `usable` on are too far in the future: not invalid, just not acceptable yet. */
  | { ok: false; code: 'time-too-new'; usable: number; reason: string };

/** What the timestamp rules of a header batch need besides the batch. */
export interface HeaderTimeContext {
  /** Timestamps of the up to MEDIAN_TIME_SPAN_BLOCKS headers before the batch's first, oldest first (none before a genesis). */
  readonly ancestorTimes: readonly number[];
  readonly nowSec: number;
  readonly maxFutureBlockTimeSec: number;
}

/**
 * The chain's timestamp rules for blocks (validate-block.ts checkHeaderContext), applied to a
 * linked batch before any body is fetched — else a heavier branch of future-dated blocks cost a
 * download window before its first block was refused. A timestamp not after the median of the
 * previous MEDIAN_TIME_SPAN_BLOCKS makes the header invalid for ever: misbehaviour
 * ('bad-headers'; Core's "time-too-old"). One more than maxFutureBlockTimeSec ahead of our clock
 * is only not acceptable yet (Core's "time-too-new", BLOCK_TIME_FUTURE, not punished): the
 * headers before it are usable, it and those after it are not.
 */
export function checkHeaderTimes(headers: readonly BlockHeader[], ctx: HeaderTimeContext): HeaderTimeCheck {
  const times = ctx.ancestorTimes.slice(-MEDIAN_TIME_SPAN_BLOCKS);
  const limit = ctx.nowSec + ctx.maxFutureBlockTimeSec;
  for (const [i, header] of headers.entries()) {
    if (times.length > 0) {
      const median = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
      if (header.timestamp <= median) {
        return { ok: false, code: 'bad-headers', reason: `header ${header.hashHex} at height ${header.height} has timestamp ${header.timestamp}, not after the median time ${median} of the previous blocks` };
      }
    }
    if (header.timestamp > limit) {
      return { ok: false, code: 'time-too-new', usable: i, reason: `header ${header.hashHex} at height ${header.height} has timestamp ${header.timestamp}, more than ${ctx.maxFutureBlockTimeSec}s ahead of this node's clock` };
    }
    times.push(header.timestamp);
    if (times.length > MEDIAN_TIME_SPAN_BLOCKS) times.shift();
  }
  return { ok: true };
}
