/** Name of the lock file that keeps a second node process out of a data dir (LMDB itself allows many). */
export const LOCK_FILE_NAME = 'node.lock';
/** Sub-directory of the data dir holding the LMDB environment. */
export const CHAIN_DIR_NAME = 'chain';
/** Sub-directory of the data dir holding the transaction and address indexes (their own LMDB env; deleting it rebuilds them). */
export const INDEX_DIR_NAME = 'indexes';
export const WALLET_FILE_NAME = 'wallet.json';
/** After this long a stop that hangs (a stuck worker, an open socket) gives up and exits anyway. */
export const STOP_TIMEOUT_MS = 10_000;
export const MS_PER_SEC = 1_000;
/**
 * glibc's malloc arenas in the node process (MALLOC_ARENA_MAX; bin/kadchain.cjs sets it before Node
 * starts unless the user set it): by default every thread that mallocs (V8's platform workers, the
 * verify workers, libuv's pool) may get its own arena, and what they freed stays resident — 3–13 MB
 * of an idle node's RSS, different on every run. Two arenas for the two threads that allocate most
 * (the main thread and a verify worker); measured in docs/architecture.md "Idle memory" (idle, sync RSS and CPU).
 */
export const NODE_MALLOC_ARENA_MAX = 2;
