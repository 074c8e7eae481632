/**
 * The soak's network: five `cli start` processes on 127.0.0.1 in a ring of manual peers (so a tx
 * or block crosses up to two hops), a genesis, rewards mined on every node until they mature, and
 * every wallet address funded from its node's mining address.
 */
import { type NodeInfo, type SetupOverrides, createNodeSetup, getInfo, waitFor } from '../harness.js';
import type { SoakAddress } from './load.js';
import { SoakRpc } from './rpc-client.js';
import { SoakNode } from './soak-node.js';

interface Teardown {
  teardown(fn: () => unknown): void;
}

export interface SoakNetwork {
  nodes: SoakNode[];
  rpcs: SoakRpc[];
  addresses: SoakAddress[];
}

export interface NetworkOptions {
  nodes: number;
  addressesPerNode: number;
  coinbaseMaturity: number;
  /** Coins each non-mining address gets before the load starts. */
  fundingPerAddress: number;
  /** Keep-alive sockets per node's RPC client. */
  rpcSockets: number;
  setup: SetupOverrides;
  startArgs: readonly string[];
}

const SETTLE_TIMEOUT_MS = 30_000;

export async function startSoakNetwork(t: Teardown, options: NetworkOptions): Promise<SoakNetwork> {
  let nodes: SoakNode[];
  if (process.env['SOAK_DISCOVERY']) {
    const first = await SoakNode.start(t, 'node 0', await createNodeSetup(t, { ...options.setup, discovery: true }), options.startArgs);
    const info = await getInfo(first.setup);
    const rest = await Promise.all(Array.from({ length: options.nodes - 1 }, async (_, i) => SoakNode.start(t, `node ${i + 1}`, await createNodeSetup(t, { ...options.setup, discovery: true, bootstrap: [`127.0.0.1:${info.udpPort}`] }), options.startArgs)));
    nodes = [first, ...rest];
  } else {
    const setups = await Promise.all(Array.from({ length: options.nodes }, () => createNodeSetup(t, options.setup)));
    nodes = await Promise.all(setups.map((setup, i) => SoakNode.start(t, `node ${i}`, setup, options.startArgs)));
  }
  const rpcs = nodes.map((node) => new SoakRpc(node.setup.rpcPort, node.setup.dataDir, options.rpcSockets));
  t.teardown(() => rpcs.forEach((rpc) => rpc.close()));
  const net: SoakNetwork = { nodes, rpcs, addresses: [] };

  const ports = (await Promise.all(rpcs.map((rpc) => rpc.call<NodeInfo>('getinfo')))).map((info) => info.tcpPort);
  await Promise.all(rpcs.map((rpc, i) => rpc.call('addpeer', { address: `127.0.0.1:${ports[(i + 1) % ports.length]}` })));
  await waitFor('every node connected to its two ring neighbours', async () => (await infos(net)).every((info) => info.peers >= 2), SETTLE_TIMEOUT_MS);

  // Node 0's genesis key is its first address and so its mining address; the others' first new key is theirs.
  const { address: genesisAddress } = await rpcs[0]!.call<{ address: string }>('genesis_block');
  for (let node = 0; node < nodes.length; node++) {
    for (let k = node === 0 ? 1 : 0; k < options.addressesPerNode; k++) {
      await rpcs[node]!.call<{ address: string }>('createwallet');
    }
    const { addresses } = await rpcs[node]!.call<{ addresses: string[] }>('printwallet');
    const { miningAddress } = await rpcs[node]!.call<NodeInfo>('getinfo');
    if (node === 0 && miningAddress !== genesisAddress) throw new Error(`node 0 mines to ${miningAddress}, not to its genesis address ${genesisAddress}`);
    for (const address of addresses) net.addresses.push({ node, address, miner: address === miningAddress });
  }
  await waitSameTip(net);

  // One reward per node, then enough blocks on top for all of them to mature.
  for (let i = 0; i < nodes.length + options.coinbaseMaturity; i++) {
    await rpcs[i % nodes.length]!.call('mine');
    await waitSameTip(net);
  }
  let funding = 0;
  for (const from of net.addresses.filter((a) => a.miner)) {
    for (const to of net.addresses.filter((a) => a.node === from.node && !a.miner)) {
      await rpcs[from.node]!.call('send', { from: from.address, to: to.address, amount: String(options.fundingPerAddress) });
      funding++;
    }
  }
  await waitFor(`the ${funding} funding payments in node 0's mempool`, async () => (await rpcs[0]!.call<NodeInfo>('getinfo')).mempoolSize === funding, SETTLE_TIMEOUT_MS);
  await rpcs[0]!.call('mine');
  await waitSameTip(net);
  await waitFor('empty mempools after the funding block', async () => (await infos(net)).every((info) => info.mempoolSize === 0), SETTLE_TIMEOUT_MS);
  return net;
}

export function infos(net: SoakNetwork): Promise<NodeInfo[]> {
  return Promise.all(net.rpcs.map((rpc) => rpc.call<NodeInfo>('getinfo')));
}

/** Waits until every node has the same tip; resolves with it. */
export async function waitSameTip(net: SoakNetwork, timeoutMs = SETTLE_TIMEOUT_MS): Promise<NodeInfo> {
  let seen: NodeInfo[] = [];
  await waitFor(
    `the same tip on ${net.nodes.length} nodes`,
    async () => {
      seen = await infos(net);
      return seen[0]!.tip !== null && seen.every((info) => info.tip === seen[0]!.tip);
    },
    timeoutMs,
  ).catch((err: Error) => {
    throw new Error(`${err.message} (heights ${seen.map((i) => i.height).join(', ')})`);
  });
  return seen[0]!;
}
