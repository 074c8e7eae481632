import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { Chain } from '../chain/chain.js';
import type { Mempool } from '../mempool/mempool.js';
import { Block } from '../primitives/block.js';
import { compactToTarget } from '../primitives/pow.js';
import { errorMessage } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { MinerError } from './errors.js';
import { PowSolver } from './pow-solver.js';
import { buildTemplate, nextBlockTimestamp } from './template.js';

/** Logged once per process: the pool is full enough to mine, but the reward has nowhere to go. */
export const NO_MINING_ADDRESS_MESSAGE =
  'the pool holds enough transactions to mine a block, but there is no mining address: auto-mining waits until the wallet has a key (createwallet) or mining.address is set';

export interface MinerOptions {
  chain: Chain;
  mempool: Mempool;
  logger: Logger;
  /** Auto-mining (start()) mines whenever a block template would hold at least this many pool transactions. */
  txpoolSize: number;
  /** Where the coinbase goes; asked per block so a key created later is picked up. */
  rewardPubKeyHash: () => Buffer | undefined;
  nowMs?: () => number;
}

/**
 * Builds blocks from the pool and searches nonces on a worker thread. It only hands blocks to
 * chain.processBlock; removing their transactions from the pool is the node's wiring of chain
 * events to mempool.blockConnected.
 */
export class Miner extends EventEmitter<{ 'block:mined': [block: Block] }> {
  private readonly chain: Chain;
  private readonly mempool: Mempool;
  private readonly logger: Logger;
  private readonly txpoolSize: number;
  private readonly rewardPubKeyHash: () => Buffer | undefined;
  private readonly nowMs: () => number;
  private readonly solver = new PowSolver();
  /** Serialises mineBlock calls: one block at a time. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Bumped by stop(): searches started before it end with 'mining-stopped'. */
  private stopCount = 0;
  private started = false;
  private autoMining = false;
  /** The block being handed to the chain: its "block connected" line is this miner's "mined a block". */
  private submitting: Buffer | undefined;
  /** The pool asked for a block without a mining address: said once, not on every transaction. */
  private toldNoAddress = false;

  private readonly onTxAdded = (): void => this.maybeAutoMine();
  // Deferred so the node's own 'block:connected' listener has updated the pool first.
  private readonly onBlockConnected = (): void => void setImmediate(() => this.maybeAutoMine());

  constructor(options: MinerOptions) {
    super();
    this.chain = options.chain;
    this.mempool = options.mempool;
    this.logger = options.logger.child({ component: 'miner' });
    this.txpoolSize = options.txpoolSize;
    this.rewardPubKeyHash = options.rewardPubKeyHash;
    this.nowMs = options.nowMs ?? Date.now;
  }

