/** Each peer's share of the block download (sync-windows.ts): halved when its run held the chain, grown back as it delivers. */
import test from 'ava';
import { PeerWindows } from '../../../src/p2p/sync-windows.js';

test('a peer window halves on each shrink down to one block, and grows by one per window of blocks delivered, back to the maximum', (t) => {
  const windows = new PeerWindows<string>(16);
  t.is(windows.of('slow'), 16);
  windows.shrink('slow');
  t.is(windows.of('slow'), 8);
  for (const expected of [4, 2, 1, 1]) {
    windows.shrink('slow');
    t.is(windows.of('slow'), expected);
  }
  t.is(windows.of('other'), 16, "another peer's window is its own");
  windows.delivered('slow');
  t.is(windows.of('slow'), 2, 'one block delivered with a window of one');
  windows.delivered('slow');
  t.is(windows.of('slow'), 2, 'half of a window of two');
  windows.delivered('slow');
  t.is(windows.of('slow'), 3);
  let delivered = 0;
  while (windows.of('slow') < 16) {
    windows.delivered('slow');
    delivered++;
  }
  t.is(delivered, 3 + 4 + 5 + 6 + 7 + 8 + 9 + 10 + 11 + 12 + 13 + 14 + 15, 'additive: one block more per window delivered');
  t.is(windows.size, 0, 'back at the maximum: no entry kept');
  windows.delivered('fast');
  t.is(windows.size, 0, 'a peer at the maximum is not recorded');
  windows.shrink('gone');
  windows.forget('gone');
  t.is(windows.size, 0, 'a dropped peer is forgotten');
});
