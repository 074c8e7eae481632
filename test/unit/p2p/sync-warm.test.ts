/**
 * A sync that is about to download many blocks starts the signature workers as its headers
 * arrive, so their start-up runs beside the header checks instead of delaying the first block's
 * signatures (SyncSession.onHeaders, VerifyPool.warm). A short reply and an assumevalid sync leave
 * the workers to start with the first block that needs them.
 */
import test, { type ExecutionContext } from 'ava';
import { availableParallelism } from 'node:os';
import { SYNC_WARM_VERIFIERS_MIN_HEADERS } from '../../../src/p2p/constants.js';
import { buildBlock, makeKey } from '../../helpers/fixtures.js';
import { buildChain, startNode } from './net-helpers.js';
import { RawPeer } from './raw-peer.js';

const owner = makeKey();
const genesis = buildBlock({ miner: owner });
const chain = buildChain(genesis, SYNC_WARM_VERIFIERS_MIN_HEADERS, owner);
/** The chain's pool: one worker per core, none on one core (it verifies inline there). */
const POOL_THREADS = availableParallelism() <= 1 ? 0 : availableParallelism();

/** A raw peer claims more work and answers the node's get-blocks with `headers` headers of `chain`; resolves once the node asks for their bodies. */
async function sendHeaders(t: ExecutionContext, port: number, headers: number): Promise<void> {
  const raw = await RawPeer.connect(port);
  t.teardown(() => raw.destroy());
  raw.sendHandshake({ genesisHash: genesis.hash, bestHeight: headers, chainWork: 1n << 64n });
  await raw.waitFor('get-blocks');
  raw.send({ kind: 'headers', headers: chain.slice(0, headers).map((b) => b.header) });
  await raw.waitFor('get-data');
}

const liveWorkers = (node: Awaited<ReturnType<typeof startNode>>): number => node.chain.verifyStats().itemsPerWorker.length;

test(`a headers reply of ${SYNC_WARM_VERIFIERS_MIN_HEADERS} or more starts every signature worker before any block arrives`, async (t) => {
  const node = await startNode(t, { genesis });
  t.is(liveWorkers(node), 0, 'no worker before the sync');
  await sendHeaders(t, node.net.tcpPort, SYNC_WARM_VERIFIERS_MIN_HEADERS);
  t.is(liveWorkers(node), POOL_THREADS);
});

test('a shorter reply leaves the workers to the first block that needs them', async (t) => {
  const node = await startNode(t, { genesis });
  await sendHeaders(t, node.net.tcpPort, SYNC_WARM_VERIFIERS_MIN_HEADERS - 1);
  t.is(liveWorkers(node), 0);
});

test('an assumevalid sync does not warm the workers (most of its blocks need no signature checked)', async (t) => {
  const node = await startNode(t, { genesis, assumeValid: chain.at(-1)!.hash });
  await sendHeaders(t, node.net.tcpPort, SYNC_WARM_VERIFIERS_MIN_HEADERS);
  t.is(liveWorkers(node), 0);
});
