import { KadchainError } from '../util/errors.js';
import { EXIT_FAILURE, EXIT_USAGE } from './constants.js';

export type CliErrorCode = 'usage' | 'no-node' | 'no-cookie' | 'auth-failed' | 'rpc-error' | 'rpc-failed' | 'no-chain' | 'reindex-pending';

/** A CLI failure: main prints its message as one line on stderr and exits with `exitCode`. */
export class CliError extends KadchainError<CliErrorCode> {
  readonly exitCode: number;

  constructor(code: CliErrorCode, message: string, options?: { cause?: unknown; rpcCode?: number }) {
    super(code, message, options);
    this.exitCode = code === 'usage' ? EXIT_USAGE : EXIT_FAILURE;
  }
}
