/** Shared set-up for chain tests: real LMDB in a temp dir, blocks from test/helpers/fixtures. */
import type { ExecutionContext } from 'ava';
import { Chain } from '../../../src/chain/chain.js';
import type { ChainParams } from '../../../src/chain/params.js';
import { ChainStore, type StoreDbName } from '../../../src/chain/store/store.js';
import { Block, BlockHeader, type BlockHeaderFields } from '../../../src/primitives/block.js';
import { merkleRoot } from '../../../src/primitives/merkle.js';
import { compactToTarget, hashMeetsTarget } from '../../../src/primitives/pow.js';
import type { Transaction } from '../../../src/primitives/tx.js';
import { silentLogger } from '../../../src/util/logger.js';
import { TEST_PARAMS, mine } from '../../helpers/fixtures.js';
import { tempDir } from '../../helpers/temp-dir.js';

export { tempDir };

export interface OpenOptions {
  path?: string;
  params?: ChainParams;
  nowMs?: () => number;
}

/** Opens a chain in a fresh temp dir (or `path`); closed at teardown. */
export async function openChain(t: ExecutionContext, options: OpenOptions = {}): Promise<Chain> {
  const path = options.path ?? (await tempDir(t));
  const chain = await Chain.open({ path, params: options.params ?? TEST_PARAMS, logger: silentLogger(), ...(options.nowMs ? { nowMs: options.nowMs } : {}) });
  t.teardown(() => chain.close());
  return chain;
}

/** A mined block with exactly these transactions (no coinbase added) and header fields. */
export function assemble(txs: readonly Transaction[], fields: Partial<BlockHeaderFields> & Pick<BlockHeaderFields, 'prevHash' | 'height'>): Block {
  const header = new BlockHeader({
    version: 1,
    merkleRoot: merkleRoot(txs.map((tx) => tx.txid)),
    timestamp: Math.floor(Date.now() / 1000) - 3000 + fields.height,
    bits: TEST_PARAMS.powBits,
    nonce: 0,
    ...fields,
  });
  return new Block(mine(header), txs);
}

/** The same block with a nonce whose hash misses the target. */
export function unmine(block: Block): Block {
  const target = compactToTarget(block.header.bits);
  for (let nonce = 0; ; nonce++) {
    const header = block.header.withNonce(nonce);
    if (!hashMeetsTarget(header.hash, target)) return new Block(header, block.transactions);
  }
}

/** A block's stored data by its hash, below ChainStore's API (bytes it would never write): the record under its sequence (store/layout.ts). */
export interface RawBlockData {
  put(hash: Buffer, bytes: Buffer): void;
  remove(hash: Buffer): void;
}

/** Runs `fn` on the block data of a closed chain directory in one raw LMDB write transaction. */
export async function rawBlockData(path: string, fn: (db: RawBlockData) => void): Promise<void> {
  const lmdb = await import('lmdb');
  const root = lmdb.open({ path, maxDbs: 16 });
  const index = root.openDB<Buffer, Buffer>({ name: 'index', keyEncoding: 'binary', encoding: 'binary' });
  const data = root.openDB<Buffer, Buffer>({ name: 'blockdata', keyEncoding: 'binary', encoding: 'binary' });
  const keyOf = (hash: Buffer): Buffer => {
    const key = index.get(hash);
    if (!key) throw new Error(`block ${hash.toString('hex')} is not indexed`);
    return Buffer.from(key);
  };
  try {
    root.transactionSync(() => fn({ put: (hash, bytes) => data.putSync(keyOf(hash), bytes), remove: (hash) => data.removeSync(keyOf(hash)) }));
  } finally {
    await root.close();
  }
}

const STATE_DBS: readonly StoreDbName[] = ['coins', 'addrs', 'heights', 'undo', 'meta'];

/** Raw bytes of the chain-state databases of a closed chain directory. */
export async function snapshotState(path: string, dbs: readonly StoreDbName[] = STATE_DBS): Promise<Record<string, string[]>> {
  const store = ChainStore.open(path);
  try {
    const out: Record<string, string[]> = {};
    for (const name of dbs) out[name] = store.rawEntries(name).map(([k, v]) => `${k.toString('hex')}=${v.toString('hex')}`);
    return out;
  } finally {
    await store.close();
  }
}
