/**
 * How a bench starts a node process that is not the CLI (the sync bench's source and fresh nodes):
 * with the malloc setting ./kadchain gives a node (bin/kadchain.cjs's launcher line), so the figures
 * are those of the product. A MALLOC_ARENA_MAX already in the environment wins, as there.
 */
import { NODE_MALLOC_ARENA_MAX } from '../../src/node/constants.js';

export function nodeProcessEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, MALLOC_ARENA_MAX: env['MALLOC_ARENA_MAX'] ?? String(NODE_MALLOC_ARENA_MAX) };
}
