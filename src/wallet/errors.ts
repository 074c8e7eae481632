import { KadchainError } from '../util/errors.js';

export type WalletErrorCode =
  /** The wallet file exists but its content is not a valid wallet. */
  | 'wallet-corrupt'
  /** The wallet file could not be read or written (permissions, I/O). */
  | 'wallet-unreadable'
  /** The sending address is not one of this wallet's keys. */
  | 'unknown-sender'
  /** The sender's coins do not cover amount + fee. */
  | 'insufficient-funds'
  /** The amount is not a positive integer. */
  | 'invalid-amount'
  /** The fee is not a non-negative integer. */
  | 'invalid-fee'
  /**
   * The payment would need more inputs (or bytes) than a standard transaction may have, so no
   * node would relay or mine it: send less, or consolidate coins first.
   */
  | 'tx-too-large'
  /** A private key given to import (WIF) is malformed, of another network, out of range or uncompressed. */
  | 'invalid-key'
  /** An importprivkey label is too long or holds control characters. */
  | 'invalid-label'
  /** dumpprivkey of an address whose key this wallet does not hold. */
  | 'unknown-key';

export class WalletError extends KadchainError<WalletErrorCode> {}
