export { SignatureBatch, type SignatureRef } from './batch.js';
export { encodeJob, firstInvalidInJob, type JobSegment } from './job.js';
export { scanJob } from './job-scan.js';
export { VERIFY_INLINE_MAX_ITEMS } from './constants.js';
export { VerifyPoolError, type VerifyPoolErrorCode } from './errors.js';
export { VerifyPool, type VerifyPoolOptions, type VerifyPoolStats } from './pool.js';
