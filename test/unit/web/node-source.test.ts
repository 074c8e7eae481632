import { EventEmitter } from 'node:events';
import test from 'ava';
import type { PeerInfo } from '../../../src/p2p/peer-info.js';
import { disabledNodeNatState } from '../../../src/node/nat-state.js';
import type { Block } from '../../../src/primitives/block.js';
import { toJsonSafe } from '../../../src/rpc/json.js';
import { WS_ADDRESS_CACHE_ENTRIES } from '../../../src/web/constants.js';
import { nodeWebSource } from '../../../src/web/node-source.js';
import type { WebEvent } from '../../../src/web/source.js';
import { idleSyncStatus } from '../../helpers/sync-status.js';
import { freshTraversalState } from '../../helpers/traversal-state.js';
import { summary } from './fake-source.js';

const peer: PeerInfo = {
  nodeId: 'ab'.repeat(32),
  address: '127.0.0.1:4000',
  listenPort: 4000,
  direction: 'outbound',
  ready: true,
  manual: false,
  discouraged: false,
  handshakeHeight: 3,
  handshakeWork: '9',
  bestHeight: 4,
  bestWork: '12',
  pingRttMs: 7,
  connectedSinceMs: 1_700_000_000_000,
  punched: { relay: 'cd'.repeat(32) },
};

function parts(addressBuilds = { n: 0 }) {
  const chain = Object.assign(new EventEmitter(), {
    tip: { hash: Buffer.alloc(32, 1), height: 4, chainWork: 0x50n, header: { timestamp: 1_700_000_040 } } as never,
    genesisHash: Buffer.alloc(32, 2),
  });
  const entry = (n: number) => ({ tx: { txidHex: String(n).repeat(64).slice(0, 64) }, fee: BigInt(n), size: 100 + n, addedAtMs: 1_700_000_000_000 + n * 1000 });
  const mempool = Object.assign(new EventEmitter(), { size: 3, bytes: 306, newest: (limit: number) => [entry(3), entry(2), entry(1)].slice(0, limit) });
  const p2p = Object.assign(new EventEmitter(), { peers: () => [peer, { ...peer, ready: false, nodeId: undefined, direction: 'inbound' as const, punched: undefined }], syncStatus: () => idleSyncStatus() });
  const source = nodeWebSource({
    nodeId: Buffer.alloc(32, 9),
    chain,
    mempool,
    p2p,
    nat: disabledNodeNatState,
    traversal: freshTraversalState,
    views: {
      blockSummary: (b: Block) => summary(b.height),
      blocks: () => [],
      uncachedSummaries: () => 0,
      blockBytes: () => 0,
      block: () => ({}),
      tx: () => ({}),
      address: (address: string) => ({ address, build: ++addressBuilds.n }),
    },
  });
  return { chain, mempool, p2p, source };
}

test('status: chain, mempool, ready peers, sync and NAT; work as 64 hex digits; nothing from a wallet', (t) => {
  const { source } = parts();
  const status = toJsonSafe(source.status()) as Record<string, Record<string, unknown>>;
  t.deepEqual(status['chain'], { height: 4, tip: '01'.repeat(32), work: '50'.padStart(64, '0'), time: 1_700_000_040, genesis: '02'.repeat(32) });
  t.deepEqual(status['mempool'], { count: 3, bytes: 306 });
  t.deepEqual(status['peers'], { count: 1, inbound: 0, outbound: 1 });
  t.is(status['sync']!['syncing'], false);
  t.is(status['nat']!['enabled'], false);
  t.deepEqual(Object.keys(status).sort(), ['chain', 'mempool', 'nat', 'node', 'peers', 'sync']);
  t.notRegex(JSON.stringify(status), /address"|wallet|mining/i);
});

test('peers and pool: short ids, punched relays, newest transactions first', (t) => {
  const { source } = parts();
  const [first, second] = toJsonSafe(source.peers()) as Array<Record<string, unknown>>;
  t.like(first, { id: 'ab'.repeat(8), address: '127.0.0.1:4000', direction: 'outbound', height: 4, pingMs: 7, punched: { relay: 'cd'.repeat(32) } });
  t.like(second, { id: null, ready: false, punched: null });
  const pool = source.pool(2) as { count: number; txs: Array<{ fee: bigint }> };
  t.is(pool.count, 3);
  t.deepEqual(pool.txs.map((tx) => tx.fee), [3n, 2n]);
});

test('subscribe streams every node event and unsubscribing removes every listener', (t) => {
  const { chain, mempool, p2p, source } = parts();
  const seen: WebEvent[] = [];
  const stop = source.subscribe((e) => seen.push(e));
  chain.emit('block:connected', { height: 5 });
  chain.emit('block:disconnected', { height: 5 });
  mempool.emit('tx:added', { tx: { txidHex: 'f'.repeat(64) }, fee: 1n, size: 10, addedAtMs: 5_000 }, false);
  p2p.emit('peer:ready', peer);
  p2p.emit('peer:closed', '127.0.0.1:4000', 'timeout');
  p2p.emit('sync:progress', idleSyncStatus({ syncing: true }));
  t.deepEqual(seen.map((e) => e.event), ['block-connected', 'block-disconnected', 'tx-accepted', 'peer-up', 'peer-down', 'sync-progress']);
  t.deepEqual(seen[0]!.data(), summary(5));
  t.deepEqual(seen[2]!.data(), { txid: 'f'.repeat(64), size: 10, fee: 1n, time: 5 });
  t.deepEqual(seen[4]!.data(), { address: '127.0.0.1:4000', reason: 'timeout' });
  stop();
  for (const emitter of [chain, mempool, p2p]) t.is(emitter.eventNames().length, 0);
});

test('address views are kept until the tip or the mempool changes, only while following the node, and boundedly', async (t) => {
  const builds = { n: 0 };
  const { chain, mempool, source } = parts(builds);
  await source.address('a');
  await source.address('a');
  t.is(builds.n, 2, 'not following the mempool: no cache');
  t.false(source.addressCached('a'));
  const stop = source.subscribe(() => undefined);
  await source.address('a');
  t.deepEqual(await source.address('a'), { address: 'a', build: 3 });
  t.true(source.addressCached('a'));
  mempool.emit('tx:removed', Buffer.alloc(32), 'expired');
  t.false(source.addressCached('a'), 'a tx left the pool');
  t.deepEqual(await source.address('a'), { address: 'a', build: 4 });
  mempool.emit('tx:added', { tx: { txidHex: 'e'.repeat(64) }, fee: 0n, size: 1, addedAtMs: 0 }, false);
  t.false(source.addressCached('a'), 'a tx entered the pool');
  await source.address('a');
  (chain as { tip: unknown }).tip = { hash: Buffer.alloc(32, 3), height: 5, chainWork: 0x60n, header: { timestamp: 1_700_000_050 } };
  t.false(source.addressCached('a'), 'the tip moved');
  await source.address('a');
  t.true(source.addressCached('a'));
  for (let i = 0; i < WS_ADDRESS_CACHE_ENTRIES + 10; i++) await source.address(`x${i}`);
  t.false(source.addressCached('a'), 'the least recently used went first');
  t.true(source.addressCached(`x${WS_ADDRESS_CACHE_ENTRIES + 9}`));
  stop();
  t.false(source.addressCached(`x${WS_ADDRESS_CACHE_ENTRIES + 9}`), 'no longer following: forgotten');
});
