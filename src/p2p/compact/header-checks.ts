/**
 * What compact relay checks of a block's header before it spends work on the block or pushes it
 * on unvalidated: where it connects, and its proof of work.
 */
import type { RelayChain } from '../relay-deps.js';
import type { Block, BlockHeader } from '../../primitives/block.js';
import { compactToTarget, hashMeetsTarget } from '../../primitives/pow.js';

/** The block builds on our tip, at the next height (it may be pushed on before validation). */
export function extendsTip(chain: RelayChain, block: Block): boolean {
  const tip = chain.tip;
  return tip !== undefined && block.header.prevHash.equals(tip.hash) && block.height === tip.height + 1;
}

/**
 * A header (PoW checked) whose block would become our tip if valid: its parent is a valid block
 * of ours, its height is the parent's + 1, and it is higher than our tip — with every block of
 * the same bits, height is work, so this includes a block that would win a reorg.
 */
export function wouldBeNewTip(chain: RelayChain, header: BlockHeader): boolean {
  const parent = chain.getHeader(header.prevHash);
  const tip = chain.tip;
  return parent !== undefined && tip !== undefined && header.height === parent.height + 1 && header.height > tip.height;
}

/** The network's bits, and a hash that meets them. */
export function powOk(chain: RelayChain, header: BlockHeader): boolean {
  const { powBits } = chain.params;
  return header.bits === powBits && hashMeetsTarget(header.hash, compactToTarget(powBits));
}
