/** A block's index entries, from the block and the coins it spent (its undo data). */
import type { Coin } from '../../chain/types.js';
import type { Block } from '../../primitives/block.js';
import type { IndexedBlock } from './codecs.js';

export function indexBlock(block: Block, undo: readonly Coin[]): IndexedBlock {
  const txids: Buffer[] = [];
  const addrs: Array<IndexedBlock['addrs'][number]> = [];
  let spentAt = 0;
  for (const tx of block.transactions) {
    const txid = tx.txid;
    txids.push(txid);
    // Per address of this tx: what it received (outputs) and sent (the coins its inputs spent).
    const parts = new Map<string, { pubKeyHash: Buffer; received: bigint; sent: bigint }>();
    const part = (pubKeyHash: Buffer): { received: bigint; sent: bigint } => {
      const key = pubKeyHash.toString('hex');
      let p = parts.get(key);
      if (!p) parts.set(key, (p = { pubKeyHash, received: 0n, sent: 0n }));
      return p;
    };
    if (!tx.isCoinbase) {
      for (let i = 0; i < tx.inputs.length; i++) {
        const coin = undo[spentAt++];
        if (coin) part(coin.pubKeyHash).sent += coin.amount;
      }
    }
    for (const out of tx.outputs) part(out.pubKeyHash).received += out.amount;
    for (const p of parts.values()) addrs.push({ pubKeyHash: p.pubKeyHash, txid, received: p.received, sent: p.sent });
  }
  return { hash: block.hash, prevHash: block.header.prevHash, height: block.height, txids, addrs };
}

/** Inputs of a block's non-coinbase txs: the length its undo data must have. */
export function spentCount(block: Block): number {
  let n = 0;
  for (const tx of block.transactions) if (!tx.isCoinbase) n += tx.inputs.length;
  return n;
}
