/**
 * Worker for the "raw all-core verify rate": verifies the items of a job buffer (verify-pool
 * layout) in a loop for `durationMs` and reports how many it did. No pool, no messaging per item.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { VERIFY_ITEM_BYTES, VERIFY_ITEM_DIGEST_OFFSET, VERIFY_ITEM_PUBKEY_OFFSET } from '../../src/chain/verify-pool/constants.js';
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES, verify } from '../../src/primitives/secp256k1.js';
import { HASH_BYTES } from '../../src/primitives/hash.js';

interface RawVerifyJob {
  items: Uint8Array;
  durationMs: number;
}

const { items, durationMs } = workerData as RawVerifyJob;
const count = items.length / VERIFY_ITEM_BYTES;
const pass = (): void => {
  for (let i = 0; i < count; i++) {
    const at = i * VERIFY_ITEM_BYTES;
    const ok = verify(
      items.subarray(at, at + SIGNATURE_BYTES),
      items.subarray(at + VERIFY_ITEM_DIGEST_OFFSET, at + VERIFY_ITEM_DIGEST_OFFSET + HASH_BYTES),
      items.subarray(at + VERIFY_ITEM_PUBKEY_OFFSET, at + VERIFY_ITEM_PUBKEY_OFFSET + PUBLIC_KEY_BYTES),
    );
    if (!ok) throw new Error(`raw verify item ${i} failed`);
  }
};
pass(); // warm-up
// Start together: the parent measures wall time from the moment every worker is ready.
parentPort?.postMessage({ ready: true });
parentPort?.once('message', () => {
  const start = performance.now();
  let ops = 0;
  while (performance.now() - start < durationMs) {
    pass();
    ops += count;
  }
  parentPort?.postMessage({ ops, ms: performance.now() - start });
});
