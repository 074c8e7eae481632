export * from './constants.js';
export * from './endpoint.js';
export * from './errors.js';
export * from './node-key.js';
export * from './packet.js';
export * from './payloads.js';
export * from './routing-table.js';
