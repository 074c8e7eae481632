/**
 * Small in-memory fakes of the explorer's interfaces (ExplorerChain + IndexerChain, ExplorerMempool):
 * a chain of blocks with a UTXO map and undo data, which connects, disconnects and reorgs on demand.
 */
import { EventEmitter } from 'node:events';
import type { ChainEvents, ChainTip, Coin } from '../../src/chain/types.js';
import type { ExplorerIndex, ExplorerMempool, ExplorerMempoolEntry } from '../../src/explorer/index.js';
import type { RpcExplorer } from '../../src/rpc/context.js';
import { Block, BlockHeader } from '../../src/primitives/block.js';
import { ZERO_HASH } from '../../src/primitives/hash.js';
import { merkleRoot } from '../../src/primitives/merkle.js';
import { type OutPoint, Transaction, outPointKey } from '../../src/primitives/tx.js';

const key = (b: Buffer): string => b.toString('hex');
const opKey = (op: OutPoint): string => key(outPointKey(op));

export class FakeChain extends EventEmitter<ChainEvents> {
  readonly stored = new Map<string, Block>();
  readonly active: Block[] = [];
  private readonly undo = new Map<string, Coin[]>();
  private readonly coins = new Map<string, Coin>();

  get tip(): ChainTip | undefined {
    const b = this.active.at(-1);
    return b ? { hash: b.hash, height: b.height, chainWork: BigInt(b.height + 1), header: b.header } : undefined;
  }

  /** Applies `block` (on the tip): spends its inputs (throws on a missing coin), adds its outputs, emits block:connected. */
  connect(block: Block, emit = true): void {
    this.stored.set(key(block.hash), block);
    const spent: Coin[] = [];
    for (const tx of block.transactions) {
      if (!tx.isCoinbase) {
        for (const input of tx.inputs) {
          const coin = this.coins.get(opKey(input.prevout));
          if (!coin) throw new Error(`fake chain: missing coin ${opKey(input.prevout)}`);
          this.coins.delete(opKey(input.prevout));
          spent.push(coin);
        }
      }
      tx.outputs.forEach((out, index) => this.coins.set(opKey({ txid: tx.txid, index }), { amount: out.amount, pubKeyHash: out.pubKeyHash, height: block.height, isCoinbase: tx.isCoinbase }));
    }
    this.undo.set(key(block.hash), spent);
    this.active.push(block);
    if (emit) this.emit('block:connected', block);
  }

  /** Takes the tip off (its data stays stored, its undo data goes, as in the real store). */
  disconnect(emit = true): Block {
    const block = this.active.pop()!;
    const spent = this.undo.get(key(block.hash))!;
    let at = 0;
    for (const tx of block.transactions) {
      tx.outputs.forEach((_, index) => this.coins.delete(opKey({ txid: tx.txid, index })));
      if (!tx.isCoinbase) for (const input of tx.inputs) this.coins.set(opKey(input.prevout), spent[at++]!);
    }
    this.undo.delete(key(block.hash));
    if (emit) this.emit('block:disconnected', block);
    return block;
  }

  getHashAtHeight(height: number): Buffer | undefined {
    return this.active[height]?.hash;
  }
  getHeaderAtHeight(height: number): BlockHeader | undefined {
    return this.active[height]?.header;
  }
  getBlock(hash: Buffer): Block | undefined {
    return this.stored.get(key(hash));
  }
  getBlockPrefix(hash: Buffer, bytes: number): { prefix: Buffer; length: number } | undefined {
    const data = this.stored.get(key(hash))?.encode();
    return data ? { prefix: Buffer.from(data.subarray(0, bytes)), length: data.length } : undefined;
  }
  getChainWork(hash: Buffer): bigint | undefined {
    const b = this.stored.get(key(hash));
    return b ? BigInt(b.height + 1) * 0x1_0000_0000_0000_0000n : undefined;
  }
  getUndo(hash: Buffer): Coin[] | undefined {
    return this.undo.get(key(hash));
  }
  getCoin(outpoint: OutPoint): Coin | undefined {
    return this.coins.get(opKey(outpoint));
  }
}

export class FakeMempool implements ExplorerMempool {
  readonly pooled: ExplorerMempoolEntry[] = [];
  add(tx: Transaction, fee = 0n): void {
    this.pooled.push({ tx, fee, size: tx.size, addedAtMs: this.pooled.length });
  }
  entry(txid: Buffer): ExplorerMempoolEntry | undefined {
    return this.pooled.find((e) => e.tx.txid.equals(txid));
  }
  entries(): readonly ExplorerMempoolEntry[] {
    return this.pooled;
  }
  balance(): { confirmed: bigint; immature: bigint; unconfirmed: bigint } {
    return { confirmed: 7n, immature: 3n, unconfirmed: 9n };
  }
}

