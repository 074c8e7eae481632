import test from 'ava';
import { pino } from 'pino';
import { LogThrottle } from '../../../src/p2p/log-throttle.js';
import { buildBlock, makeKey } from '../../helpers/fixtures.js';
import { startNode, waitFor } from './net-helpers.js';
import { RawPeer } from './raw-peer.js';

test('a key warns once per interval; the throttle forgets its stalest key beyond its bound', (t) => {
  let now = 0;
  const throttle = new LogThrottle(2, 1_000, () => now);
  t.true(throttle.shouldWarn('a'));
  t.false(throttle.shouldWarn('a'));
  now = 999;
  t.false(throttle.shouldWarn('a'));
  now = 1_000;
  t.true(throttle.shouldWarn('a'), 'again after the interval');
  t.true(throttle.shouldWarn('b'));
  t.true(throttle.shouldWarn('c'));
  t.is(throttle.size, 2);
  t.true(throttle.shouldWarn('a'), 'a was the stalest and was forgotten');
  t.false(throttle.shouldWarn('c'));
});

test('a banned address reconnecting in a loop is warned about once', async (t) => {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
  const a = await startNode(t, { genesis: buildBlock({ miner: makeKey() }), logger });
  a.net.ban('127.0.0.9', 'test');
  for (let i = 0; i < 5; i++) {
    const raw = await RawPeer.connect(a.net.tcpPort, '127.0.0.9');
    t.teardown(() => raw.destroy());
    await raw.waitClosed();
  }
  await waitFor(() => lines.filter((l) => l.includes('inbound connection refused')).length === 5, 'five refusals logged');
  const refusals = lines.filter((l) => l.includes('inbound connection refused')).map((l) => JSON.parse(l) as { level: number; reason: string });
  t.deepEqual(refusals.map((r) => r.level), [40, 20, 20, 20, 20], 'warn once, then debug');
  t.is(refusals[0]!.reason, 'the address is banned');
});
