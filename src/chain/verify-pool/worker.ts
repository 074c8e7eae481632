/**
 * Verify-pool worker: loads the native libsecp256k1 binding through primitives/secp256k1 (so a
 * missing binding fails here as loudly as on the main thread), decodes each job's transactions,
 * computes their sighashes and answers with the index of its first invalid item, relative to the job's own buffer, or -1.
 */
import { parentPort } from 'node:worker_threads';
import { errorMessage } from '../../util/errors.js';
import { scanJob } from './job-scan.js';
import type { JobDone, JobFailed, VerifyJob, WorkerReady } from './protocol.js';

if (!parentPort) throw new Error('the verify-pool worker must run in a worker thread');
const port = parentPort;
/** When the previous job ended (undefined before the first): the gap until the next one is time this worker starved. */
let lastEndMs: number | undefined;
port.on('message', (job: VerifyJob) => {
  const startMs = performance.now();
  let firstInvalid: number;
  try {
    firstInvalid = scanJob(job.buffer);
  } catch (err) {
    // One unreadable job (a pool bug) fails that job alone, not the other blocks this worker holds.
    const failed: JobFailed = { kind: 'failed', id: job.id, message: errorMessage(err) };
    port.postMessage(failed);
    return;
  }
  const endMs = performance.now();
  const reply: JobDone = { kind: 'done', id: job.id, firstInvalid, idleMs: lastEndMs === undefined ? 0 : startMs - lastEndMs, busyMs: endMs - startMs };
  lastEndMs = endMs;
  port.postMessage(reply);
});
// Every import above has loaded and run: jobs can be taken now.
const ready: WorkerReady = { kind: 'ready' };
port.postMessage(ready);
