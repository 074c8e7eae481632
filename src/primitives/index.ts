export * from './address.js';
export * from './block.js';
export * from './encoding.js';
export * from './hash.js';
export * from './merkle.js';
export * from './pow.js';
export * from './secp256k1.js';
export * from './tx.js';
