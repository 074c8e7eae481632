/**
 * Recently seen block headers by hash. A header is fixed by its hash, so an entry can never go
 * stale (whatever becomes of the block: stored, invalid, reorganised away). Saves the ~11 index
 * reads and decodes the median-time-past rule costs per block during sync.
 */
import type { BlockHeader } from '../primitives/block.js';
import { HEADER_CACHE_ENTRIES } from './constants.js';

export class HeaderCache {
  private readonly entries = new Map<string, { readonly header: BlockHeader }>();

  constructor(
    private readonly load: (hash: Buffer) => { readonly header: BlockHeader } | undefined,
    private readonly capacity = HEADER_CACHE_ENTRIES,
  ) {}

  /** The header of `hash` (as `{ header }`, the shape medianTimePast reads), from the cache or `load`. */
  get(hash: Buffer): { readonly header: BlockHeader } | undefined {
    const key = hash.toString('latin1');
    const hit = this.entries.get(key);
    if (hit) return hit;
    const entry = this.load(hash);
    if (entry) this.add(key, entry.header);
    return entry;
  }

  remember(header: BlockHeader): void {
    this.add(header.hash.toString('latin1'), header);
  }

  private add(key: string, header: BlockHeader): void {
    if (this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { header });
  }
}
