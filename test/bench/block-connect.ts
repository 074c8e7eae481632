/**
 * Target (design §4): block sync keeps ≥ 60 % of the raw all-core verify rate, counting inputs.
 * This is the local half of sync: a fresh Chain decoding and connecting a prepared chain of
 * blocks. The raw one-core and all-core verify rates are measured in the same run.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Chain } from '../../src/chain/chain.js';
import { VERIFY_ITEM_BYTES } from '../../src/chain/verify-pool/constants.js';
import { Block } from '../../src/primitives/block.js';
import { sha256 } from '../../src/primitives/hash.js';
import { secp256k1IsNative, sign, verify } from '../../src/primitives/secp256k1.js';
import { silentLogger } from '../../src/util/logger.js';
import { TEST_PARAMS, makeKey } from '../helpers/fixtures.js';
import { buildBlockFixture } from './block-fixture.js';
import { type BenchModule, MIN_MEASURE_MS, measure } from './types.js';

const TARGET_RATIO = 0.6;
const BLOCK_COUNT = 300;
const TXS_PER_BLOCK = 20;
const RAW_SIGNATURES = 1000;
/** Raw and connect runs alternate; the best of each counts (see mempool-admission.ts). */
const ROUNDS = 3;
/**
 * Blocks handed to processBlock before awaiting the oldest, as a sync loop does with a batch of
 * blocks from a peer: the chain verifies the signatures of queued blocks while it connects earlier ones.
 */
const SUBMIT_WINDOW_BLOCKS = Number(process.env.KADCHAIN_BENCH_WINDOW ?? 8);

interface RawItems {
  /** verify-pool item layout, so the all-core workers read the same bytes. */
  packed: Buffer;
  items: { signature: Buffer; digest: Buffer; publicKey: Buffer }[];
}

function rawItems(): RawItems {
  const keys = Array.from({ length: 16 }, makeKey);
  const items = Array.from({ length: RAW_SIGNATURES }, (_, i) => {
    const key = keys[i % keys.length]!;
    const digest = sha256(Buffer.from(`raw verify ${i}`));
    return { signature: sign(digest, key.privateKey), digest, publicKey: key.publicKey };
  });
  const packed = Buffer.concat(items.flatMap((it) => [it.signature, it.digest, it.publicKey]));
  if (packed.length !== RAW_SIGNATURES * VERIFY_ITEM_BYTES) throw new Error('raw item layout mismatch');
  return { packed, items };
}

function rawOneCore(raw: RawItems): number {
  const batch = (): number => {
    for (const it of raw.items) if (!verify(it.signature, it.digest, it.publicKey)) throw new Error('raw verify failed');
    return raw.items.length;
  };
  batch();
  return measure(batch).perSec;
}

/** `cores` workers verifying at once, started together; the sum of their rates. */
async function rawAllCores(raw: RawItems, cores: number): Promise<number> {
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

/** Decode + processBlock of every block into a fresh chain; returns seconds. */
async function connectAll(genesis: Buffer, blocks: readonly Buffer[], threads: number): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'kadchain-bench-'));
  const chain = await Chain.open({ path: dir, params: TEST_PARAMS, logger: silentLogger(), verifyThreads: threads });
  try {
    await chain.processBlock(Block.decode(genesis));
    const start = process.hrtime.bigint();
    const inFlight: Promise<unknown>[] = [];
    for (const bytes of blocks) {
      inFlight.push(chain.processBlock(Block.decode(bytes)));
      if (inFlight.length >= SUBMIT_WINDOW_BLOCKS) await inFlight.shift();
    }
    await Promise.all(inFlight);
    const secs = Number(process.hrtime.bigint() - start) / 1e9;
    if (chain.tip?.height !== blocks.length) throw new Error(`connected up to height ${chain.tip?.height}, expected ${blocks.length}`);
    return secs;
  } finally {
    await chain.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export const blockConnectBench: BenchModule = {
  name: 'block-connect',
  async run() {
    const cores = availableParallelism();
    const threads = Number(process.env.KADCHAIN_VERIFY_THREADS ?? cores);
    const fixture = buildBlockFixture(BLOCK_COUNT, TXS_PER_BLOCK);
    const raw = rawItems();
    const oneCore: number[] = [];
    const allCores: number[] = [];
    const secs: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      oneCore.push(rawOneCore(raw));
      allCores.push(await rawAllCores(raw, cores));
      secs.push(await connectAll(fixture.genesis, fixture.blocks, threads));
    }
    const best = Math.min(...secs);
    const inputsPerSec = Math.round(fixture.inputs / best);
    const rawVerifiesPerSecAllCores = Math.max(...allCores);
    const ratio = inputsPerSec / rawVerifiesPerSecAllCores;
    return {
      secp256k1Native: secp256k1IsNative,
      blocks: BLOCK_COUNT,
      txsPerBlock: TXS_PER_BLOCK,
      inputs: fixture.inputs,
      verifyThreads: threads,
      submitWindowBlocks: SUBMIT_WINDOW_BLOCKS,
      secs: Math.round(best * 1000) / 1000,
      blocksPerSec: Math.round(BLOCK_COUNT / best),
      inputsPerSec,
      rawVerifiesPerSecOneCore: Math.max(...oneCore),
      rawVerifiesPerSecAllCores,
      cores,
      rounds: { secs: secs.map((s) => Math.round(s * 1000) / 1000), rawOneCore: oneCore, rawAllCores: allCores },
      ratio: Math.round(ratio * 1000) / 1000,
      target: TARGET_RATIO,
      pass: ratio >= TARGET_RATIO,
    };
  },
};
