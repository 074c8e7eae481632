/** Consensus parameters. Every node of one network must use the same values (they come from conf/). */
export interface ChainParams {
  /** Compact proof-of-work target every block header must carry and meet (no retargeting). */
  powBits: number;
  /** New coins a coinbase may create, on top of the block's fees. */
  blockRewardAmount: bigint;
  /** Largest encoded block accepted. */
  maxBlockBytes: number;
  /** How far ahead of this node's clock a block timestamp may be. */
  maxFutureBlockTimeSec: number;
  /** The only genesis block this node adopts (conf chain.genesisHash / --genesis); absent: the first one it sees. */
  genesisHash?: Buffer | undefined;
  /**
   * Confirmations a coinbase output needs before it may be spent (Bitcoin: 100): a reward spent
   * at once vanishes with every payment built on it when its block is orphaned. The genesis
   * reward is exempt (the tutorial spends it at once). 1 = spendable in the next block.
   */
  coinbaseMaturity: number;
}

export const DEFAULT_CHAIN_PARAMS: ChainParams = {
  powBits: 0x1f00ffff,
  blockRewardAmount: 1000n,
  maxBlockBytes: 1_000_000,
  maxFutureBlockTimeSec: 2 * 60 * 60,
  coinbaseMaturity: 20,
};
