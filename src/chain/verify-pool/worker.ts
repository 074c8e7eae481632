/**
 * Verify-pool worker: loads the native libsecp256k1 binding through primitives/secp256k1 (so a
 * missing binding fails here as loudly as on the main thread) and answers each job with the
 * index of its first invalid item, relative to the job's own buffer, or -1.
 */
import { parentPort } from 'node:worker_threads';
import { firstInvalidItem } from './batch.js';
import { VERIFY_ITEM_BYTES } from './constants.js';
import type { VerifyJob, VerifyReply } from './protocol.js';

if (!parentPort) throw new Error('the verify-pool worker must run in a worker thread');
const port = parentPort;
port.on('message', (job: VerifyJob) => {
  const items = new Uint8Array(job.buffer);
  const reply: VerifyReply = { id: job.id, firstInvalid: firstInvalidItem(items, 0, items.length / VERIFY_ITEM_BYTES) };
  port.postMessage(reply);
});
