/**
 * Real Block and Transaction objects for the simulated chain, built cheaply: txs with distinct
 * ids and the right size (their signatures are filler: the stand-in mempool does not verify
 * them), blocks with a real merkle root and a nonce that meets SIM_POW_BITS.
 */
import { Block, BlockHeader } from '../primitives/block.js';
import { ZERO_HASH } from '../primitives/hash.js';
import { merkleRoot } from '../primitives/merkle.js';
import { compactToTarget, hashMeetsTarget } from '../primitives/pow.js';
import { Transaction, type TxOutput } from '../primitives/tx.js';
import { SIM_POW_BITS, SIM_TX_BASE_BYTES, SIM_TX_OUTPUT_BYTES } from './constants.js';
import { SIM_EPOCH_MS } from './virtual-clock.js';

const FILLER_PUBKEY = Buffer.alloc(33, 2);
const FILLER_SIGNATURE = Buffer.alloc(64, 1);

/** Makes distinct transactions of about `txBytes` each (never two with the same txid in one run). */
export class SimTxFactory {
  private seq = 0;

  make(txBytes: number): Transaction {
    const outputs = Math.max(1, Math.round((txBytes - SIM_TX_BASE_BYTES) / SIM_TX_OUTPUT_BYTES));
    const prevTxid = Buffer.alloc(32);
    prevTxid.writeUInt32LE(++this.seq, 0);
    prevTxid.writeUInt32LE(0x5157, 4); // "sim": never a real txid's prefix in practice
    const outs: TxOutput[] = [];
    for (let i = 0; i < outputs; i++) outs.push({ amount: BigInt(1 + i), pubKeyHash: prevTxid.subarray(0, 20) });
    return new Transaction(1, [{ prevout: { txid: prevTxid, index: 0 }, publicKey: FILLER_PUBKEY, signature: FILLER_SIGNATURE }], outs);
  }

  many(count: number, txBytes: number): Transaction[] {
    return Array.from({ length: count }, () => this.make(txBytes));
  }
}

/** A block on `parent` (undefined: a genesis) holding a coinbase and `txs`, mined to SIM_POW_BITS. */
export function mineSimBlock(parent: Block | undefined, txs: readonly Transaction[], timestampSec: number): Block {
  const height = parent ? parent.height + 1 : 0;
  const coinbase = Transaction.coinbase(height, [{ amount: 1000n, pubKeyHash: Buffer.alloc(20, 7) }]);
  const all = [coinbase, ...txs];
  let header = new BlockHeader({ version: 1, prevHash: parent?.hash ?? ZERO_HASH, merkleRoot: merkleRoot(all.map((tx) => tx.txid)), timestamp: timestampSec, bits: SIM_POW_BITS, height, nonce: 0 });
  const target = compactToTarget(SIM_POW_BITS);
  for (let nonce = 1; !hashMeetsTarget(header.hash, target); nonce++) header = header.withNonce(nonce);
  return new Block(header, all);
}

/** The network's chain as it grows: every block the scenario mines, on one line from genesis. */
export class SimLedger {
  private readonly blocks: Block[];
  private readonly heights = new Map<string, number>();
  /** txid (latin1) → height of the block that confirmed it, and the tx's output count. */
  private readonly confirmed = new Map<string, { readonly height: number; readonly outputs: number }>();

  constructor() {
    this.blocks = [];
    this.append(mineSimBlock(undefined, [], Math.floor(SIM_EPOCH_MS / 1000)));
  }

  get tip(): Block {
    return this.blocks[this.blocks.length - 1]!;
  }

  get genesis(): Block {
    return this.blocks[0]!;
  }

  append(block: Block): void {
    if (!block.header.prevHash.equals(this.blocks.length === 0 ? ZERO_HASH : this.tip.hash)) throw new RangeError(`block ${block.hashHex} does not extend the simulated chain's tip`);
    this.heights.set(block.hash.toString('latin1'), this.blocks.length);
    for (const tx of block.transactions) this.confirmed.set(tx.txid.toString('latin1'), { height: this.blocks.length, outputs: tx.outputs.length });
    this.blocks.push(block);
  }

  heightOf(hash: Buffer): number | undefined {
    return this.heights.get(hash.toString('latin1'));
  }

  /** Height of the block that confirmed `txid`, if any. */
  confirmedAt(txid: Buffer): number | undefined {
    return this.confirmed.get(txid.toString('latin1'))?.height;
  }

  /** Output count of a confirmed tx (the stand-in chain's coins: nothing in the simulator spends them). */
  outputsOf(txid: Buffer): number {
    return this.confirmed.get(txid.toString('latin1'))?.outputs ?? 0;
  }

  at(height: number): Block | undefined {
    return this.blocks[height];
  }
}
