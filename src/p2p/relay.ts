/**
 * Instant relay: a tx accepted into the mempool or a block connected is announced with `inv`
 * at once to every ready peer not known to have it (never back to its sender); announced
 * items we lack are fetched with get-data; get-data and get-block are served, block replies
 * paced by the socket's backpressure.
 */
import type { Chain } from '../chain/chain.js';
import type { Mempool, MempoolEntry } from '../mempool/mempool.js';
import type { Block } from '../primitives/block.js';
import type { Transaction } from '../primitives/tx.js';
import { errorMessage } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { MAX_GET_DATA_ITEMS } from './constants.js';
import type { OrphanPool } from './orphans.js';
import type { Peer } from './peer.js';
import type { PeerSet } from './peers.js';
import type { TxIntake } from './tx-intake.js';
import { MAX_INV_ITEMS, type GetBlockMessage, type InvItem } from './wire/index.js';

export interface RelayOptions {
  chain: Chain;
  mempool: Mempool;
  peers: PeerSet;
  orphans: OrphanPool<Peer>;
  /** Admits peers' txs, holds orphan txs, and knows which txs we refused recently. */
  txs: TxIntake;
  logger: Logger;
}

export class Relay {
  private readonly options: RelayOptions;
  private readonly logger: Logger;
  /** Per-peer queue so replies go out in request order and one slow reader only slows itself. */
  private readonly serving = new WeakMap<Peer, Promise<void>>();
  private readonly onTxAdded = (entry: MempoolEntry): void => {
    this.announce({ type: 'tx', hash: entry.tx.txid });
  };
  private readonly onBlockConnected = (block: Block): void => {
    this.announce({ type: 'block', hash: block.hash });
  };

  constructor(options: RelayOptions) {
    this.options = options;
    this.logger = options.logger.child({ component: 'relay' });
  }

  start(): void {
    this.options.mempool.on('tx:added', this.onTxAdded);
    this.options.chain.on('block:connected', this.onBlockConnected);
  }

  stop(): void {
    this.options.mempool.off('tx:added', this.onTxAdded);
    this.options.chain.off('block:connected', this.onBlockConnected);
  }

  /** Announces to every ready peer that does not have the item yet, and remembers that it now knows. */
  announce(item: InvItem): number {
    let sent = 0;
    for (const peer of this.options.peers.ready()) {
      if (peer.known.has(item.hash)) continue;
      peer.known.add(item.hash);
      if (peer.send({ kind: 'inv', items: [item] })) sent++;
    }
    return sent;
  }

  /**
   * A peer that just connected never heard the announcements made while it was away: offer it
   * the pool once (parents first, as entries() orders them), capped at one inv message.
   */
  announcePool(peer: Peer): void {
    const items: InvItem[] = [];
    for (const { tx } of this.options.mempool.entries()) {
      if (items.length >= MAX_INV_ITEMS) break;
      if (peer.known.has(tx.txid)) continue;
      peer.known.add(tx.txid);
      items.push({ type: 'tx', hash: tx.txid });
    }
    if (items.length > 0) peer.send({ kind: 'inv', items });
  }

  onInv(peer: Peer, items: readonly InvItem[]): void {
    const { chain, txs, orphans } = this.options;
    const wanted: InvItem[] = [];
    for (const item of items) {
      peer.known.add(item.hash);
      const have =
        item.type === 'tx'
          ? txs.alreadyHave(item.hash)
          : chain.hasBlock(item.hash) || orphans.has(item.hash);
      if (!have) wanted.push(item);
    }
    if (wanted.length > 0) peer.send({ kind: 'get-data', items: wanted });
  }

  onGetData(peer: Peer, items: readonly InvItem[]): void {
    this.enqueue(peer, async () => {
      const missing: InvItem[] = [];
      for (const item of items.slice(0, MAX_GET_DATA_ITEMS)) {
        if (peer.isClosed) return;
        if (item.type === 'tx') {
          const tx = this.options.mempool.get(item.hash);
          if (tx) peer.send({ kind: 'transaction', transaction: tx });
          else missing.push(item);
        } else {
          const encoded = this.options.chain.getBlockBytes(item.hash);
          if (encoded) await peer.sendPaced({ kind: 'block', encoded });
          else missing.push(item);
        }
      }
      if (missing.length > 0) peer.send({ kind: 'not-found', items: missing });
    });
  }

  /** The tutorial's get-block (type 2): one block by height on our active chain, or by hash. */
  onGetBlock(peer: Peer, msg: GetBlockMessage): void {
    this.enqueue(peer, async () => {
      const { chain } = this.options;
      const hash = msg.by === 'height' ? chain.getHashAtHeight(msg.height) : msg.hash;
      const encoded = hash ? chain.getBlockBytes(hash) : undefined;
      if (encoded) await peer.sendPaced({ kind: 'block', encoded });
      else peer.send({ kind: 'not-found', items: msg.by === 'hash' ? [{ type: 'block', hash: msg.hash }] : [] });
    });
  }

  /** Admission, orphan handling and punishment live in TxIntake (src/p2p/tx-intake.ts). */
  onTransaction(peer: Peer, tx: Transaction): void {
    this.options.txs.receive(peer, tx);
  }

  private enqueue(peer: Peer, task: () => Promise<void>): void {
    const previous = this.serving.get(peer) ?? Promise.resolve();
    const next = previous.then(task).catch((err: unknown) => this.logger.error({ peer: peer.label, err: errorMessage(err) }, 'error while serving a peer'));
    this.serving.set(peer, next);
  }
}
