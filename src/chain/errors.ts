import { KadchainError } from '../util/errors.js';

/**
 * Reason codes for rejecting a block or transaction. `consensus` ones prove the sender broke
 * the rules (the p2p layer bans for those); the rest are local conditions (unknown parent,
 * already have it) that an honest peer can trigger.
 */
export const ValidationCode = {
  BadPow: 'bad-pow',
  BadBits: 'bad-bits',
  BadPrevHash: 'bad-prevhash',
  BadHeight: 'bad-height',
  BadMerkleRoot: 'bad-merkle-root',
  TimeTooNew: 'time-too-new',
  BadTimestamp: 'bad-timestamp',
  NoCoinbase: 'bad-cb-missing',
  MultipleCoinbase: 'bad-cb-multiple',
  BadCoinbaseHeight: 'bad-cb-height',
  CoinbaseTooLarge: 'bad-cb-amount',
  DuplicateTx: 'bad-txns-duplicate',
  BlockTooLarge: 'bad-blk-length',
  NoInputs: 'bad-txns-vin-empty',
  NoOutputs: 'bad-txns-vout-empty',
  ZeroOrNegativeOutput: 'bad-txns-vout-zero',
  OutputsOverflow: 'bad-txns-txouttotal-toolarge',
  DuplicateInput: 'bad-txns-inputs-duplicate',
  MissingInputs: 'bad-txns-inputs-missingorspent',
  InputsBelowOutputs: 'bad-txns-in-belowout',
  BadSignature: 'bad-txns-signature',
  PubKeyMismatch: 'bad-txns-pubkey-mismatch',
  BadPublicKey: 'bad-txns-pubkey-invalid',
  UnexpectedCoinbase: 'bad-txns-unexpected-coinbase',
  /** Spends a block reward before it has chain.coinbaseMaturity confirmations. */
  PrematureCoinbaseSpend: 'bad-txns-premature-spend-of-coinbase',
  BadGenesis: 'bad-genesis',
  UnknownParent: 'unknown-parent',
  Duplicate: 'duplicate',
  InvalidAncestor: 'bad-prevblk',
  /** The block itself was already found invalid. */
  KnownInvalid: 'duplicate-invalid',
  /**
   * A block nobody asked for (ProcessBlockOptions.unrequested) whose branch has no more work than
   * the active chain: not stored (Core's AcceptBlock ignores it). Not a fault: our tip may have moved on.
   */
  TooLittleWork: 'too-little-work',
} as const;
export type ValidationCode = (typeof ValidationCode)[keyof typeof ValidationCode];

const NON_CONSENSUS: ReadonlySet<string> = new Set([ValidationCode.UnknownParent, ValidationCode.Duplicate, ValidationCode.TooLittleWork]);

export class ValidationError extends KadchainError<ValidationCode> {
  /** True when only a rule-breaking sender could have produced this (grounds for a ban). */
  readonly consensus: boolean;

  constructor(code: ValidationCode, message: string) {
    super(code, message);
    this.consensus = !NON_CONSENSUS.has(code);
  }
}

/** The stored chain starts at another genesis than the one this node is pinned to (names both). */
export class GenesisPinError extends KadchainError<'genesis-mismatch'> {}

/**
 * A long check (verifychain, gettxoutsetinfo) refused or stopped: one of the same kind is already
 * running ('check-busy'), or whoever asked for it went away ('check-aborted').
 */
export class CheckError extends KadchainError<'check-busy' | 'check-aborted'> {}

/** Storage could not be opened or is inconsistent (names the path). */
export class StorageError extends KadchainError<'storage-open-failed' | 'storage-corrupt' | 'storage-closed' | 'storage-misuse' | 'reindex-pending' | 'reindex-interrupted' | 'storage-write-failed' | 'storage-batch-aborted'> {}
