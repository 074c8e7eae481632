/** How long a client command waits for its answer; `mine` and `genesis_block` search for a nonce, so they wait longer. */
export const RPC_CALL_TIMEOUT_MS = 30_000;
export const RPC_MINING_TIMEOUT_MS = 10 * 60_000;
/** verifychain replays the whole stored chain: on a long chain that takes minutes. */
export const RPC_CHECK_TIMEOUT_MS = 60 * 60_000;
/** Exit codes: usage errors (bad flags) differ from failures so scripts can tell them apart. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
/** The command people type, used in hints (defined beside the hint builder, which the node uses too). */
export { CLI_NAME } from '../util/suggest.js';
/** Environment variables a client command and `start` read when the flag is not given (flag > env > config file). */
export const ENV_DATADIR = 'KADCHAIN_DATADIR';
export const ENV_RPC_PORT = 'KADCHAIN_RPC_PORT';
/** `cli verifychain --offline` prints a progress line at most this often. */
export const VERIFY_PROGRESS_INTERVAL_MS = 1_000;
/** LMDB's data file inside the chain directory: --offline checks it exists rather than letting a read-only open fail obscurely. */
export const LMDB_DATA_FILE_NAME = 'data.mdb';
/** `cli punch` waits for up to 3 tries, each up to ~20 s (relay signalling, dial window, handshake), plus relays that cannot help. */
export const RPC_PUNCH_TIMEOUT_MS = 2 * 60_000;
/**
 * The largest RPC reply a client command reads: far above any real one (a full listunspent page
 * is ~1.5 MB of JSON), so only a broken or hostile server at --rpc-host reaches it.
 */
export const RPC_MAX_REPLY_BYTES = 64 * 1024 * 1024;
