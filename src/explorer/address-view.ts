/** The address view: balance parts and history (the mempool, then the address index, newest first, paged). */
import { addressToPubKeyHash } from '../primitives/address.js';
import { ADDRESS_PAGE_DEFAULT, ADDRESS_PAGE_MAX } from './constants.js';
import { formatCursor, parseCursor, parseLimit } from './refs.js';
import { poolCoin, throwIfIndexBehind } from './tx-view.js';
import type { AddressTxView, AddressView, ExplorerSources } from './types.js';

export interface AddressQuery {
  address: string;
  limit?: unknown;
  before?: unknown;
}

/**
 * getaddress. The first page (no `before`) starts with the address's mempool txs (at most `limit`
 * of them, height null); then `limit` confirmed ones from the index. Throws AddressError (-5) on a
 * bad address and ExplorerError index-syncing (-28) while the index is behind the tip.
 */
export function addressView(src: ExplorerSources, query: AddressQuery): AddressView {
  const pubKeyHash = addressToPubKeyHash(query.address);
  const limit = parseLimit(query.limit, 'limit', ADDRESS_PAGE_DEFAULT, ADDRESS_PAGE_MAX);
  const before = parseCursor(query.before);
  throwIfIndexBehind(src, 'address');
  const { confirmed, immature, unconfirmed } = src.mempool.balance(pubKeyHash);
  const txs: AddressTxView[] = before ? [] : mempoolHistory(src, pubKeyHash, limit);
  const { entries, more } = src.index.addressHistory(pubKeyHash, limit, before);
  for (const e of entries) {
    txs.push({ txid: e.txid.toString('hex'), height: e.height, time: src.chain.getHeaderAtHeight(e.height)?.timestamp ?? null, received: e.received, sent: e.sent });
  }
  const last = entries.at(-1);
  return { address: query.address, confirmed, immature, unconfirmed, txs, more, next: more && last ? formatCursor(last.height, last.txid) : null };
}

/** Pooled txs paying to or spending from `pubKeyHash`, newest first; one pass over the (bounded) pool. */
function mempoolHistory(src: ExplorerSources, pubKeyHash: Buffer, limit: number): AddressTxView[] {
  const out: AddressTxView[] = [];
  const entries = src.mempool.entries();
  for (let i = entries.length - 1; i >= 0 && out.length < limit; i--) {
    const { tx } = entries[i]!;
    let received = 0n;
    let sent = 0n;
    let touches = false;
    for (const o of tx.outputs) {
      if (o.pubKeyHash.equals(pubKeyHash)) {
        received += o.amount;
        touches = true;
      }
    }
    for (const input of tx.inputs) {
      const coin = src.chain.getCoin(input.prevout) ?? poolCoin(src, input.prevout.txid, input.prevout.index);
      if (coin?.pubKeyHash.equals(pubKeyHash)) {
        sent += coin.amount;
        touches = true;
      }
    }
    if (touches) out.push({ txid: tx.txidHex, height: null, time: null, received, sent });
  }
  return out;
}
