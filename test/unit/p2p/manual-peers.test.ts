/**
 * Manual peers: an address dialled while a dial of it is under way, or while it is connected,
 * is not dialled again — no redial timer, no doubled backoff, no duplicate connection taking
 * the manual status from the real one. The dial is a fake the test resolves by hand.
 */
import test from 'ava';
import { EventEmitter } from 'node:events';
import { RECONNECT_JITTER_FRACTION } from '../../../src/p2p/constants.js';
import { ManualPeers } from '../../../src/p2p/manual-peers.js';
import type { Peer } from '../../../src/p2p/peer.js';
import { silentLogger } from '../../../src/util/logger.js';

const BACKOFF_MS = { min: 40, max: 5_000 };
/** Several minimum backoffs: time for a wrongly scheduled redial to fire (and double) a few times. */
const SETTLE_MS = 5 * BACKOFF_MS.min;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** What ManualPeers reads of a peer. */
class FakePeer extends EventEmitter {
  isReady = false;
  readonly provenNodeId = Buffer.alloc(32, 7);
  readonly refusal = undefined;
}

interface PendingDial {
  readonly onPeer: (peer: Peer) => void;
  readonly resolve: (result: true | string) => void;
}

/** ManualPeers over a dial that behaves like OutboundDialer's: one dial per address at a time. */
function setup(t: { teardown(fn: () => void): void }): { manual: ManualPeers; dials: PendingDial[] } {
  const dials: PendingDial[] = [];
  let inFlight = false;
  const manual = new ManualPeers({
    reconnectBackoffMs: BACKOFF_MS,
    logger: silentLogger(),
    isRunning: () => true,
    isBanned: () => false,
    connectedNode: () => undefined,
    dial: (_host, _port, onPeer) => {
      if (inFlight) return Promise.resolve('already dialling');
      inFlight = true;
      return new Promise((resolve) => {
        dials.push({ onPeer, resolve: (result) => { inFlight = false; resolve(result); } });
      });
    },
  });
  t.teardown(() => manual.stop());
  return { manual, dials };
}

test('a second addpeer during the dial neither dials again nor schedules a redial', async (t) => {
  const { manual, dials } = setup(t);
  manual.add('127.0.0.1', 9000);
  manual.add('127.0.0.1', 9000);
  await sleep(0);
  t.is(dials.length, 1, 'one dial');
  t.deepEqual(manual.describe().map((m) => [m.state, m.nextRetryAtMs]), [['waiting', undefined]], 'no redial is scheduled');

  const peer = new FakePeer();
  dials[0]!.onPeer(peer as unknown as Peer);
  dials[0]!.resolve(true);
  peer.isReady = true;
  peer.emit('ready');
  await sleep(SETTLE_MS);
  t.is(dials.length, 1, 'no redial while connected');
  t.deepEqual(manual.describe().map((m) => m.state), ['connected']);
  t.true(manual.isManual(peer as unknown as Peer), 'the real connection keeps its manual status');

  manual.add('127.0.0.1', 9000);
  t.is(dials.length, 1, 'addpeer of a connected address dials nothing');

  peer.isReady = false;
  peer.emit('close', 'connection reset');
  const afterCloseMs = Date.now(); // the retry time was set during emit, at or before this
  const [entry] = manual.describe();
  t.is(entry?.state, 'waiting');
  t.true((entry?.nextRetryAtMs ?? Infinity) <= afterCloseMs + BACKOFF_MS.min, 'the redial after the close waits the minimum backoff');
  await sleep(SETTLE_MS / 2);
  t.is(dials.length, 2, 'exactly one redial after the close');
});

test('a failed dial schedules one redial, and the timer does not dial while that one is under way', async (t) => {
  const { manual, dials } = setup(t);
  manual.add('127.0.0.1', 9001);
  dials[0]!.resolve('connect failed: ECONNREFUSED');
  await sleep(0);
  const [entry] = manual.describe();
  t.is(entry?.lastError, 'connect failed: ECONNREFUSED');
  t.not(entry?.nextRetryAtMs, undefined);
  await sleep(SETTLE_MS);
  t.is(dials.length, 2, 'the redial is under way and nothing else dialled');
  t.is(manual.describe()[0]?.nextRetryAtMs, undefined, 'no timer waits while the redial is under way');
});

const FROZEN_NOW_MS = 1_000_000;

test('redials back off exponentially up to the maximum, each wait shortened by at most the jitter fraction', async (t) => {
  for (const draw of [0, 0.999]) {
    const waits: number[] = [];
    let manual: ManualPeers | undefined;
    const backoff = { min: 20, max: 80 };
    manual = new ManualPeers({
      reconnectBackoffMs: backoff,
      logger: silentLogger(),
      isRunning: () => true,
      isBanned: () => false,
      connectedNode: () => undefined,
      random: () => draw,
      // A frozen clock for nextRetryAtMs: the wait is read exactly, whatever the event loop's delay
      // between a dial and its schedule (the real timers still drive the redials).
      now: () => FROZEN_NOW_MS,
      dial: () => {
        setImmediate(() => {
          const at = manual?.describe()[0]?.nextRetryAtMs;
          if (at !== undefined) waits.push(at - FROZEN_NOW_MS);
        });
        return Promise.resolve('connect failed: ETIMEDOUT');
      },
    });
    t.teardown(() => manual?.stop());
    manual.add('127.0.0.1', 9002);
    await sleep(400);
    manual.stop();
    t.true(waits.length >= 4, `several redials (${waits.length})`);
    const expected = [20, 40, 80, 80, 80].map((b) => Math.round(b * (1 - RECONNECT_JITTER_FRACTION * draw)));
    for (const [i, wait] of waits.slice(0, 5).entries()) {
      t.is(wait, expected[i]!, `draw ${draw}, redial ${i + 1}`);
    }
    t.true(waits.every((w) => w <= backoff.max), 'never above the maximum');
  }
});

