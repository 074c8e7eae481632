import test from 'ava';
import { pino } from 'pino';
import { RECEIVED_REJECT_LOG_BURST } from '../../../src/p2p/constants.js';
import { MessageType } from '../../../src/p2p/wire/index.js';
import { buildBlock, makeKey } from '../../helpers/fixtures.js';
import { type TestNode, buildChain, connect, startNode, waitFor } from './net-helpers.js';
import { RawPeer } from './raw-peer.js';

const genesis = buildBlock({ miner: makeKey() });

interface Line {
  level: number;
  msg: string;
  code?: string;
  peer?: string;
}

async function capture(t: Parameters<typeof startNode>[0]): Promise<{ lines: Line[]; port: number; node: TestNode }> {
  const lines: Line[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as Line) });
  const node = await startNode(t, { genesis, logger });
  return { lines, port: node.net.tcpPort, node };
}

// The live fuzz campaign reconnected from loopback in a loop and made the node write one warn line per connection.
test('a misbehaving address is warned about once per code per interval; repeats go to debug', async (t) => {
  const { lines, port } = await capture(t);
  const misbehaved = (): Line[] => lines.filter((l) => l.msg.startsWith('peer misbehaved'));
  for (const ip of ['127.0.0.2', '127.0.0.2', '127.0.0.2', '127.0.0.3']) {
    const raw = await RawPeer.connect(port, ip);
    t.teardown(() => raw.destroy());
    raw.socket.write('GET / HTTP/1.1\r\n\r\n');
    await raw.waitClosed();
  }
  await waitFor(() => misbehaved().length === 4, 'four misbehaviour lines');
  t.deepEqual(misbehaved().map((l) => [l.peer?.split(':')[0], l.code, l.level]), [
    ['127.0.0.2', 'bad-magic', 40],
    ['127.0.0.2', 'bad-magic', 20],
    ['127.0.0.2', 'bad-magic', 20],
    ['127.0.0.3', 'bad-magic', 40],
  ]);
});

test('a refused handshake is warned about once per address and code per interval; repeats go to debug', async (t) => {
  const { lines, port } = await capture(t);
  const refusals = (): Line[] => lines.filter((l) => l.msg === 'refusing peer');
  for (let i = 0; i < 3; i++) {
    const raw = await RawPeer.connect(port, '127.0.0.4');
    t.teardown(() => raw.destroy());
    raw.sendHandshake({ version: 0 });
    await raw.waitClosed();
  }
  await waitFor(() => refusals().length === 3, 'three refusal lines');
  t.deepEqual(refusals().map((l) => [l.code, l.level]), [['incompatible-version', 40], ['incompatible-version', 20], ['incompatible-version', 20]]);
});

test('a peer\'s rejects are logged at info up to a burst per session, then at debug (they cost it nothing)', async (t) => {
  const { lines, node } = await capture(t);
  const raw = await RawPeer.ready(t, node, genesis.hash);
  const count = RECEIVED_REJECT_LOG_BURST + 20;
  for (let i = 0; i < count; i++) raw.send({ kind: 'reject', messageType: MessageType.Transaction, code: 'x', reason: `reject ${i}`, hash: Buffer.alloc(32, i) });
  const rejects = (): Line[] => lines.filter((l) => l.msg === 'peer rejected something we sent');
  await waitFor(() => rejects().length === count, 'every reject logged');
  const atInfo = rejects().filter((l) => l.level === 30).length;
  t.true(atInfo >= RECEIVED_REJECT_LOG_BURST && atInfo <= RECEIVED_REJECT_LOG_BURST + 1, `${atInfo} at info`); // +1: a token may refill meanwhile
  t.false(raw.closed, 'rejects are not punished');
});

test('blocks refused without penalty (too far in the future) are logged at info once per address and code, then at debug', async (t) => {
  const { lines, node } = await capture(t);
  const raw = await RawPeer.ready(t, node, genesis.hash);
  const future = Math.floor(Date.now() / 1000) + 3 * 3600;
  for (let i = 0; i < 4; i++) raw.send({ kind: 'block', block: buildBlock({ parent: genesis, miner: makeKey(), timestamp: future + i }) });
  const refused = (): Line[] => lines.filter((l) => l.msg === 'block refused');
  await waitFor(() => refused().length === 4, 'four refusals logged');
  t.deepEqual(refused().map((l) => [l.code, l.level]), [['time-too-new', 30], ['time-too-new', 20], ['time-too-new', 20], ['time-too-new', 20]]);
  t.false(raw.closed, 'a future block is not punished');
});

test('an inbound address\'s "peer ready" is logged at info once per interval, repeats at debug; another address at info', async (t) => {
  const { lines, node } = await capture(t);
  const ready = (): Line[] => lines.filter((l) => l.msg === 'peer ready');
  for (const ip of ['127.0.0.6', '127.0.0.6', '127.0.0.6', '127.0.0.7']) {
    const raw = await RawPeer.connect(node.net.tcpPort, ip);
    t.teardown(() => raw.destroy());
    raw.sendHandshake({ genesisHash: genesis.hash });
    await raw.waitFor('ping'); // sent once the session is open
    raw.destroy();
    await waitFor(() => node.net.peers().length === 0, 'the session closed');
  }
  await waitFor(() => ready().length === 4, 'four ready lines');
  t.deepEqual(ready().map((l) => l.level), [30, 20, 20, 30]);
});

test('a block sync from an address is logged at info once per interval; the next sync from it within the interval starts at debug, its summary (blocks it brought) stays at info', async (t) => {
  const chain = buildChain(genesis, 6, makeKey());
  const lines: Line[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as Line) });
  const syncing = await startNode(t, { genesis, logger });
  const first = await startNode(t, { genesis, blocks: chain.slice(0, 3) });
  const second = await startNode(t, { genesis, blocks: chain }); // also on 127.0.0.1, further ahead
  const syncLines = (): Line[] => lines.filter((l) => l.msg === 'starting block sync' || l.msg === 'block sync ended');
  await connect(syncing, first);
  await waitFor(() => syncing.chain.tip?.height === 3 && syncLines().length === 2, 'the first sync');
  await connect(syncing, second);
  await waitFor(() => syncing.chain.tip?.height === 6 && syncLines().length === 4, 'the second sync');
  t.deepEqual(syncLines().map((l) => [l.msg, l.level]), [['starting block sync', 30], ['block sync ended', 30], ['starting block sync', 20], ['block sync ended', 30]]);
  t.like(syncLines()[3], { blocks: 3, txs: 3 });
});
