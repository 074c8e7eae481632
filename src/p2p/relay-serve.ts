/**
 * The serving side of the relay: get-data (txs, blocks, compact blocks) and get-block answered in
 * request order per peer, rate-limited (SERVE_ITEMS_PER_SEC; requests for data we lack,
 * UNKNOWN_REQUESTS_PER_SEC) and queue-bounded (MAX_SERVE_QUEUE_ITEMS), replies paced by the
 * socket's backpressure. Compact relay queues its answers here too.
 */
import { errorMessage } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import {
  MAX_GET_DATA_ITEMS,
  MAX_SERVE_QUEUE_ITEMS,
  SERVE_FLUSH_BYTES,
  SERVE_ITEMS_BURST,
  SERVE_ITEMS_PER_SEC,
  UNKNOWN_REQUESTS_BURST,
  UNKNOWN_REQUESTS_PER_SEC,
} from './constants.js';
import type { Peer } from './peer.js';
import type { RelayChain, RelayMempool } from './relay-deps.js';
import { TokenBucket } from './rate-limit.js';
import type { GetBlockMessage, InvItem, OutgoingMessage } from './wire/index.js';

export interface RelayServerOptions {
  chain: RelayChain;
  mempool: RelayMempool;
  /** The relay's logger. */
  logger: Logger;
  /** Answers a get-data item of type cmpct-block; false when we do not have the block (compact-relay.ts). */
  serveCompact: (peer: Peer, hash: Buffer) => Promise<boolean>;
  /**
   * The bytes of a block we pushed on (compact-relay.ts) that the chain has not stored yet, or
   * undefined: a peer that could not rebuild our compact block asks for it whole at once, and
   * may ask before our own chain stored it (Core serves it from m_most_recent_block).
   */
  pushedBlockBytes: (hash: Buffer) => Buffer | undefined;
  /** Clock of the rate limits (tests); default Date.now. */
  now?: () => number;
}

/** What one peer may make us do, and what it has queued. */
interface PeerLimits {
  /** get-data items and get-block requests served. */
  readonly serve: TokenBucket;
  /** Requests for data we do not have. */
  readonly unknown: TokenBucket;
  /** Items queued for serving, not yet answered. */
  queuedItems: number;
  /** Replies go out in request order; one slow reader only slows itself. */
  tail: Promise<void>;
}

export class RelayServer {
  private readonly limits = new WeakMap<Peer, PeerLimits>();

  constructor(private readonly options: RelayServerOptions) {}

  /**
   * Served in request order, at most SERVE_ITEMS_PER_SEC items (beyond: not-found), with at
   * most MAX_SERVE_QUEUE_ITEMS waiting (beyond: the peer does not read, it is dropped).
   */
  onGetData(peer: Peer, items: readonly InvItem[]): void {
    const asked = items.slice(0, MAX_GET_DATA_ITEMS);
    this.enqueue(peer, asked.length, async (granted) => {
      const missing: InvItem[] = [];
      const refused: InvItem[] = [];
      // The replies leave in one writev per SERVE_FLUSH_BYTES (uncorked before any wait), not one write per item.
      peer.cork();
      try {
        for (const [i, item] of asked.entries()) {
          if (peer.isClosed) return;
          if (i >= granted) {
            refused.push(item);
            continue;
          }
          if (item.type === 'cmpct-block') {
            peer.uncork();
            const served = await this.options.serveCompact(peer, item.hash);
            peer.cork();
            if (!served) missing.push(item);
            continue;
          }
          const reply = this.reply(peer, item);
          if (!reply) {
            missing.push(item);
            continue;
          }
          peer.send(reply);
          // Paced: 100 standard txs can be 10 MB, more than a slow link's buffer allows.
          if (peer.sendBufferBytes >= SERVE_FLUSH_BYTES) {
            peer.uncork();
            if (peer.sendBufferBytes >= SERVE_FLUSH_BYTES) await peer.drained();
            peer.cork();
          }
        }
      } finally {
        peer.uncork();
      }
      if (missing.length > 0 && !this.countUnknown(peer, missing.length)) return;
      if (missing.length + refused.length > 0) peer.send({ kind: 'not-found', items: [...missing, ...refused] });
    });
  }

