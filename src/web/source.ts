/**
 * What the status page reads, as one narrow interface: the node builds it from its chain,
 * mempool, peer layer and the explorer views (node-source.ts); tests pass small fakes. Every
 * value is public chain or network data: nothing here may come from the wallet.
 */

/** `{height, hash, time (unix s), txs (count), size (bytes)}`: the explorer's block summary. */
export interface BlockSummaryView {
  readonly height: number;
  readonly hash: string;
  readonly time: number;
  readonly txs: number;
  readonly size: number;
}

/** A block, a transaction or an address as the explorer shows it (shapes in docs/status-page.md); passed through as is. */
export type ExplorerView = object;

/**
 * One event pushed to every /ws client. Its data is built when it is sent, once whatever the
 * number of clients, and not at all when nobody listens or a newer event of its kind replaces it
 * (a sync connecting thousands of blocks a second builds a few summaries, not thousands).
 */
export interface WebEvent {
  readonly event: WebEventName;
  readonly data: () => unknown;
}

export const WEB_EVENT_NAMES = ['block-connected', 'block-disconnected', 'tx-accepted', 'peer-up', 'peer-down', 'sync-progress'] as const;
export type WebEventName = (typeof WEB_EVENT_NAMES)[number];

/** A reference to a block: its hash (64 hex digits) or its height. */
export type BlockRef = { readonly hash: string } | { readonly height: number };

export interface WebSource {
  /** Chain, mempool, peer count, sync and NAT/reachability in one answer (the page's header). */
  status(): object;
  peers(): object[];
  /** Count, bytes and the newest `limit` transactions (newest first). */
  pool(limit: number): object;
  /** Summaries of the active chain's blocks from `start` upwards, `count` at most. */
  blocks(start: number, count: number): BlockSummaryView[];
  /** How many of those `blocks(start, count)` would read from the store (not already cached): what the request costs. Cheap. */
  uncachedSummaries(start: number, count: number): number;
  /**
   * The stored size in bytes of the block a `block` request would decode, or the block holding a
   * confirmed transaction (`tx`); 0 when there is none (unknown, or the tx is in the mempool).
   * Cheap: never decodes a block.
   */
  blockBytes(ref: BlockRef | { readonly txid: string }): number;
  /** Throws a WebError('not-found') when there is no such block, tx or address history. */
  block(ref: BlockRef): ExplorerView;
  /** May wait (a bounded time) for the transaction index to reach the tip. */
  tx(txid: string): ExplorerView | Promise<ExplorerView>;
  address(address: string): ExplorerView | Promise<ExplorerView>;
  /** True when `address` would be answered from the cache (no coin scan): what the request costs. */
  addressCached(address: string): boolean;
  /** Calls `listener` for every event until the returned function is called. */
  subscribe(listener: (event: WebEvent) => void): () => void;
}
