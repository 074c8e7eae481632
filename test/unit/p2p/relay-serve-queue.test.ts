/**
 * The serve queue's bound (MAX_SERVE_QUEUE_ITEMS) against a peer that does not read: its head
 * request waits for ever on the paced send, and what it asks for behind it must not queue
 * without limit — not even requests for nothing.
 */
import test from 'ava';
import type { Chain } from '../../../src/chain/chain.js';
import type { Mempool } from '../../../src/mempool/mempool.js';
import { MAX_SERVE_QUEUE_ITEMS } from '../../../src/p2p/constants.js';
import type { Peer } from '../../../src/p2p/peer.js';
import { RelayServer } from '../../../src/p2p/relay-serve.js';
import { silentLogger } from '../../../src/util/logger.js';

interface StuckPeer {
  readonly peer: Peer;
  readonly disconnects: string[];
  readonly sent: number;
}

/** A peer whose send buffer never drains (it stopped reading); it records why it was dropped. */
function stuckPeer(): StuckPeer {
  const state = { disconnects: [] as string[], sent: 0 };
  const peer = {
    label: 'stuck',
    get isClosed() {
      return state.disconnects.length > 0;
    },
    cork: () => undefined,
    uncork: () => undefined,
    // Its buffer never empties: every paced send and drain wait hangs.
    sendBufferBytes: Number.MAX_SAFE_INTEGER,
    drained: () => {
      state.sent++;
      return new Promise<void>(() => undefined);
    },
    sendPaced: () => {
      state.sent++;
      return new Promise<void>(() => undefined);
    },
    send: () => true,
    disconnect: (code: string, reason: string) => void state.disconnects.push(`${code}: ${reason}`),
    punish: () => 'none',
  } as unknown as Peer;
  return { peer, disconnects: state.disconnects, get sent() { return state.sent; } };
}

function server(): RelayServer {
  const chain = { getBlockBytes: () => Buffer.alloc(200), getHashAtHeight: () => Buffer.alloc(32) } as unknown as Chain;
  const mempool = { get: () => undefined } as unknown as Mempool;
  return new RelayServer({ chain, mempool, logger: silentLogger(), serveCompact: async () => false, pushedBlockBytes: () => undefined });
}

test('each request holds a queue slot, even an empty get-data: a non-reader flooding them is dropped at the bound', async (t) => {
  const relay = server();
  const stuck = stuckPeer();
  relay.onGetData(stuck.peer, [{ type: 'block', hash: Buffer.alloc(32, 1) }]);
  await new Promise((resolve) => setImmediate(resolve));
  t.is(stuck.sent, 1, 'the head request waits for the peer to drain its buffer');
  let requests = 0;
  while (stuck.disconnects.length === 0 && requests < 10 * MAX_SERVE_QUEUE_ITEMS) {
    relay.onGetData(stuck.peer, []);
    requests++;
  }
  t.log(`dropped after ${requests} empty get-datas: ${stuck.disconnects[0]}`);
  t.is(requests, MAX_SERVE_QUEUE_ITEMS, 'the head holds one slot: the empty request that would be the MAX + 1st is refused');
  t.regex(stuck.disconnects[0] ?? '', /^serve-queue-full: /);
});

test('requests within the bound are queued, not refused', async (t) => {
  const relay = server();
  const stuck = stuckPeer();
  for (let i = 0; i < MAX_SERVE_QUEUE_ITEMS; i++) relay.onGetBlock(stuck.peer, { kind: 'get-block', by: 'height', height: i });
  await new Promise((resolve) => setImmediate(resolve));
  t.deepEqual(stuck.disconnects, []);
});
