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
}

export const DEFAULT_CHAIN_PARAMS: ChainParams = {
  powBits: 0x1f00ffff,
  blockRewardAmount: 1000n,
  maxBlockBytes: 1_000_000,
  maxFutureBlockTimeSec: 2 * 60 * 60,
};
