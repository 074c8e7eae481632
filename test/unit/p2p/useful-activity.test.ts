/**
 * Inbound eviction protects the peers that recently gave us a new block or tx (Core's
 * nLastBlockTime / nLastTXTime). Only the intakes know whether what a peer sent was new and
 * valid, so they report it: re-sending our tip or a tx we have must earn nothing.
 */
import test, { type ExecutionContext } from 'ava';
import { Chain } from '../../../src/chain/chain.js';
import { Mempool } from '../../../src/mempool/mempool.js';
import { BlockIntake } from '../../../src/p2p/block-intake.js';
import { HashFilter } from '../../../src/p2p/hash-filter.js';
import { OrphanPool } from '../../../src/p2p/orphans.js';
import type { Peer } from '../../../src/p2p/peer.js';
import { TxIntake } from '../../../src/p2p/tx-intake.js';
import type { UsefulKind } from '../../../src/p2p/types.js';
import { silentLogger } from '../../../src/util/logger.js';
import { TEST_PARAMS, buildBlock, makeKey, outpoint, pay, spend } from '../../helpers/fixtures.js';
import { tempDir } from '../../helpers/temp-dir.js';

const owner = makeKey();
const other = makeKey();
const genesis = buildBlock({ miner: owner });
const ORPHAN_EXPIRY_MS = 60_000;

/** Just what the intakes use of a peer. */
function fakePeer(label: string): Peer {
  const fake = {
    label,
    known: new HashFilter(1_000),
    bestHeight: 0,
    isClosed: false,
    send: () => true,
    sendReject: () => true,
    punish: () => 'none' as const,
  };
  return fake as unknown as Peer;
}

async function setup(t: ExecutionContext): Promise<{ chain: Chain; mempool: Mempool; credited: Array<[string, UsefulKind]> }> {
  const chain = await Chain.open({ path: await tempDir(t), params: TEST_PARAMS, logger: silentLogger() });
  t.teardown(() => chain.close());
  const mempool = new Mempool({ chain, logger: silentLogger(), maxTxs: 100, coinbaseMaturity: chain.params.coinbaseMaturity });
  chain.on('block:connected', (block) => mempool.blockConnected(block));
  await chain.processBlock(genesis);
  return { chain, mempool, credited: [] };
}

test('a block earns its sender credit only when it is new to our block tree', async (t) => {
  const { chain, credited } = await setup(t);
  const intake = new BlockIntake({
    chain,
    orphans: new OrphanPool<Peer>(10, ORPHAN_EXPIRY_MS),
    logger: silentLogger(),
    onUnknownParent: () => undefined,
    onConnected: () => undefined,
    onUseful: (peer, kind) => credited.push([peer.label, kind]),
  });
  const honest = fakePeer('honest');
  const replayer = fakePeer('replayer');
  const forker = fakePeer('forker');
  const early = fakePeer('early');
  const b1 = buildBlock({ parent: genesis, miner: owner });
  const b1Rival = buildBlock({ parent: genesis, miner: other, extraData: Buffer.from('rival') });
  const b2 = buildBlock({ parent: b1, miner: owner });
  const b3 = buildBlock({ parent: b2, miner: owner });

  t.is(await intake.submit(replayer, genesis), 'duplicate');
  t.deepEqual(credited, [], 'our own genesis sent back earns nothing');
  t.is(await intake.submit(honest, b1), 'connected');
  t.is(await intake.submit(replayer, b1), 'duplicate');
  t.is(await intake.submit(replayer, b1, { pipelined: true }), 'duplicate');
  t.deepEqual(credited, [['honest', 'block']], 're-sending our tip earns nothing, pipelined or not');
  t.is(await intake.submit(forker, b1Rival), 'side-branch');
  t.is(await intake.submit(forker, b1Rival), 'duplicate');
  t.deepEqual(credited.slice(1), [['forker', 'block']], 'a new side branch counts once');

  credited.length = 0;
  t.is(await intake.submit(early, b3), 'orphan');
  t.deepEqual(credited, [], 'an orphan earns nothing while it is one');
  t.is(await intake.submit(honest, b2, { pipelined: true }), 'connected');
  t.deepEqual(credited, [['honest', 'block'], ['early', 'block']], 'the orphan’s sender is credited once it connects');
  t.is(chain.tip?.hash.toString('hex'), b3.hashHex);
});

test('a transaction earns its sender credit only when it enters the mempool', async (t) => {
  const { chain, mempool, credited } = await setup(t);
  const intake = new TxIntake({ chain, mempool, logger: silentLogger(), onUseful: (peer, kind) => credited.push([peer.label, kind]), requestParents: () => undefined });
  intake.start();
  t.teardown(() => intake.stop());
  const parent = spend(owner, [outpoint(genesis.transactions[0])], [pay(other, 900n)]);
  const child = spend(other, [outpoint(parent)], [pay(owner, 800n)]);
  const conflict = spend(owner, [outpoint(genesis.transactions[0])], [pay(owner, 700n)]);
  const early = fakePeer('early');
  const honest = fakePeer('honest');
  const replayer = fakePeer('replayer');

  intake.receive(early, child);
  t.is(intake.orphans.size, 1);
  t.deepEqual(credited, [], 'an orphan earns nothing while it is one');
  intake.receive(honest, parent);
  t.true(mempool.has(parent.txid) && mempool.has(child.txid));
  // The orphan is retried from inside the parent's admission, so the order is not the point.
  t.deepEqual([...credited].sort(), [['early', 'tx'], ['honest', 'tx']], 'the orphan’s sender is credited once its tx is accepted');

  credited.length = 0;
  intake.receive(replayer, parent);
  intake.receive(replayer, child);
  intake.receive(replayer, conflict);
  t.false(mempool.has(conflict.txid));
  t.deepEqual(credited, [], 'known txs and a refused one earn nothing');
});
