/**
 * Both ends of a compact block without the network: building one from a block, and rebuilding
 * the block from a compact one, our mempool and the transactions the peer sends for the gaps.
 */
import { Block, type BlockHeader } from '../../primitives/block.js';
import type { Transaction } from '../../primitives/tx.js';
import { CRYPTO_RANDOM } from '../../util/random-source.js';
import type { CompactBlockMessage } from '../wire/index.js';
import { shortId, shortIdKey } from './short-id.js';

/** The compact form of `block`: the coinbase prefilled (nobody has it), every other tx as a short id under a fresh nonce. */
export function toCompactBlock(block: Block, nonce: bigint = CRYPTO_RANDOM.uint64()): CompactBlockMessage {
  const key = shortIdKey(block.header, nonce);
  const txs = block.transactions;
  const shortIds: number[] = new Array(txs.length - 1);
  for (let i = 1; i < txs.length; i++) shortIds[i - 1] = shortId(key, txs[i]!.txid);
  return { kind: 'cmpct-block', header: block.header, nonce, shortIds, prefilled: [{ index: 0, tx: txs[0]! }] };
}

/** Calls `visit` with every candidate transaction (compact-receiver: the pool's and the orphans'). */
export type TxVisitor = (visit: (tx: Transaction) => void) => void;

/** Why a compact block cannot be rebuilt from short ids: the full block is asked for instead (never punished, BIP152). */
export type CompactFallback = 'short-id-collision';

/** A block being rebuilt: slots filled from prefilled txs and the mempool; the rest is asked for. */
export class PartialBlock {
  private constructor(
    readonly header: BlockHeader,
    private readonly slots: (Transaction | undefined)[],
  ) {}

  /**
   * Places the prefilled txs, then every candidate (mempool) tx whose short id names a slot. Two
   * candidates with the same short id leave their slot empty (it is asked for); two equal short
   * ids in the compact block itself make it unusable: the caller fetches the full block.
   * `candidates`: a list, or a function that calls `visit` with each (the pool's txs with no list
   * made of them: a 4,000-tx pool through nested generators allocated ~0.9 MB per compact block).
   */
  static from(msg: CompactBlockMessage, candidates: Iterable<Transaction> | TxVisitor): PartialBlock | CompactFallback {
    const total = msg.shortIds.length + msg.prefilled.length;
    const slots: (Transaction | undefined)[] = new Array(total).fill(undefined);
    const prefilled = new Array<boolean>(total).fill(false);
    for (const { index, tx } of msg.prefilled) {
      slots[index] = tx;
      prefilled[index] = true;
    }
    const slotOf = new Map<number, number>();
    let next = 0;
    for (const id of msg.shortIds) {
      while (prefilled[next]) next++;
      if (slotOf.has(id)) return 'short-id-collision';
      slotOf.set(id, next++);
    }
    if (slotOf.size > 0) {
      const key = shortIdKey(msg.header, msg.nonce);
      const collided = new Set<number>();
      const place = (tx: Transaction): void => {
        const slot = slotOf.get(shortId(key, tx.txid));
        if (slot === undefined || collided.has(slot)) return;
        if (slots[slot] === undefined) {
          slots[slot] = tx;
        } else if (!slots[slot]!.txid.equals(tx.txid)) {
          slots[slot] = undefined; // two of our txs share the id: neither can be trusted, ask for it
          collided.add(slot);
        }
      };
      if (typeof candidates === 'function') candidates(place);
      else for (const tx of candidates) place(tx);
    }
    return new PartialBlock(msg.header, slots);
  }

  /** Indexes still empty, increasing (what get-block-txn asks for). */
  missing(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.slots.length; i++) if (this.slots[i] === undefined) out.push(i);
    return out;
  }

  /** Fills the empty slots in order; false when the count does not match (a malformed answer). */
  fill(txs: readonly Transaction[]): boolean {
    const missing = this.missing();
    if (missing.length !== txs.length) return false;
    for (const [i, index] of missing.entries()) this.slots[index] = txs[i];
    return true;
  }

  /**
   * The block once every slot is filled, if its transactions hash to the header's merkle root
   * and the tree is not "mutated" (a repeated tail reaches the same root as the honest block,
   * CVE-2012-2459: Core's check, no set of every txid); otherwise undefined: a short id matched
   * the wrong tx (a collision) or the peer sent wrong ones, and the full block is asked for.
   */
  block(): Block | undefined {
    if (this.slots.some((tx) => tx === undefined)) return undefined;
    const block = new Block(this.header, this.slots as Transaction[]);
    return !block.isMerkleTreeMutated() && block.computeMerkleRoot().equals(this.header.merkleRoot) ? block : undefined;
  }
}
