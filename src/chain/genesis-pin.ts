/**
 * The optional genesis pin (conf chain.genesisHash / --genesis): a node that has one only ever
 * adopts that genesis, instead of the first one a peer offers (the tutorial's rule, which lets
 * whoever answers first choose the network of an empty node).
 */
import type { Block } from '../primitives/block.js';
import { ValidationCode as Code, GenesisPinError, ValidationError } from './errors.js';

/** At open: a stored chain must start at the pinned genesis. */
export function checkGenesisPin(path: string, stored: Buffer | undefined, pin: Buffer | undefined): void {
  if (!pin || !stored || pin.equals(stored)) return;
  throw new GenesisPinError(
    'genesis-mismatch',
    `the chain in ${path} starts at genesis ${stored.toString('hex')}, but this node is pinned to genesis ${pin.toString('hex')} (chain.genesisHash / --genesis); use another data dir or change the pin`,
  );
}

/** A genesis block offered to an empty chain must be the pinned one. */
export function checkPinnedGenesis(block: Block, pin: Buffer | undefined): void {
  if (pin && !pin.equals(block.hash)) {
    throw new ValidationError(Code.BadGenesis, `block ${block.hashHex} is not the genesis block this node is pinned to (${pin.toString('hex')})`);
  }
}
