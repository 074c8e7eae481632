/**
 * A simulated node's chain: the relay code's view of a Chain (RelayChain, IntakeChain) in
 * memory, over the network's one line of blocks (SimLedger). A block is accepted after
 * SIM_BLOCK_VALIDATE_MS of virtual time when it is the ledger's next block after our tip; it
 * then emits 'block:connected' as the real chain does. Blocks are handled one at a time, in
 * the order they were handed over (as the real chain's queue does).
 */
import { EventEmitter } from 'node:events';
import { ValidationCode, ValidationError } from '../chain/errors.js';
import type { Coin, ProcessBlockResult } from '../chain/types.js';
import type { IntakeChain, RelayChain } from '../p2p/relay-deps.js';
import type { Block, BlockHeader } from '../primitives/block.js';
import type { OutPoint } from '../primitives/tx.js';
import type { Clock } from '../util/clock.js';
import { SIM_BLOCK_VALIDATE_MS, SIM_POW_BITS } from './constants.js';
import type { SimLedger } from './sim-blocks.js';

const SIM_COIN_PUBKEY_HASH = Buffer.alloc(20);

interface SimChainEvents {
  'block:connected': [block: Block];
}

export class SimChain extends EventEmitter<SimChainEvents> implements RelayChain, IntakeChain {
  readonly params = { powBits: SIM_POW_BITS };
  /** Height of our tip in the ledger. */
  private height = 0;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly ledger: SimLedger,
    private readonly clock: Clock,
    private readonly validateMs = SIM_BLOCK_VALIDATE_MS,
  ) {
    super();
    this.setMaxListeners(0);
  }

  get tip(): { readonly hash: Buffer; readonly height: number } {
    const block = this.ledger.at(this.height)!;
    return { hash: block.hash, height: block.height };
  }

  /**
   * Jumps to the ledger's tip without events: the stand-in for a sync between two measured
   * blocks (a node that missed one, or joined since, would otherwise see the next as an orphan).
   */
  catchUp(): void {
    this.height = this.ledger.tip.height;
  }

  hasBlock(hash: Buffer): boolean {
    const height = this.ledger.heightOf(hash);
    return height !== undefined && height <= this.height;
  }

  getHeader(hash: Buffer): BlockHeader | undefined {
    return this.getBlock(hash)?.header;
  }

  getBlock(hash: Buffer): Block | undefined {
    const height = this.ledger.heightOf(hash);
    return height !== undefined && height <= this.height ? this.ledger.at(height) : undefined;
  }

  getBlockBytes(hash: Buffer): Buffer | undefined {
    return this.getBlock(hash)?.encode();
  }

  getHashAtHeight(height: number): Buffer | undefined {
    return height <= this.height ? this.ledger.at(height)?.hash : undefined;
  }

  /** The outputs of txs our chain confirmed, never spent (simulated txs spend made-up outpoints). */
  getCoin(outpoint: OutPoint): Coin | undefined {
    const height = this.ledger.confirmedAt(outpoint.txid);
    if (height === undefined || height > this.height || outpoint.index >= this.ledger.outputsOf(outpoint.txid)) return undefined;
    return { amount: 1n, pubKeyHash: SIM_COIN_PUBKEY_HASH, height, isCoinbase: false };
  }

  processBlock(block: Block): Promise<ProcessBlockResult> {
    const run = this.tail.then(
      () =>
        new Promise<ProcessBlockResult>((resolve, reject) => {
          this.clock.setTimeout(() => {
            try {
              resolve(this.connect(block));
            } catch (err) {
              reject(err);
            }
          }, this.validateMs);
        }),
    );
    this.tail = run.catch(() => undefined);
    return run;
  }

  private connect(block: Block): ProcessBlockResult {
    const hash = block.hash;
    const height = this.ledger.heightOf(hash);
    if (height !== undefined && height <= this.height) return { status: 'duplicate', hash, connected: [], disconnected: [] };
    if (this.ledger.heightOf(block.header.prevHash) === undefined || height === undefined || height > this.height + 1) {
      throw new ValidationError(ValidationCode.UnknownParent, `block ${block.hashHex} builds on a block this simulated node does not have`);
    }
    // Validation itself is the delay: only honest nodes relay in the simulator, and a rebuilt
    // block's merkle root was checked by the compact relay. The chain's own copy is what it
    // emits (as a real chain emits what it stored): one encoding shared by every node.
    const stored = this.ledger.at(height)!;
    this.height = height;
    this.emit('block:connected', stored);
    return { status: 'connected', hash, connected: [stored], disconnected: [] };
  }
}