  /**
   * The tutorial rule: mine whenever the pool holds txpoolSize transactions (one block at a time),
   * counting only those the block template takes: a tx the template skips (too big for the
   * block room left, or waiting on one that is) must not make the node mine empty blocks for ever.
   */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.mempool.on('tx:added', this.onTxAdded);
    this.chain.on('block:connected', this.onBlockConnected);
    this.logger.info({ txpoolSize: this.txpoolSize }, 'auto-mining started');
    this.maybeAutoMine();
  }

  /** Stops auto-mining, aborts a running search (its mineBlock rejects with 'mining-stopped') and ends the worker. */
  async stop(): Promise<void> {
    if (this.started) {
      this.started = false;
      this.mempool.off('tx:added', this.onTxAdded);
      this.chain.off('block:connected', this.onBlockConnected);
    }
    this.stopCount++;
    this.solver.abort();
    await this.queue.catch(() => undefined);
    await this.solver.terminate();
  }

  /** True while `hash` is the block this miner found and is connecting (its one log line is ours). */
  isSubmitting(hash: Buffer): boolean {
    return this.submitting?.equals(hash) === true;
  }

  /** Mines one block on the current tip with the pool's transactions and connects it. */
  mineBlock(): Promise<Block> {
    return this.enqueueMining(undefined);
  }

  /**
   * `stillWanted` is asked with the template's transaction count before every search (a peer's
   * block may have taken them meanwhile): auto-mining gives up when it falls below txpoolSize.
   */
  private enqueueMining(stillWanted: ((templateTxs: number) => boolean) | undefined): Promise<Block> {
    const stopCount = this.stopCount;
    const run = this.queue.then(() => this.mineOne(stopCount, stillWanted));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private maybeAutoMine(): void {
    if (!this.started || this.autoMining || !this.templateWanted()) return;
    this.autoMining = true;
    let failed = false;
    this.enqueueMining((templateTxs) => templateTxs >= this.txpoolSize)
      .catch((err: unknown) => {
        const stopped = err instanceof MinerError && err.code === 'mining-stopped';
        failed = !stopped; // stopped is not a failure: maybeAutoMine re-checks the pool (and `started`) without spinning
        if (!stopped) this.logger.error({ err: errorMessage(err) }, 'auto-mining failed; will retry on the next transaction or block');
      })
      .finally(() => {
        this.autoMining = false;
        // Transactions may have arrived meanwhile; after a failure, wait for the next event instead of spinning.
        if (!failed) setImmediate(() => this.maybeAutoMine());
      });
  }

  /** The pool holds txpoolSize transactions a block template would take (cheap count first). */
  private templateWanted(): boolean {
    if (this.mempool.size < this.txpoolSize) return false;
    // No mining address: mineOne would fail anyway, so skip the count (it runs on every accepted tx).
    if (!this.rewardPubKeyHash()) {
      if (!this.toldNoAddress) {
        this.toldNoAddress = true;
        this.logger.warn({ txpoolSize: this.txpoolSize, pooled: this.mempool.size }, NO_MINING_ADDRESS_MESSAGE);
      }
      return false;
    }
    return this.mempool.countForBlock(this.chain.params.maxBlockBytes, this.txpoolSize) >= this.txpoolSize;
  }

  private async mineOne(stopCount: number, stillWanted: ((templateTxs: number) => boolean) | undefined): Promise<Block> {
    const startedMs = performance.now();
    let hashes = 0;
    for (;;) {
      if (stopCount !== this.stopCount) throw new MinerError('mining-stopped', 'mining was stopped before the block was found');
      const tip = this.chain.tip;
      if (!tip) throw new MinerError('no-genesis', 'the chain has no genesis block yet, so there is nothing to mine on; create or sync one first');
      const rewardPubKeyHash = this.rewardPubKeyHash();
      if (!rewardPubKeyHash) throw new MinerError('no-mining-address', 'there is no mining address to pay the block reward to; create a wallet key first');

      const params = this.chain.params;
      const { txs, fees } = this.mempool.selectForBlock(params.maxBlockBytes);
      // A peer's block took the pool's transactions: the tutorial rule no longer asks for a block
      // (nor ever for an empty one).
      if (stillWanted !== undefined && (txs.length === 0 || !stillWanted(txs.length))) {
        throw new MinerError('mining-stopped', `the block template holds ${txs.length} transaction(s), fewer than txpool.size`);
      }
      const timestampSec = nextBlockTimestamp(tip, (h) => this.chain.getHeaderAtHeight(h), Math.floor(this.nowMs() / 1000));
      const template = buildTemplate({ parent: tip.header, params, rewardPubKeyHash, txs, fees, timestampSec });

      // A block from a peer makes this search pointless: abort and rebuild on the new tip.
      const onTip = (): void => {
        if (!this.chain.tip?.hash.equals(tip.hash)) this.solver.abort();
      };
      this.chain.on('block:connected', onTip);
      let result;
      try {
        result = await this.solver.solve(template.header.encode(), compactToTarget(params.powBits));
      } finally {
        this.chain.off('block:connected', onTip);
      }
      hashes += result.hashes;
      if (!result.solution) {
        this.logger.debug({ height: template.header.height }, 'nonce search aborted');
        continue;
      }

      const block = new Block(template.header.withNonce(result.solution.nonce, result.solution.timestamp), template.transactions);
      this.submitting = block.hash;
      let outcome;
      try {
        outcome = await this.chain.processBlock(block);
      } finally {
        this.submitting = undefined;
      }
      if (outcome.status !== 'connected' && outcome.status !== 'reorganized') {
        // The tip moved while the block was being processed: mine again on the new one.
        this.logger.debug({ hash: block.hashHex, status: outcome.status }, 'mined block did not extend the chain; retrying');
        continue;
      }
      // The one info line for a block this node found: the chain logs its 'block connected' at
      // debug (quietBlockLog), so the figures of the search come with it.
      this.logger.info(
        { height: block.height, hash: block.hashHex, txs: block.transactions.length, fees: fees.toString(), hashes, ms: Math.round(performance.now() - startedMs) },
        'mined a block',
      );
      this.emit('block:mined', block);
      return block;
    }
  }
}
