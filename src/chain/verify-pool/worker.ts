/**
 * Verify-pool worker: loads the native libsecp256k1 binding through primitives/secp256k1 (so a
 * missing binding fails here as loudly as on the main thread), decodes each job's transactions,
 * computes their sighashes and answers with the index of its first invalid item, relative to the job's own buffer, or -1.
 */
import { parentPort } from 'node:worker_threads';
import { firstInvalidInJob } from './job.js';
import type { VerifyJob, VerifyReply } from './protocol.js';

if (!parentPort) throw new Error('the verify-pool worker must run in a worker thread');
const port = parentPort;
port.on('message', (job: VerifyJob) => {
  const reply: VerifyReply = { id: job.id, firstInvalid: firstInvalidInJob(job.buffer) };
  port.postMessage(reply);
});
