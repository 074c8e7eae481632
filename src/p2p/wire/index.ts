export * from './constants.js';
export * from './errors.js';
export * from './frame.js';
export * from './messages/index.js';
