import { KadchainError, errorMessage } from '../util/errors.js';
import { RpcCode } from './constants.js';

/** An error an RPC method raises on purpose, with the JSON-RPC code to answer with. */
export class RpcError extends KadchainError {
  readonly rpcCode: number;

  constructor(rpcCode: number, code: string, message: string) {
    super(code, message);
    this.rpcCode = rpcCode;
  }
}

/** A parameter is missing, unknown or of the wrong form; the message names it. */
export class RpcParamError extends RpcError {
  constructor(message: string) {
    super(RpcCode.InvalidParams, 'invalid-params', message);
  }
}

/** The JSON-RPC 2.0 error object. `data.code` is the stable string code of the KadchainError. */
export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: { code: string };
}

/** Error codes raised by chain/mempool/wallet/miner and the RPC code each one maps to. */
const BY_CODE: Readonly<Record<string, number>> = {
  'invalid-address': RpcCode.InvalidAddress,
  // Bitcoin Core answers a bad key with RPC_INVALID_ADDRESS_OR_KEY (-5) and an unknown one with -4.
  'invalid-key': RpcCode.InvalidAddress,
  'unknown-key': RpcCode.WalletError,
  'invalid-label': RpcCode.InvalidParams,
  'insufficient-funds': RpcCode.InsufficientFunds,
  'unknown-sender': RpcCode.WalletError,
  'invalid-amount': RpcCode.InvalidAmount,
  'no-genesis': RpcCode.NotReady,
  'no-mining-address': RpcCode.WalletError,
  'txn-already-in-mempool': RpcCode.MempoolRejected,
  'txn-already-known': RpcCode.MempoolRejected,
  'txn-mempool-conflict': RpcCode.MempoolRejected,
  'mempool-full': RpcCode.MempoolRejected,
  'coinbase-not-allowed': RpcCode.MempoolRejected,
  'tx-too-large': RpcCode.WalletError,
  'invalid-peer-address': RpcCode.InvalidParams,
  'invalid-ban-key': RpcCode.InvalidParams,
  'invalid-host-port': RpcCode.InvalidParams,
  'not-started': RpcCode.NotReady,
  'unknown-manual-peer': RpcCode.NodeNotAdded,
  'check-busy': RpcCode.NotReady,
  // ExplorerError (src/explorer/errors.ts), in Bitcoin Core's numbers.
  'not-found': RpcCode.NotFound,
  'bad-ref': RpcCode.OutOfRange,
  'out-of-range': RpcCode.OutOfRange,
  'index-syncing': RpcCode.NotReady,
};

/** Fallback by error class, for codes not listed above (matched by name to keep rpc/ free of those imports). */
const BY_CLASS: Readonly<Record<string, number>> = {
  AddressError: RpcCode.InvalidAddress,
  WalletError: RpcCode.WalletError,
  MempoolError: RpcCode.MempoolRejected,
  ValidationError: RpcCode.Rejected,
};

export interface ErrorMapping {
  error: JsonRpcErrorObject;
  /** True for errors nobody raised on purpose: the server logs those with their stack. */
  unexpected: boolean;
}

export function toJsonRpcError(err: unknown): ErrorMapping {
  if (err instanceof RpcError) return { error: { code: err.rpcCode, message: err.message, data: { code: err.code } }, unexpected: false };
  if (err instanceof KadchainError) {
    const code = BY_CODE[err.code] ?? BY_CLASS[err.name] ?? RpcCode.Misc;
    return { error: { code, message: err.message, data: { code: err.code } }, unexpected: false };
  }
  return {
    error: { code: RpcCode.InternalError, message: `internal error: ${errorMessage(err)} (details are in the node's log)`, data: { code: 'internal-error' } },
    unexpected: true,
  };
}
