/**
 * A small two-node devnet for the status page: node A (whose page is watched) and node B
 * connected to it, a few blocks, a block with a payment in it and a payment still in the
 * mempool. Used by the browser test and by `npm run screenshot`.
 */
import { type NetNode, addPeer, createAddress, genesis, mineBlocks, send, startNetNode, waitConnected, waitSameTip } from './network-harness.js';
import { getInfo } from './harness.js';

interface Teardown {
  teardown(fn: () => unknown): void;
}

export interface Devnet {
  a: NetNode;
  b: NetNode;
  /** A's wallet addresses: they must never be on the page unless searched for. */
  walletAddresses: string[];
  /** Height of the block holding `paidTxid`. */
  paidHeight: number;
  paidTxid: string;
  /** B's address the payments went to. */
  payee: string;
  pendingTxid: string;
  height: number;
}

export async function startDevnet(t: Teardown, blocks = 4): Promise<Devnet> {
  const [a, b] = await Promise.all([startNetNode(t), startNetNode(t)]);
  const rich = await genesis(a.setup);
  await addPeer(b, a);
  await waitConnected(a, b);
  await mineBlocks(a.setup, blocks);
  const payee = await createAddress(b.setup);
  const paidTxid = await send(a.setup, rich, payee, 250);
  const paidHeight = await mineBlocks(a.setup, 1);
  await mineBlocks(a.setup, 1);
  const pendingTxid = await send(a.setup, rich, payee, 40);
  await waitSameTip([a, b]);
  const info = await getInfo(a.setup);
  const walletAddresses = [rich, ...(info.miningAddress === null ? [] : [info.miningAddress])];
  return { a, b, walletAddresses, paidHeight, paidTxid, payee, pendingTxid, height: info.height! };
}
