/**
 * A block we pushed on as a compact block (BIP152 high-bandwidth mode, before our own chain
 * stored it) is served whole to a peer that asks for it at once: that peer could not rebuild it
 * (its parent is unknown there), and every peer that pushed it to it is as early as we are. The
 * soak test caught the race: the get-data reached each pusher before its chain stored the block,
 * both answered not-found, and the asker waited 30 s for its next sync. Core serves such a
 * request from m_most_recent_block.
 */
import test from 'ava';
import type { Chain } from '../../../src/chain/chain.js';
import type { Mempool } from '../../../src/mempool/mempool.js';
import { CompactSender } from '../../../src/p2p/compact/compact-sender.js';
import { RelayServer } from '../../../src/p2p/relay-serve.js';
import type { OutgoingMessage } from '../../../src/p2p/wire/index.js';
import { silentLogger } from '../../../src/util/logger.js';
import { fakeServePeer } from './fake-serve-peer.js';
import { buildBlock, makeKey } from '../../helpers/fixtures.js';

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const blocksSent = (sent: readonly OutgoingMessage[]): Buffer[] => sent.flatMap((m) => (m.kind === 'block' && 'encoded' in m ? [m.encoded] : []));
const notFound = (sent: readonly OutgoingMessage[]): number => sent.filter((m) => m.kind === 'not-found').length;

test('a block pushed before our chain stored it is served whole on get-data; once stored, from the chain', async (t) => {
  const miner = makeKey();
  const parent = buildBlock({ miner });
  const block = buildBlock({ parent, miner });
  const stored = new Map<string, Buffer>();
  const chain = {
    hasBlock: (hash: Buffer) => stored.has(hash.toString('hex')),
    getBlockBytes: (hash: Buffer) => stored.get(hash.toString('hex')),
    getHeader: () => undefined,
    getHashAtHeight: () => undefined,
    tip: undefined,
  } as unknown as Chain;
  const stats = { received: 0, rebuiltFromPool: 0, rebuiltWithBlockTxn: 0, txsRequested: 0, fellBack: 0, sent: 0 };
  const sender = new CompactSender({ chain, serve: () => undefined, countUnknown: () => true, stats });
  const server = new RelayServer({ chain, mempool: {} as Mempool, logger: silentLogger(), serveCompact: async () => false, pushedBlockBytes: (hash) => sender.pushedBytes(hash) });

  const asker = fakeServePeer('asker');
  t.is(sender.push(block, [asker.peer]), 1, 'pushed to the high-bandwidth peer');
  server.onGetData(asker.peer, [{ type: 'block', hash: block.hash }]);
  await settle();
  t.deepEqual(blocksSent(asker.sent), [block.encode()], 'served from the pushed copy');
  t.is(notFound(asker.sent), 0);

  // The chain stored it: the sender lets its copy go and the chain's bytes are served.
  stored.set(block.hashHex, block.encode());
  sender.stored(block.hash);
  t.is(sender.pushedBytes(block.hash), undefined);
  const later = fakeServePeer('later');
  server.onGetData(later.peer, [{ type: 'block', hash: block.hash }]);
  await settle();
  t.deepEqual(blocksSent(later.sent), [block.encode()]);

  // A block neither stored nor pushed is still not-found.
  const other = buildBlock({ parent, miner, extraData: Buffer.from('rival') });
  const prober = fakeServePeer('prober');
  server.onGetData(prober.peer, [{ type: 'block', hash: other.hash }]);
  await settle();
  t.deepEqual(blocksSent(prober.sent), []);
  t.is(notFound(prober.sent), 1);
});
