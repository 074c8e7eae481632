/**
 * The block-stall timeout doubles after each staller dropped (stall-timeout.ts, Core's adaptive
 * BLOCK_STALLING_TIMEOUT): with a fixed timeout, a node whose own link is slow dropped every peer
 * in turn as each came to hold the next block. Here two withholders take the whole download one
 * after the other before the honest source gets it: the first is dropped after the configured
 * timeout, the second only after twice that (no block connected in between), and the blocks the
 * honest source then delivers bring the timeout back down.
 */
import test from 'ava';
import { pino } from 'pino';
import { buildBlock, makeKey } from '../../helpers/fixtures.js';
import { buildChain, startNode, tipHash, waitFor } from './net-helpers.js';
import { RawPeer } from './raw-peer.js';

const owner = makeKey();
const genesis = buildBlock({ miner: owner });
const BASE_MS = 300;

interface StallLine {
  msg: string;
  timeoutMs?: number;
  nextTimeoutMs?: number;
}

test('the second staller in a row gets twice the timeout; blocks connected bring it back to the base', async (t) => {
  const blocks = buildChain(genesis, 150, owner);
  const source = await startNode(t, { genesis, blocks });
  const lines: StallLine[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line) as StallLine) });
  // A window larger than the chain: whoever is scheduled first takes every block.
  const fresh = await startNode(t, { genesis, logger, config: { blockStallTimeoutMs: BASE_MS, maxBlocksInFlight: 200, syncStallTimeoutMs: 10_000, peerTimeoutMs: 30_000 } });
  const withholders: RawPeer[] = [];
  for (let i = 0; i < 2; i++) {
    // Claims every block but less work than the source (never the header source); answers pings, never get-data.
    const raw = await RawPeer.connect(fresh.net.tcpPort);
    t.teardown(() => raw.destroy());
    raw.pongBestHeight = 150;
    raw.pongChainWork = 1n;
    raw.sendHandshake({ genesisHash: genesis.hash, bestHeight: 150, chainWork: 1n });
    withholders.push(raw);
    await waitFor(() => fresh.net.peers().filter((p) => p.ready).length === i + 1, `withholder ${i + 1} to be ready`);
  }
  fresh.net.addPeer('127.0.0.1', source.net.tcpPort);
  await waitFor(() => tipHash(fresh) === tipHash(source), 'the sync to complete without the withholders', 30_000);
  await waitFor(() => withholders.every((w) => w.closed), 'both withholders to be dropped');
  const drops = lines.filter((l) => l.msg === 'peer stalls the block download; its blocks go to other peers');
  const [w1, w2] = withholders;
  t.log(`drops (timeout → next): ${drops.map((d) => `${d.timeoutMs} → ${d.nextTimeoutMs}`).join(', ')}; between the drops ${w2!.closedAtMs - w1!.closedAtMs} ms`);
  t.is(drops.length, 2);
  t.deepEqual(drops.map((d) => d.timeoutMs), [BASE_MS, 2 * BASE_MS], 'the second staller was given twice the time');
  t.is(fresh.net.stats().blockStallTimeoutMs, BASE_MS, '150 blocks connected since: back to the base');
  t.deepEqual(fresh.net.discouraged(), [], 'stallers are dropped, not discouraged');
});
