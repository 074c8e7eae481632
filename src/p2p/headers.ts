/**
 * Both halves of header sync that need no network: the responder's fork-point search and
 * header list, and the requester's cheap checks on a received batch (linkage and PoW) before
 * any body is downloaded.
 */
import type { Chain } from '../chain/chain.js';
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
