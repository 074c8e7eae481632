export { SignatureBatch, type SignatureRef, firstInvalidItem } from './batch.js';
export { VERIFY_INLINE_MAX_ITEMS } from './constants.js';
export { VerifyPoolError, type VerifyPoolErrorCode } from './errors.js';
export { VerifyPool, type VerifyPoolOptions } from './pool.js';