test('the manual peer list is bounded: one more address is refused with the way out, a known one is still retried', async (t) => {
  const dialled: string[] = [];
  const manual = new ManualPeers({
    reconnectBackoffMs: BACKOFF_MS, logger: silentLogger(), isRunning: () => true, isBanned: () => false, connectedNode: () => undefined,
    dial: (host, port) => { dialled.push(`${host}:${port}`); return new Promise(() => undefined); },
    maxEntries: 3,
  });
  t.teardown(() => manual.stop());
  for (const port of [9001, 9002, 9003]) manual.add('127.0.0.1', port);
  const err = t.throws(() => manual.add('127.0.0.1', 9004));
  t.is((err as { code?: string }).code, 'manual-peer-list-full');
  t.is(err?.message, 'the node already keeps 3 manual peers; remove one first (removepeer HOST:PORT; peers lists them)');
  t.notThrows(() => manual.add('127.0.0.1', 9003), 'an address already listed is not a new entry');
  t.is(manual.describe().length, 3);
  manual.remove('127.0.0.1', 9001);
  t.notThrows(() => manual.add('127.0.0.1', 9004), 'removing one makes room');
  t.deepEqual(dialled, ['127.0.0.1:9001', '127.0.0.1:9002', '127.0.0.1:9003', '127.0.0.1:9004']);
});

/** A fake peer whose close() is recorded and emits 'close', as a real session's does. */
function closablePeer(): { peer: FakePeer; closes: string[] } {
  const closes: string[] = [];
  const peer = new FakePeer();
  (peer as unknown as { close: (reason: string) => void }).close = (reason: string) => {
    closes.push(reason);
    peer.emit('close', reason);
  };
  return { peer, closes };
}

test('removepeer closes our connection, forgets the address and never redials it; an unknown address is refused', async (t) => {
  const { manual, dials } = setup(t);
  manual.add('127.0.0.1', 9000);
  await sleep(0);
  const { peer, closes } = closablePeer();
  dials[0]!.onPeer(peer as unknown as Peer);
  dials[0]!.resolve(true);
  peer.isReady = true;
  peer.emit('ready');
  t.true(manual.remove('127.0.0.1', 9000), 'it says it closed our connection');
  t.deepEqual(closes, ['removed from the manual peers by the operator']);
  t.deepEqual(manual.describe(), []);
  t.false(manual.isManual(peer as unknown as Peer));
  await sleep(SETTLE_MS);
  t.is(dials.length, 1, 'no redial after the removal closed it');
  const err = t.throws(() => manual.remove('127.0.0.1', 9000));
  t.is((err as { code?: string }).code, 'unknown-manual-peer');
  t.is(err?.message, '127.0.0.1:9000 is not a manual peer (peers lists them)');
});

test('removepeer during the dial: the connection it then makes is closed, and no redial follows', async (t) => {
  const { manual, dials } = setup(t);
  manual.add('127.0.0.1', 9000);
  await sleep(0);
  t.false(manual.remove('127.0.0.1', 9000), 'no connection was open yet');
  const { peer, closes } = closablePeer();
  dials[0]!.onPeer(peer as unknown as Peer);
  dials[0]!.resolve(true);
  t.deepEqual(closes, ['removed from the manual peers by the operator'], 'the late connection is not kept');
  t.false(manual.isManual(peer as unknown as Peer));
  t.deepEqual(manual.describe(), []);
  await sleep(SETTLE_MS);
  t.is(dials.length, 1, 'no redial');
});

test("a peer's refusal becomes the last error on one line, its terminal controls and newlines escaped", async (t) => {
  const { manual, dials } = setup(t);
  manual.add('127.0.0.1', 9002);
  await sleep(0);
  const peer = Object.assign(new EventEmitter(), {
    isReady: false,
    provenNodeId: undefined,
    refusal: { by: 'peer', code: 'x\u001b[31m', reason: 'all good\n10.0.0.9:9000  connected  -  -\u001b]52;c;ZWNobw==\u0007' },
  });
  dials[0]!.onPeer(peer as unknown as Peer);
  dials[0]!.resolve(true);
  peer.emit('close', 'refused');
  t.is(manual.describe()[0]?.lastError, 'it refused us: x\\x1b[31m: all good\\x0a10.0.0.9:9000  connected  -  -\\x1b]52;c;ZWNobw==\\x07');
});
