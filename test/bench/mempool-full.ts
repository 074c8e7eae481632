/**
 * Target (issue #12, growth): mempool admission with POOLED_TXS transactions already in the pool
 * runs within 20 % of the rate into an empty pool (no per-admission work that grows with the
 * pool). The same kind of transaction as mempool-admission.ts (2-in/2-out, signed); each round
 * admits a fresh set of MEASURED_TXS into a new empty pool and into the big one, timed alike.
 * The pool's byte bound is raised so POOLED_TXS fit (the default holds ~7,000 such txs, each
 * counted with its per-entry overhead): nothing is evicted, so this measures admission alone.
 */
import type { ChainTip, Coin, CoinEntry } from '../../src/chain/types.js';
import { Mempool, type MempoolChain } from '../../src/mempool/mempool.js';
import { sha256 } from '../../src/primitives/hash.js';
import { type OutPoint, Transaction } from '../../src/primitives/tx.js';
import { silentLogger } from '../../src/util/logger.js';
import { makeKey, pay, spend, type TestKey } from '../helpers/fixtures.js';
import type { BenchModule } from './types.js';

const POOLED_TXS = Number(process.env.KADCHAIN_BENCH_POOLED_TXS ?? 50_000);
const MEASURED_TXS = 4_000;
const ROUNDS = 2;
const TARGET_SLOWDOWN = 0.2;
const KEY_COUNT = 64;
const INPUTS_PER_TX = 2;
const COIN_AMOUNT = 1_000_000n;
/** Room for POOLED_TXS + ROUNDS × MEASURED_TXS entries of ~2,700 accounted bytes each. */
const POOL_MAX_BYTES = 400_000_000;

class MemoryChain implements MempoolChain {
  readonly tip: ChainTip | undefined = undefined;
  private readonly coins = new Map<string, Coin>();

  add(outpoint: OutPoint, coin: Coin): void {
    this.coins.set(outpoint.txid.toString('latin1') + outpoint.index, coin);
  }

  getCoin(outpoint: OutPoint): Coin | undefined {
    return this.coins.get(outpoint.txid.toString('latin1') + outpoint.index);
  }

  getCoinsByPubKeyHash(): CoinEntry[] {
    return [];
  }
}

function buildTxs(chain: MemoryChain, keys: readonly TestKey[], count: number, tag: string): Buffer[] {
  const encoded: Buffer[] = [];
  for (let t = 0; t < count; t++) {
    const key = keys[t % keys.length]!;
    const prevouts: OutPoint[] = [];
    for (let i = 0; i < INPUTS_PER_TX; i++) {
      const outpoint = { txid: sha256(Buffer.from(`${tag} ${t}`)), index: i };
      chain.add(outpoint, { amount: COIN_AMOUNT, pubKeyHash: key.pubKeyHash, height: 1, isCoinbase: false });
      prevouts.push(outpoint);
    }
    encoded.push(spend(key, prevouts, [pay(keys[(t + 1) % keys.length]!, COIN_AMOUNT), pay(key, COIN_AMOUNT - 100n)]).encode());
  }
  return encoded;
}

const newPool = (chain: MemoryChain): Mempool => new Mempool({ chain, logger: silentLogger(), maxTxs: POOLED_TXS + ROUNDS * MEASURED_TXS, coinbaseMaturity: 1, policy: { maxBytes: POOL_MAX_BYTES } });

/** Admits every tx (decode included, as from a peer); txs per second. */
function admit(pool: Mempool, encoded: readonly Buffer[]): number {
  const start = process.hrtime.bigint();
  for (const bytes of encoded) pool.addTransaction(Transaction.decode(bytes));
  return Math.round(encoded.length / (Number(process.hrtime.bigint() - start) / 1e9));
}

async function run(): Promise<Record<string, unknown>> {
  const chain = new MemoryChain();
  const keys = Array.from({ length: KEY_COUNT }, makeKey);
  const fillStart = performance.now();
  const big = newPool(chain);
  admit(big, buildTxs(chain, keys, POOLED_TXS, 'pooled'));
  if (big.size !== POOLED_TXS) throw new Error(`the pool holds ${big.size} txs, expected ${POOLED_TXS}`);
  const fillMs = Math.round(performance.now() - fillStart);
  const emptyRates: number[] = [];
  const fullRates: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const sets = [buildTxs(chain, keys, MEASURED_TXS, `empty ${round}`), buildTxs(chain, keys, MEASURED_TXS, `full ${round}`)];
    emptyRates.push(admit(newPool(chain), sets[0]!));
    fullRates.push(admit(big, sets[1]!));
  }
  const empty = Math.max(...emptyRates);
  const full = Math.max(...fullRates);
  const slowdown = 1 - full / empty;
  return {
    pooledTxs: POOLED_TXS,
    fillMs,
    txsPerSecEmptyPool: empty,
    txsPerSecFullPool: full,
    rounds: { empty: emptyRates, full: fullRates },
    fullOverEmpty: Math.round((full / empty) * 1000) / 1000,
    target: 1 - TARGET_SLOWDOWN,
    pass: slowdown <= TARGET_SLOWDOWN,
  };
}

export const mempoolFullBench: BenchModule = { name: 'mempool-full', run };
