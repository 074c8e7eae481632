import { LOCATOR_DENSE_HASHES } from './constants.js';

/**
 * Heights of Bitcoin-style block locator entries for a chain whose tip is at `tipHeight`:
 * the tip and the LOCATOR_DENSE_HASHES − 1 blocks below it, then gaps doubling (2, 4, 8, …),
 * genesis always last. O(log n) entries let a peer find the fork point whatever its depth.
 */
export function locatorHeights(tipHeight: number): number[] {
  const heights: number[] = [];
  let step = 1;
  for (let height = tipHeight; ; ) {
    heights.push(height);
    if (height === 0) return heights;
    if (heights.length >= LOCATOR_DENSE_HASHES) step *= 2;
    height = Math.max(height - step, 0);
  }
}