  /**
   * A tx from the pool or a block as its stored bytes (never decoded and re-encoded); undefined when
   * we lack it — or, for a tx, when this peer has no business knowing we hold it: only a tx we
   * announced to it or it announced to us (peer.known) is served, as Core's FindTxForGetData serves
   * only what was announced to that peer. Otherwise any peer could probe our whole mempool by
   * txid (which txs reached us, and so where they came from). Such a request is answered
   * not-found and counted like a request for something we lack.
   */
  private reply(peer: Peer, item: InvItem): OutgoingMessage | undefined {
    if (item.type === 'tx') {
      if (!peer.known.has(item.hash)) return undefined;
      const tx = this.options.mempool.get(item.hash);
      return tx ? { kind: 'transaction', transaction: tx } : undefined;
    }
    const encoded = this.options.chain.getBlockBytes(item.hash) ?? this.options.pushedBlockBytes(item.hash);
    return encoded ? { kind: 'block', encoded } : undefined;
  }

  /** The tutorial's get-block (type 2): one block by height on our active chain, or by hash. */
  onGetBlock(peer: Peer, msg: GetBlockMessage): void {
    this.enqueue(peer, 1, async (granted) => {
      const { chain } = this.options;
      const hash = msg.by === 'height' ? chain.getHashAtHeight(msg.height) : msg.hash;
      const encoded = granted > 0 && hash ? chain.getBlockBytes(hash) : undefined;
      if (encoded) return peer.sendPaced({ kind: 'block', encoded });
      if (granted > 0 && !this.countUnknown(peer, 1)) return;
      peer.send({ kind: 'not-found', items: msg.by === 'hash' ? [{ type: 'block', hash: msg.hash }] : [] });
    });
  }

  /** Counts requests for data we lack; false when the peer went over the limit (it is punished). */
  countUnknown(peer: Peer, count: number): boolean {
    if (this.limitsOf(peer).unknown.take(count)) return true;
    peer.punish('unknown-data-flood', `asked for more than ${UNKNOWN_REQUESTS_PER_SEC} items per second that we do not have (burst ${UNKNOWN_REQUESTS_BURST})`);
    return false;
  }

  private limitsOf(peer: Peer): PeerLimits {
    let limits = this.limits.get(peer);
    if (!limits) {
      const now = this.options.now ? { now: this.options.now } : {};
      limits = {
        serve: new TokenBucket({ ratePerSec: SERVE_ITEMS_PER_SEC, burst: SERVE_ITEMS_BURST, ...now }),
        unknown: new TokenBucket({ ratePerSec: UNKNOWN_REQUESTS_PER_SEC, burst: UNKNOWN_REQUESTS_BURST, ...now }),
        queuedItems: 0,
        tail: Promise.resolve(),
      };
      this.limits.set(peer, limits);
    }
    return limits;
  }

  /** Queues a request of `items` items behind the peer's earlier ones; the task learns how many the rate limit granted. */
  enqueue(peer: Peer, items: number, task: (granted: number) => Promise<void>): void {
    const limits = this.limitsOf(peer);
    // Every request holds a queue slot, even an empty one: weighed 0, a non-reader's empty
    // get-datas (14 bytes each) queued promises without limit behind its stuck head.
    const weight = Math.max(1, items);
    if (limits.queuedItems + weight > MAX_SERVE_QUEUE_ITEMS) {
      peer.disconnect('serve-queue-full', `${limits.queuedItems} requested items still waiting to be sent; the peer does not read its replies`);
      return;
    }
    const granted = limits.serve.takeUpTo(items);
    limits.queuedItems += weight;
    limits.tail = limits.tail
      .then(() => task(granted))
      .catch((err: unknown) => this.options.logger.error({ peer: peer.label, err: errorMessage(err) }, 'error while serving a peer'))
      .finally(() => {
        limits.queuedItems -= weight;
      });
  }
}