export const noIndex: ExplorerIndex = {
  best: undefined,
  findTx: () => undefined,
  addressHistory: () => ({ entries: [], more: false }),
};

/** An explorer over an empty chain and pool (for RPC tests that do not use it). */
export function emptyExplorer(): RpcExplorer {
  return { chain: new FakeChain(), mempool: new FakeMempool(), index: noIndex, indexSettled: async () => undefined, indexSynced: () => false };
}

/** Addresses the generated chains pay (fixed public-key hashes). */
export const PKHS: readonly Buffer[] = [1, 2, 3, 4].map((i) => Buffer.alloc(20, i));
const CHAIN_START_SEC = 1_700_000_000;

/** A block on `parent` (unmined: the fakes do not check proof of work), deterministic for the same inputs. */
export function chainBlock(parent: Block | undefined, coinbaseTo: Buffer, txs: readonly Transaction[] = [], extra = 0): Block {
  const height = parent ? parent.height + 1 : 0;
  const coinbase = Transaction.coinbase(height, [{ amount: 50n, pubKeyHash: coinbaseTo }], Buffer.from([extra]));
  const all = [coinbase, ...txs];
  const header = new BlockHeader({
    version: 1,
    prevHash: parent ? parent.hash : ZERO_HASH,
    merkleRoot: merkleRoot(all.map((tx) => tx.txid)),
    timestamp: CHAIN_START_SEC + height,
    bits: 0x207fffff,
    height,
    nonce: extra,
  });
  return new Block(header, all);
}

/** A tx spending `prevouts` (no real signature: the fakes do not verify). */
export function fakeSpend(prevouts: readonly OutPoint[], outputs: ReadonlyArray<{ amount: bigint; pubKeyHash: Buffer }>): Transaction {
  return new Transaction(1, prevouts.map((prevout) => ({ prevout, publicKey: Buffer.alloc(33, 2), signature: Buffer.alloc(64, 1) })), outputs);
}

/**
 * `count` blocks from genesis: block i pays its reward to PKHS[i % 4]; every block from 1 on also
 * spends the previous block's reward: 30 to the next address, 20 back. `extra` makes another branch.
 */
export function generateChain(count: number, from?: Block, extra = 0): Block[] {
  const blocks: Block[] = [];
  let parent = from;
  for (let i = 0; i < count; i++) {
    const height = parent ? parent.height + 1 : 0;
    const txs = parent ? [fakeSpend([{ txid: parent.transactions[0]!.txid, index: 0 }], [{ amount: 30n, pubKeyHash: PKHS[(height + 1) % 4]! }, { amount: 20n, pubKeyHash: PKHS[(height - 1) % 4]! }])] : [];
    const block = chainBlock(parent, PKHS[height % 4]!, txs, extra);
    blocks.push(block);
    parent = block;
  }
  return blocks;
}

/** What the address index must hold after `blocks` (replayed independently of the indexer): per pkh hex, newest first. */
export function expectedHistory(blocks: readonly Block[]): Map<string, Array<{ height: number; txid: string; received: bigint; sent: bigint }>> {
  const coins = new Map<string, { amount: bigint; pubKeyHash: Buffer }>();
  const out = new Map<string, Array<{ height: number; txid: string; received: bigint; sent: bigint }>>();
  for (const block of blocks) {
    for (const tx of block.transactions) {
      const parts = new Map<string, { received: bigint; sent: bigint }>();
      const part = (pkh: Buffer): { received: bigint; sent: bigint } => {
        const k = key(pkh);
        if (!parts.has(k)) parts.set(k, { received: 0n, sent: 0n });
        return parts.get(k)!;
      };
      if (!tx.isCoinbase) {
        for (const input of tx.inputs) {
          const coin = coins.get(opKey(input.prevout))!;
          coins.delete(opKey(input.prevout));
          part(coin.pubKeyHash).sent += coin.amount;
        }
      }
      tx.outputs.forEach((o, index) => {
        coins.set(opKey({ txid: tx.txid, index }), o);
        part(o.pubKeyHash).received += o.amount;
      });
      for (const [pkh, p] of parts) {
        if (!out.has(pkh)) out.set(pkh, []);
        out.get(pkh)!.push({ height: block.height, txid: tx.txidHex, ...p });
      }
    }
  }
  for (const list of out.values()) list.sort((x, y) => y.height - x.height || (y.txid < x.txid ? -1 : y.txid > x.txid ? 1 : 0));
  return out;
}
