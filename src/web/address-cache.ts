/**
 * The page's address views, kept until the chain tip or the mempool changes. An address view
 * scans every coin of the address twice and the mempool once (the mining address is public and
 * has a coin per block mined), so a page or a script asking for it again must not scan again.
 * Valid only while the node source follows the mempool's adds and removals (subscribed): that
 * is what tells it the pool changed.
 */
import { setNewest } from '../util/bounded-map.js';
import type { ExplorerView } from './source.js';

interface Cached {
  /** The tip hash and the mempool's change count it was built at. */
  readonly state: string;
  readonly view: ExplorerView;
}

export class AddressViewCache {
  /** Insertion order = recency: the first key is the one used least recently. */
  private readonly views = new Map<string, Cached>();
  private poolChanges = 0;
  private following = 0;

  constructor(private readonly maxEntries: number) {}

  /** The mempool added or removed a transaction. */
  poolChanged(): void {
    this.poolChanges++;
  }

  /** The source started (or stopped) following the mempool's events; the count goes on across stops. */
  follow(on: boolean): void {
    this.following += on ? 1 : -1;
    if (this.following === 0) this.views.clear();
  }

  private state(tipHash: string | undefined): string | undefined {
    return this.following > 0 && tipHash !== undefined ? `${tipHash}:${this.poolChanges}` : undefined;
  }

  /** True when a view of `address` is kept for the current state (a request for it costs no scan). */
  has(address: string, tipHash: string | undefined): boolean {
    const state = this.state(tipHash);
    return state !== undefined && this.views.get(address)?.state === state;
  }

  /** The kept view, or `build`'s (kept when it succeeds and nothing changed while it ran). */
  async get(address: string, tipHash: () => string | undefined, build: () => ExplorerView | Promise<ExplorerView>): Promise<ExplorerView> {
    const before = this.state(tipHash());
    const hit = this.views.get(address);
    if (before !== undefined && hit?.state === before) {
      this.views.delete(address);
      this.views.set(address, hit);
      return hit.view;
    }
    const view = await build();
    const after = this.state(tipHash());
    if (after !== undefined && after === before) {
      setNewest(this.views, address, { state: after, view }, this.maxEntries);
    }
    return view;
  }

  get size(): number {
    return this.views.size;
  }
}
