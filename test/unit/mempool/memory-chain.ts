/**
 * An in-memory fake of OUR MempoolChain interface (UTXO map + tip) so the pool can be tested
 * before and independently of the LMDB chain. connect/disconnect apply blocks with undo data.
 */
import type { ChainTip, Coin, CoinEntry } from '../../../src/chain/types.js';
import type { MempoolChain } from '../../../src/mempool/mempool.js';
import type { Block } from '../../../src/primitives/block.js';
import { type OutPoint, outPointFromKey, outPointKey } from '../../../src/primitives/tx.js';

const keyOf = (op: OutPoint): string => outPointKey(op).toString('hex');

export class MemoryChain implements MempoolChain {
  tip: ChainTip | undefined;
  private readonly coins = new Map<string, Coin>();
  private readonly undo = new Map<string, [string, Coin][]>();

  getCoin(outpoint: OutPoint): Coin | undefined {
    return this.coins.get(keyOf(outpoint));
  }

  getCoinsByPubKeyHash(pubKeyHash: Buffer): CoinEntry[] {
    const out: CoinEntry[] = [];
    for (const [key, coin] of this.coins) {
      if (coin.pubKeyHash.equals(pubKeyHash)) out.push({ outpoint: outPointFromKey(Buffer.from(key, 'hex')), coin });
    }
    return out;
  }

  connect(block: Block): void {
    const spent: [string, Coin][] = [];
    for (const tx of block.transactions) {
      if (!tx.isCoinbase) {
        for (const input of tx.inputs) {
          const key = keyOf(input.prevout);
          const coin = this.coins.get(key);
          if (!coin) throw new Error(`fake chain: block spends missing ${key}`);
          spent.push([key, coin]);
          this.coins.delete(key);
        }
      }
      tx.outputs.forEach((out, index) => {
        this.coins.set(keyOf({ txid: tx.txid, index }), { amount: out.amount, pubKeyHash: out.pubKeyHash, height: block.height, isCoinbase: tx.isCoinbase });
      });
    }
    this.undo.set(block.hashHex, spent);
    this.tip = { hash: block.hash, height: block.height, chainWork: BigInt(block.height + 1), header: block.header };
  }

  /** Undoes `block` (must be the tip); `parent` becomes the tip. */
  disconnect(block: Block, parent: Block | undefined): void {
    for (const tx of block.transactions) tx.outputs.forEach((_, index) => this.coins.delete(keyOf({ txid: tx.txid, index })));
    for (const [key, coin] of this.undo.get(block.hashHex) ?? []) this.coins.set(key, coin);
    this.tip = parent && { hash: parent.hash, height: parent.height, chainWork: BigInt(parent.height + 1), header: parent.header };
  }
}
