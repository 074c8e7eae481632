import { createServer } from 'node:net';
import test from 'ava';
import { pino } from 'pino';
import { BanList } from '../../../src/p2p/bans.js';
import { resolveP2PConfig } from '../../../src/p2p/config.js';
import { DIAL_FAILURE_WARN_BURST, DIAL_FAILURE_WARN_INTERVAL_MS } from '../../../src/p2p/constants.js';
import { DiscouragedSet } from '../../../src/p2p/discouraged.js';
import { classifyAddress } from '../../../src/p2p/netgroup.js';
import { OutboundDialer } from '../../../src/p2p/outbound.js';
import type { Logger } from '../../../src/util/logger.js';
import { buildBlock, makeKey } from '../../helpers/fixtures.js';
import { connect, startNode, waitFor } from './net-helpers.js';

interface Line {
  level: number;
  msg: string;
  code?: string;
  reason?: string;
  peer?: string;
}

const WARN = 40;
const INFO = 30;
const DEBUG = 20;

function capture(): { lines: Line[]; logger: Logger } {
  const lines: Line[] = [];
  return { lines, logger: pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as Line) }) };
}

/** A loopback port nothing listens on (a server bound it, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function dialer(logger: Logger, clock: { ms: number }): OutboundDialer {
  return new OutboundDialer({
    config: resolveP2PConfig({}),
    ownIdHex: '00'.repeat(32),
    bans: new BanList(10),
    discouraged: new DiscouragedSet(10, 60_000),
    classify: classifyAddress,
    logger,
    isRunning: () => true,
    peers: () => [],
    isConnected: () => false,
    attach: () => {
      throw new Error('nothing listens: no connection to attach');
    },
    nowMs: () => clock.ms,
  });
}

test('a failed dial is warned about with its reason once per address per interval; repeats at debug', async (t) => {
  const { lines, logger } = capture();
  const clock = { ms: 1_000_000 };
  const out = dialer(logger, clock);
  const port = await closedPort();
  for (let i = 0; i < 3; i++) t.regex(String(await out.dial('127.0.0.1', port)), /^connect failed: .*ECONNREFUSED/);
  clock.ms += DIAL_FAILURE_WARN_INTERVAL_MS;
  await out.dial('127.0.0.1', port);
  const failed = lines.filter((l) => l.msg === 'dial failed');
  t.log(failed[0]);
  t.deepEqual(failed.map((l) => l.level), [WARN, DEBUG, DEBUG, WARN]);
  t.is(failed[0]!.peer, `127.0.0.1:${port}`);
  t.regex(failed[0]!.reason ?? '', /ECONNREFUSED/);
});

test('failed dials to many addresses: at most a burst of warnings, the rest at debug', async (t) => {
  const { lines, logger } = capture();
  const clock = { ms: 1_000_000 };
  const out = dialer(logger, clock);
  const count = DIAL_FAILURE_WARN_BURST + 5;
  for (let i = 0; i < count; i++) await out.dial('127.0.0.1', await closedPort());
  const failed = lines.filter((l) => l.msg === 'dial failed');
  t.is(failed.length, count);
  t.is(failed.filter((l) => l.level === WARN).length, DIAL_FAILURE_WARN_BURST);
});

test('a peer that refuses our handshake is warned about with its code and reason', async (t) => {
  const { lines, logger } = capture();
  const genesis = buildBlock({ miner: makeKey() });
  const ours = await startNode(t, { genesis, logger });
  const theirs = await startNode(t, { genesis });
  theirs.net.ban(ours.key.nodeId.toString('hex'), 'test ban');
  ours.net.addPeer('127.0.0.1', theirs.net.tcpPort);
  await waitFor(() => lines.some((l) => l.msg === 'peer refused us'), 'the refusal to be logged');
  const refusal = lines.find((l) => l.msg === 'peer refused us')!;
  t.log(refusal);
  t.is(refusal.level, WARN);
  t.is(refusal.code, 'banned');
  t.truthy(refusal.reason);
});

test('two nodes dialling each other: the duplicate connection is resolved at debug, no info or warn line about it', async (t) => {
  const a = capture();
  const b = capture();
  const genesis = buildBlock({ miner: makeKey() });
  const nodeA = await startNode(t, { genesis, logger: a.logger });
  const nodeB = await startNode(t, { genesis, logger: b.logger });
  await connect(nodeA, nodeB);
  nodeB.net.addPeer('127.0.0.1', nodeA.net.tcpPort);
  const duplicate = (l: Line): boolean => l.code === 'duplicate-connection';
  await waitFor(() => a.lines.some(duplicate) && b.lines.some(duplicate), 'both ends to see the duplicate');
  const loud = [...a.lines, ...b.lines].filter((l) => l.level >= INFO && (duplicate(l) || /duplicate|refus/.test(l.msg)));
  t.deepEqual(loud, []);
  t.log([...a.lines, ...b.lines].filter(duplicate).map((l) => `${l.level} ${l.msg}`));
});
