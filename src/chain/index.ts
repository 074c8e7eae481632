export * from './chain.js';
export * from './errors.js';
export * from './params.js';
export * from './types.js';
export * from './validate-tx.js';
export { verifyBlockSignatures } from './validate-block.js';
export { locatorHeights } from './locator.js';
