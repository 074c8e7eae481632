/**
 * `cli verifychain --offline`: verifychain run by the CLI itself on the chain database of
 * --datadir, printing progress lines, for a node that is stopped (or that does not answer). It
 * opens the database read-only and reads one LMDB snapshot, so it is also safe beside a running
 * node (it then says it checks that node's last commit); it refuses a half-finished reindex.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { STORE_FORMAT_VERSION, VERIFY_DEFAULT_DEPTH_BLOCKS } from '../chain/constants.js';
import type { ChainSnapshot } from '../chain/store/snapshot.js';
import { ChainStore } from '../chain/store/store.js';
import { verifyChain } from '../chain/verify-chain.js';
import { VerifyPool } from '../chain/verify-pool/index.js';
import { type LoadConfigOptions, loadConfig } from '../node/config.js';
import { CHAIN_DIR_NAME } from '../node/constants.js';
import { runningLockOwner } from '../node/lock.js';
import { toJsonSafe } from '../rpc/json.js';
import { verifyChainView } from '../rpc/methods/verify.js';
import { CLI_NAME, EXIT_FAILURE, EXIT_OK, LMDB_DATA_FILE_NAME, VERIFY_PROGRESS_INTERVAL_MS } from './constants.js';
import { CliError } from './errors.js';
import { format } from './format.js';
import type { CliIo } from './main.js';

export async function runOfflineVerify(load: LoadConfigOptions, depthText: string | undefined, json: boolean, io: CliIo): Promise<number> {
  const config = loadConfig(load);
  if (depthText !== undefined && !/^[0-9]+$/.test(depthText)) {
    throw new CliError('usage', `--depth must be a number of blocks (a whole number ≥ 0), got "${depthText}" (see: ${CLI_NAME} verifychain --help)`);
  }
  const depth = depthText === undefined ? VERIFY_DEFAULT_DEPTH_BLOCKS : Number(depthText);
  const path = join(config.dataDir, CHAIN_DIR_NAME);
  // Read-only, and only an existing database: a wrong --datadir must not look like (or become) an empty chain.
  if (!existsSync(join(path, LMDB_DATA_FILE_NAME))) throw new CliError('no-chain', `there is no chain database at ${path} (is --datadir right?)`);
  const owner = runningLockOwner(config.dataDir);
  let store: ChainStore | undefined;
  let pool: VerifyPool | undefined;
  let snapshot: ChainSnapshot | undefined;
  try {
    store = ChainStore.open(path, { readOnly: true });
    const layout = store.formatVersion();
    if (layout !== undefined && layout > STORE_FORMAT_VERSION) throw new CliError('no-chain', `the chain database at ${path} has layout version ${layout}, newer than this build reads (${STORE_FORMAT_VERSION}); use a newer kadchain`);
    // Read-only: an older layout cannot be upgraded here (store/upgrade.ts), and this build reads only its own.
    if ((layout ?? 1) < STORE_FORMAT_VERSION && store.hasAnyIndexEntry()) {
      throw new CliError('no-chain', `the chain database at ${path} has layout version ${layout ?? 1}, which this build upgrades when the node starts; run: ${CLI_NAME} start --datadir ${config.dataDir} once, then verifychain again`);
    }
    snapshot = store.snapshot();
    if (snapshot.reindexPending()) throw new CliError('reindex-pending', `a reindex of the chain database at ${path} has not finished; start the node to complete it`);
    if (owner !== undefined && !json) io.stdout(`the node (process ${owner}) is running on this data dir: checking a snapshot of its last commit; blocks it connects meanwhile are not part of the check`);
    pool = new VerifyPool();
    const startMs = Date.now();
    let lastMs = startMs;
    if (!json) io.stdout(`verifying the chain database at ${path} (the last ${depth === 0 ? 'all' : depth} blocks in full) …`);
    const result = await verifyChain(snapshot, {
      params: config.chain,
      depth,
      pool,
      onProgress: (height, tipHeight) => {
        if (json || Date.now() - lastMs < VERIFY_PROGRESS_INTERVAL_MS) return;
        lastMs = Date.now();
        io.stdout(`verifying: height ${height} of ${tipHeight} (${Math.round(((height + 1) * 1000) / Math.max(1, lastMs - startMs))} blocks/s)`);
      },
    });
    const view = toJsonSafe(verifyChainView(result, depth));
    io.stdout(json ? JSON.stringify(view, null, 2) : format.verifychain(view));
    return result.ok ? EXIT_OK : EXIT_FAILURE;
  } finally {
    snapshot?.done();
    await pool?.close();
    await store?.close();
  }
}
