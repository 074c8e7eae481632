/** Discovery's randomness seam is the node-wide one (src/util/random-source.ts): kept here for discovery's imports. */
export * from '../../util/random-source.js';
