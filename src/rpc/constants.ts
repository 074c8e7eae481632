/** Cookie file in the data dir: the RPC password, readable only by the node's user (like Bitcoin Core's). */
export const COOKIE_FILE_NAME = '.cookie';
export const COOKIE_USER = '__cookie__';
export const COOKIE_SECRET_BYTES = 32;
/** Requests larger than this are refused before parsing: every real request is a few hundred bytes. */
export const RPC_MAX_BODY_BYTES = 1024 * 1024;
/** A batch (one HTTP request holding many calls) runs its calls at once: bounded so one request cannot queue unbounded work. */
export const RPC_MAX_BATCH_REQUESTS = 1_000;
/** A client that sends headers but never finishes its body is dropped after this. */
export const RPC_REQUEST_TIMEOUT_MS = 30_000;
/**
 * An idle kept-alive connection stays open this long (Node's default is 5 s): a wallet or load
 * generator that pauses between calls keeps its socket instead of paying a new TCP handshake.
 * (Node ≥ 18 times a request's headers from its first byte, so headersTimeout need not exceed it.)
 */
export const RPC_KEEP_ALIVE_TIMEOUT_MS = 60_000;
/**
 * A socket with no request being answered that sends nothing for this long is closed
 * (connection-gate.ts): Node's requestTimeout does not close one that sent nothing or stalled in
 * its request line. As long as the keep-alive wait, so a kept-alive client is not cut sooner.
 */
export const RPC_SOCKET_IDLE_TIMEOUT_MS = RPC_KEEP_ALIVE_TIMEOUT_MS;
/**
 * Sockets all clients not on loopback may hold together (loopback is never capped): with `rpcHost`
 * beyond loopback they are strangers, and each holds a file descriptor the P2P side needs too.
 * Room for the status page's 56 remote /ws clients and their page loads.
 */
export const RPC_MAX_REMOTE_CONNECTIONS = 256;
/**
 * Sockets from one address (an IPv6 /64) not on loopback: a browser opens ~6 per page load beside
 * up to 8 /ws tabs (the status page's per-address cap); one host cannot take every remote slot.
 */
export const RPC_MAX_CONNECTIONS_PER_ADDRESS = 32;
/** On stop, requests still running (a `mine`) get this long to answer before their sockets close. */
export const RPC_CLOSE_GRACE_MS = 2_000;
/** `mine n` mines one block after another in one request: bounded so one call cannot hold the miner for ever (Bitcoin Core's generate has no cap; its regtest blocks are instant). */
export const MINE_MAX_BLOCKS = 1_000;
/** One listunspent answer holds at most this many coins (~150 bytes of JSON each): an address with more is listed after consolidating. */
export const LISTUNSPENT_MAX_COINS = 10_000;
/** verifychain logs its height at most this often (a full check of a long chain takes a while). */
export const VERIFY_LOG_INTERVAL_MS = 2_000;

/**
 * JSON-RPC error codes: the standard ones, and ours in Bitcoin Core's numbering so tools that
 * know those codes read ours the same way.
 */
/**
 * A request without the cookie gets one warn line per this interval; the rest go to debug (with
 * the count in the next warning). Anyone who can reach the port can send them, so one each would
 * let a stranger flood the log; a minute still shows a misconfigured client at once.
 */
export const RPC_REFUSAL_WARN_INTERVAL_MS = 60_000;

export const RpcCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  Misc: -1,
  InvalidAmount: -3,
  WalletError: -4,
  InvalidAddress: -5,
  /** Core's RPC_INVALID_ADDRESS_OR_KEY (-5) also answers "Block not found" and "No such mempool or blockchain transaction". */
  NotFound: -5,
  InsufficientFunds: -6,
  OutOfRange: -8,
  /** Core's RPC_DESERIALIZATION_ERROR: sendrawtransaction's hex is not a transaction. */
  DeserializationError: -22,
  /** Core's RPC_CLIENT_NODE_NOT_ADDED: addnode remove of a node that was never added. */
  NodeNotAdded: -24,
  Rejected: -25,
  MempoolRejected: -26,
  NotReady: -28,
} as const;
export type RpcCode = (typeof RpcCode)[keyof typeof RpcCode];
