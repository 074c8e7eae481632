/**
 * The reference rates the sync-side benches divide by, measured in the same run: raw signature
 * verifies per second on one core (a plain loop) and on every core (one worker per core).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { VERIFY_ITEM_BYTES } from '../../src/chain/verify-pool/constants.js';
import { sha256 } from '../../src/primitives/hash.js';
import { sign, verify } from '../../src/primitives/secp256k1.js';
import { makeKey } from '../helpers/fixtures.js';
import { MIN_MEASURE_MS, measure, round3 } from './types.js';

const RAW_SIGNATURES = 1000;
const RAW_KEY_COUNT = 16;

export interface RawItems {
  /** verify-pool item layout, so the all-core workers read the same bytes. */
  packed: Buffer;
  items: { signature: Buffer; digest: Buffer; publicKey: Buffer }[];
}

export function rawItems(): RawItems {
  const keys = Array.from({ length: RAW_KEY_COUNT }, makeKey);
  const items = Array.from({ length: RAW_SIGNATURES }, (_, i) => {
    const key = keys[i % keys.length]!;
    const digest = sha256(Buffer.from(`raw verify ${i}`));
    return { signature: sign(digest, key.privateKey), digest, publicKey: key.publicKey };
  });
  const packed = Buffer.concat(items.flatMap((it) => [it.signature, it.digest, it.publicKey]));
  if (packed.length !== RAW_SIGNATURES * VERIFY_ITEM_BYTES) throw new Error('raw item layout mismatch');
  return { packed, items };
}

export function rawOneCore(raw: RawItems): number {
  const batch = (): number => {
    for (const it of raw.items) if (!verify(it.signature, it.digest, it.publicKey)) throw new Error('raw verify failed');
    return raw.items.length;
  };
  batch();
  return measure(batch).perSec;
}

/** `cores` workers verifying at once, started together; the sum of their rates. */
export async function rawAllCores(raw: RawItems, cores = availableParallelism()): Promise<number> {
  const url = new URL('./raw-verify-worker.js', import.meta.url);
  const workers = Array.from({ length: cores }, () => new Worker(url, { workerData: { items: new Uint8Array(raw.packed), durationMs: MIN_MEASURE_MS } }));
  try {
    await Promise.all(workers.map((w) => new Promise((resolve, reject) => w.once('message', resolve).once('error', reject))));
    const results = await Promise.all(
      workers.map(
        (w) =>
          new Promise<{ ops: number; ms: number }>((resolve, reject) => {
            w.once('message', resolve).once('error', reject);
            w.postMessage('go');
          }),
      ),
    );
    return Math.round(results.reduce((sum, r) => sum + (r.ops * 1000) / r.ms, 0));
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** Per-round measurements of a bench that connects `inputs` inputs in `blocks` blocks. */
export interface ThroughputRounds {
  secs: number[];
  oneCore: number[];
  allCores: number[];
}


/**
 * The figures the block benches report: the best round, its rates, and its ratio to the
 * all-core raw verify rate of the same run (best of each, so a noisy round decides nothing).
 */
export function throughputFigures(rounds: ThroughputRounds, inputs: number, blocks: number, cores: number, targetRatio: number): Record<string, unknown> {
  const secs = Math.min(...rounds.secs);
  const inputsPerSec = Math.round(inputs / secs);
  const rawVerifiesPerSecAllCores = Math.max(...rounds.allCores);
  const ratio = inputsPerSec / rawVerifiesPerSecAllCores;
  return {
    secs: round3(secs),
    blocksPerSec: Math.round(blocks / secs),
    inputsPerSec,
    rawVerifiesPerSecOneCore: Math.max(...rounds.oneCore),
    rawVerifiesPerSecAllCores,
    cores,
    rounds: { secs: rounds.secs.map(round3), rawOneCore: rounds.oneCore, rawAllCores: rounds.allCores },
    ratio: round3(ratio),
    target: targetRatio,
    pass: ratio >= targetRatio,
  };
}
