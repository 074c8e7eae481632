export * from './constants.js';
export * from './errors.js';
export * from './mempool.js';
export * from './policy.js';
