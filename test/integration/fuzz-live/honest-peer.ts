/**
 * The honest side of the live campaign: a second real node that keeps mining and sending
 * payments while the fuzzed node is attacked. It records whether the fuzzed node followed every
 * block, whether every payment was relayed to it, and whether their connection ever dropped.
 */
import { getInfo, rpc, sleep, waitFor } from '../harness.js';
import { type NetNode, createAddress, mempoolTxids, mineBlocks, peersOf, send } from '../network-harness.js';

/** Between two honest blocks: a block every ~1.5 s is far more than the network needs, and keeps sync busy. */
const ROUND_MS = 1_500;
/** A payment or block not seen on the fuzzed node by then was not relayed (a loaded machine is slow, not this slow). */
const RELAY_TIMEOUT_MS = 20_000;

export interface HonestReport {
  blocksMined: number;
  txsSent: number;
  txsRelayed: number;
  /** Rounds in which the fuzzed node reached the honest height (the same tip, or a fuzzer's valid block of equal work). */
  blocksFollowed: number;
  /**
   * Rounds in which the fuzzed node's tip, once at the honest height, was the honest tip itself. A
   * fuzzer's block with re-solved PoW may legitimately win a round's tie; most rounds must match.
   */
  tipsMatched: number;
  /** Worst time for the fuzzed node to reach a new honest tip. */
  maxFollowMs: number;
  /** Times the honest node's connection to the fuzzed one was not the one it started with. */
  connectionChanges: number;
  heightBefore: number;
  heightAfter: number;
}

/** `connectedSince` of a's ready connection to b (undefined: none). */
export async function linkSince(a: NetNode, b: NetNode): Promise<string | undefined> {
  const { peers } = await peersOf(a.setup);
  const row = peers.find((p) => p.ready && p.nodeId === b.nodeId) as { connectedSince?: string } | undefined;
  return row?.connectedSince;
}

/** Mines, pays and checks relay on `honest` until `stop()` says so; `fuzzed` must follow. */
export async function runHonestActivity(honest: NetNode, fuzzed: NetNode, payer: string, stop: () => boolean): Promise<HonestReport> {
  const report: HonestReport = { blocksMined: 0, txsSent: 0, txsRelayed: 0, blocksFollowed: 0, tipsMatched: 0, maxFollowMs: 0, connectionChanges: 0, heightBefore: (await getInfo(honest.setup)).height ?? 0, heightAfter: 0 };
  const since = await linkSince(honest, fuzzed);
  const payee = await createAddress(honest.setup);
  while (!stop()) {
    const started = Date.now();
    const txid = await send(honest.setup, payer, payee, 1);
    report.txsSent++;
    try {
      await waitFor('the payment on the fuzzed node', async () => (await mempoolTxids(fuzzed.setup)).includes(txid), RELAY_TIMEOUT_MS);
      report.txsRelayed++;
    } catch {
      // counted as not relayed
    }
    const height = await mineBlocks(honest.setup, 1);
    report.blocksMined++;
    const mined = Date.now();
    const honestTip = (await getInfo(honest.setup)).tip;
    try {
      // Height, not tip: a valid block a fuzzer mined may tie with the honest one (first seen wins, the next block settles it).
      await waitFor('the fuzzed node to follow', async () => ((await getInfo(fuzzed.setup)).height ?? -1) >= height, RELAY_TIMEOUT_MS);
      report.blocksFollowed++;
      report.maxFollowMs = Math.max(report.maxFollowMs, Date.now() - mined);
      if ((await getInfo(fuzzed.setup)).tip === honestTip) report.tipsMatched++;
    } catch {
      // counted as not followed
    }
    if ((await linkSince(honest, fuzzed)) !== since) report.connectionChanges++;
    const left = ROUND_MS - (Date.now() - started);
    if (left > 0) await sleep(left);
  }
  report.heightAfter = (await getInfo(honest.setup)).height ?? 0;
  return report;
}

/**
 * Mines on the honest node until the fuzzed one has the same tip (a fuzzer's valid block may hold
 * an equal-work tie until the honest chain is ahead); returns the blocks it took.
 */
export async function converge(honest: NetNode, fuzzed: NetNode, attempts = 3): Promise<number> {
  for (let i = 1; ; i++) {
    await mineBlocks(honest.setup, 1);
    const tip = (await getInfo(honest.setup)).tip;
    try {
      await waitFor('the fuzzed node on the honest tip', async () => (await getInfo(fuzzed.setup)).tip === tip, RELAY_TIMEOUT_MS);
      return i;
    } catch (err) {
      if (i >= attempts) throw err;
    }
  }
}

/** After the campaign: a payment from the fuzzed node's own wallet must reach the honest node (relay outwards). */
export async function relayOutwards(honest: NetNode, fuzzed: NetNode, payer: string): Promise<boolean> {
  const fuzzedAddress = await createAddress(fuzzed.setup);
  const funding = await send(honest.setup, payer, fuzzedAddress, 10);
  await waitFor('the funding payment on the fuzzed node', async () => (await mempoolTxids(fuzzed.setup)).includes(funding), RELAY_TIMEOUT_MS);
  await converge(honest, fuzzed);
  const back = ((await rpc(fuzzed.setup, 'send', { from: fuzzedAddress, to: payer, amount: '3' })) as { txid: string }).txid;
  try {
    await waitFor('the fuzzed node\'s payment on the honest node', async () => (await mempoolTxids(honest.setup)).includes(back), RELAY_TIMEOUT_MS);
    return true;
  } catch {
    return false;
  }
}
