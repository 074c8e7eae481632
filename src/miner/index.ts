export * from './constants.js';
export * from './errors.js';
export * from './miner.js';
export { PowSolver, targetBytes, type PowResult } from './pow-solver.js';
export { buildTemplate, createGenesisBlock, nextBlockTimestamp, type BlockTemplate, type GenesisOptions } from './template.js';
