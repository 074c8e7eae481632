/**
 * The block-stall timeout adapts as Core's: doubled per staller dropped (up to 64 s), shrunk by
 * 0.85 per block connected back to the configured base. A fixed timeout on a slow link dropped
 * peers one after another.
 */
import test from 'ava';
import { BLOCK_STALL_TIMEOUT_DECAY, DEFAULT_BLOCK_STALL_TIMEOUT_MS, MAX_BLOCK_STALL_TIMEOUT_MS } from '../../../src/p2p/constants.js';
import { AdaptiveStallTimeout } from '../../../src/p2p/stall-timeout.js';

test('each staller dropped doubles the timeout, up to the maximum', (t) => {
  const timeout = new AdaptiveStallTimeout(DEFAULT_BLOCK_STALL_TIMEOUT_MS);
  const seen = [timeout.currentMs];
  for (let i = 0; i < 7; i++) {
    timeout.stallerDropped();
    seen.push(timeout.currentMs);
  }
  t.log(`timeouts: ${seen.join(', ')} ms`);
  t.deepEqual(seen, [2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 64_000, 64_000]);
  t.is(timeout.currentMs, MAX_BLOCK_STALL_TIMEOUT_MS);
});

test('blocks connected bring it back to the base by the decay factor, never below', (t) => {
  const timeout = new AdaptiveStallTimeout(DEFAULT_BLOCK_STALL_TIMEOUT_MS);
  timeout.stallerDropped();
  const seen: number[] = [];
  for (let i = 0; i < 6; i++) {
    timeout.blockConnected();
    seen.push(timeout.currentMs);
  }
  t.log(`after one drop, per block connected: ${seen.join(', ')} ms`);
  t.is(seen[0], Math.floor(4_000 * BLOCK_STALL_TIMEOUT_DECAY));
  t.deepEqual(seen, [3_400, 2_890, 2_456, 2_087, 2_000, 2_000]);
  // From the maximum: 64 s back to 2 s in 22 blocks (at thousands of blocks a second, at once).
  for (let i = 0; i < 5; i++) timeout.stallerDropped();
  t.is(timeout.currentMs, MAX_BLOCK_STALL_TIMEOUT_MS);
  let blocks = 0;
  while (timeout.currentMs > DEFAULT_BLOCK_STALL_TIMEOUT_MS) {
    timeout.blockConnected();
    blocks++;
  }
  t.is(blocks, 22);
});

test('a base above the maximum (blockStallTimeoutMs configured high) is kept, not lowered', (t) => {
  const timeout = new AdaptiveStallTimeout(100_000);
  timeout.stallerDropped();
  t.is(timeout.currentMs, 100_000);
  timeout.blockConnected();
  t.is(timeout.currentMs, 100_000);
});
