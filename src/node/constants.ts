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
