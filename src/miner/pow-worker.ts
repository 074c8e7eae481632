/**
 * Nonce search on its own thread so the node keeps serving RPC and peers while mining.
 * Input: an encoded 84-byte header and the 32-byte big-endian target. The u32 nonce at
 * HEADER_NONCE_OFFSET is patched in place; after all 2^32 nonces the timestamp is bumped.
 * The main thread aborts a job by changing the shared job id (checked every batch).
 */
import { hash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { HEADER_NONCE_OFFSET } from '../primitives/block.js';
import { HEADER_TIMESTAMP_OFFSET, MAX_NONCE, NONCE_BATCH_SIZE } from './constants.js';
import type { PowJob, PowReply, PowWorkerData } from './pow-protocol.js';

const port = parentPort;
if (!port) throw new Error('pow-worker.js must run as a worker thread');
const control = new Int32Array((workerData as PowWorkerData).control);

function search(job: PowJob): PowReply {
  const header = Buffer.from(job.header);
  const target = Buffer.from(job.target);
  let timestamp = header.readUInt32LE(HEADER_TIMESTAMP_OFFSET);
  let nonce = job.startNonce >>> 0;
  let hashes = 0;
  for (;;) {
    for (let i = 0; i < NONCE_BATCH_SIZE; i++) {
      header.writeUInt32LE(nonce, HEADER_NONCE_OFFSET);
      const digest = hash('sha256', hash('sha256', header, 'buffer'), 'buffer');
      hashes++;
      if (digest.compare(target) <= 0) return { type: 'found', id: job.id, nonce, timestamp, hashes };
      if (nonce === MAX_NONCE) {
        // Every nonce tried: a new timestamp gives a fresh 2^32 space.
        nonce = 0;
        timestamp++;
        header.writeUInt32LE(timestamp, HEADER_TIMESTAMP_OFFSET);
      } else {
        nonce++;
      }
    }
    if (Atomics.load(control, 0) !== job.id) return { type: 'aborted', id: job.id, hashes };
  }
}

port.on('message', (job: PowJob) => {
  // A job superseded before it started is answered without hashing.
  const reply: PowReply = Atomics.load(control, 0) === job.id ? search(job) : { type: 'aborted', id: job.id, hashes: 0 };
  port.postMessage(reply);
});
