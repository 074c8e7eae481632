import type { BlockHeader } from '../primitives/block.js';
import { SYNC_MAX_QUEUED_HEADERS } from './constants.js';

/**
 * Headers of a branch not (yet) heavier than our chain, held back from a sync's download: bodies
 * are fetched only once a header proves the branch heavier (Core downloads blocks only of a
 * header chain with more work than its tip). Every block has the network's bits
 * (checkHeaderBatch, checkBlockSanity), so a branch's work is its height: heavier means a header
 * above our tip's height. Without this a peer claiming more work made us fetch and store a
 * lighter branch's every block (~256 hashes each here). At most SYNC_MAX_QUEUED_HEADERS held.
 */
export class LightBranch {
  private held: BlockHeader[] = [];

  /** Headers are held: a batch that does not continue them is a switch of branch. */
  get holding(): boolean {
    return this.held.length > 0;
  }

  /**
   * The headers whose bodies to fetch now (the held ones first, once the batch's last header is
   * above our tip), or 'too-many' when the branch is still not heavier after more than
   * SYNC_MAX_QUEUED_HEADERS headers.
   */
  take(missing: readonly BlockHeader[], lastHeight: number | undefined, tipHeight: number, provenHeavier: (header: BlockHeader) => boolean): readonly BlockHeader[] | 'too-many' {
    // A block we hold as an orphan builds on one of these headers above our tip (it has valid PoW
    // and is why this sync runs): the branch is heavier although the source's headers stop short
    // of it (the source may not have stored it yet — it pushed it on before validating it).
    const proven = missing.some(provenHeavier) || this.held.some(provenHeavier);
    if (proven || (lastHeight !== undefined && lastHeight > tipHeight)) {
      if (this.held.length === 0) return missing;
      const held = this.held;
      this.held = [];
      return [...held, ...missing];
    }
    if (this.held.length + missing.length > SYNC_MAX_QUEUED_HEADERS) return 'too-many';
    for (const header of missing) this.held.push(header);
    return [];
  }

  /** Headers held plus `more`: what the session reports when it gives up. */
  countWith(more: number): number {
    return this.held.length + more;
  }
}
