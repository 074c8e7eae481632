/**
 * get-data for a pool tx is served only to a peer that knows we hold it: one we announced it to,
 * or one that announced it to us. Otherwise any peer could probe the whole mempool by txid.
 */
import test from 'ava';
import type { Chain } from '../../../src/chain/chain.js';
import type { Mempool } from '../../../src/mempool/mempool.js';
import { RelayServer } from '../../../src/p2p/relay-serve.js';
import type { InvItem, OutgoingMessage } from '../../../src/p2p/wire/index.js';
import type { Transaction } from '../../../src/primitives/tx.js';
import { silentLogger } from '../../../src/util/logger.js';
import { fakeServePeer } from './fake-serve-peer.js';

const txid = (n: number): Buffer => Buffer.alloc(32, n);

/** A pool holding txids 1..3 (the tx objects only need their txid here). */
function server(): RelayServer {
  const pool = new Map([1, 2, 3].map((n) => [txid(n).toString('hex'), { txid: txid(n) } as unknown as Transaction]));
  const mempool = { get: (hash: Buffer) => pool.get(hash.toString('hex')) } as unknown as Mempool;
  const chain = { getBlockBytes: () => undefined, getHashAtHeight: () => undefined } as unknown as Chain;
  return new RelayServer({ chain, mempool, logger: silentLogger(), serveCompact: async () => false, pushedBlockBytes: () => undefined });
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const servedTxids = (sent: OutgoingMessage[]): string[] =>
  sent.flatMap((m) => (m.kind === 'transaction' ? [m.transaction.txid.toString('hex')] : []));
const notFound = (sent: OutgoingMessage[]): InvItem[] => sent.flatMap((m) => (m.kind === 'not-found' ? m.items : []));

test('a pool tx never announced either way is answered not-found, one announced to or by the peer is served', async (t) => {
  const relay = server();
  const p = fakeServePeer('prober');
  p.known.add(txid(1)); // we announced it to the peer
  p.known.add(txid(2)); // the peer announced it to us
  relay.onGetData(p.peer, [1, 2, 3].map((n) => ({ type: 'tx', hash: txid(n) })));
  await settle();
  t.deepEqual(servedTxids(p.sent), [txid(1).toString('hex'), txid(2).toString('hex')]);
  t.deepEqual(notFound(p.sent).map((i) => i.hash.toString('hex')), [txid(3).toString('hex')], 'txid 3 is in the pool but the peer never heard of it from us');
  t.deepEqual(p.punished, [], 'one probe is within the unknown-data budget');
});

test('probing the pool by txid looks exactly like asking for txs we lack', async (t) => {
  const relay = server();
  const p = fakeServePeer('prober');
  relay.onGetData(p.peer, [{ type: 'tx', hash: txid(3) }, { type: 'tx', hash: txid(9) }]);
  await settle();
  t.deepEqual(servedTxids(p.sent), []);
  t.deepEqual(notFound(p.sent).map((i) => i.hash[0]), [3, 9], 'the held tx and the absent one get the same answer');
});
