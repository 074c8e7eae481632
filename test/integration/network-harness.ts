/**
 * Helpers for multi-node tests: nodes whose real TCP/UDP ports come from getinfo (they start on
 * port 0), peer lists, waiting for heights, tips and mempools across nodes, and fast mining.
 */
import { type NodeInfo, type NodeSetup, type RunningNode, type SetupOverrides, createNodeSetup, getInfo, rpc, startNode, waitFor } from './harness.js';

interface Teardown {
  teardown(fn: () => unknown): void;
}

export interface NetNode {
  setup: NodeSetup;
  process: RunningNode;
  nodeId: string;
  tcpPort: number;
  udpPort: number | null;
  /** "127.0.0.1:<tcp port>", what `addpeer` takes. */
  tcpAddress: string;
  /** "127.0.0.1:<udp port>", what `--bootstrap` takes. */
  udpAddress: string;
}

export interface PeerRow {
  nodeId: string | null;
  id: string | null;
  address: string;
  direction: 'inbound' | 'outbound';
  ready: boolean;
  height: number;
}

export interface BanRow {
  key: string;
  reason: string;
  remainingSec: number;
}

export async function startNetNode(t: Teardown, overrides: SetupOverrides = {}, extraArgs: readonly string[] = []): Promise<NetNode> {
  const setup = await createNodeSetup(t, overrides);
  return startNetNodeFrom(t, setup, extraArgs);
}

export async function startNetNodeFrom(t: Teardown, setup: NodeSetup, extraArgs: readonly string[] = []): Promise<NetNode> {
  const process = await startNode(t, setup, extraArgs);
  const info = await getInfo(setup);
  return {
    setup,
    process,
    nodeId: info.nodeId,
    tcpPort: info.tcpPort,
    udpPort: info.udpPort,
    tcpAddress: `127.0.0.1:${info.tcpPort}`,
    udpAddress: `127.0.0.1:${info.udpPort ?? 0}`,
  };
}

export interface ManualPeerRow {
  address: string;
  state: 'connected' | 'connecting' | 'waiting';
  lastError: string | null;
  nextRetrySec: number | null;
}

export async function peersOf(setup: NodeSetup): Promise<{ peers: PeerRow[]; bans: BanRow[]; discouraged: BanRow[]; manual: ManualPeerRow[] }> {
  return (await rpc(setup, 'peers')) as { peers: PeerRow[]; bans: BanRow[]; discouraged: BanRow[]; manual: ManualPeerRow[] };
}

export async function readyPeerIds(setup: NodeSetup): Promise<string[]> {
  return (await peersOf(setup)).peers.filter((p) => p.ready && p.nodeId !== null).map((p) => p.nodeId!);
}

export async function addPeer(from: NetNode, to: NetNode): Promise<void> {
  await rpc(from.setup, 'addpeer', { address: to.tcpAddress });
}

/** Waits until `a` has a ready connection to `b` (and so `b` to `a`). */
export async function waitConnected(a: NetNode, b: NetNode, timeoutMs = 15_000): Promise<void> {
  await waitFor(`a connection between ${a.tcpAddress} and ${b.tcpAddress}`, async () => {
    const [ofA, ofB] = await Promise.all([readyPeerIds(a.setup), readyPeerIds(b.setup)]);
    return ofA.includes(b.nodeId) && ofB.includes(a.nodeId);
  }, timeoutMs);
}

export async function infos(nodes: readonly NetNode[]): Promise<NodeInfo[]> {
  return Promise.all(nodes.map((n) => getInfo(n.setup)));
}

/** Waits until every node's tip is `tip` (or, without it, until all tips are equal and set). */
export async function waitSameTip(nodes: readonly NetNode[], timeoutMs = 20_000, tip?: string): Promise<string> {
  let seen = '';
  await waitFor(
    `the same tip on ${nodes.length} nodes`,
    async () => {
      const tips = (await infos(nodes)).map((i) => i.tip);
      seen = tips.join(', ');
      return tips[0] !== null && tips.every((x) => x === (tip ?? tips[0]));
    },
    timeoutMs,
  ).catch((err: Error) => {
    throw new Error(`${err.message} (tips: ${seen})`);
  });
  return (await getInfo(nodes[0]!.setup)).tip!;
}

export async function mempoolTxids(setup: NodeSetup): Promise<string[]> {
  const { txs } = (await rpc(setup, 'mempool')) as { txs: Array<{ txid: string }> };
  return txs.map((tx) => tx.txid);
}

export async function send(setup: NodeSetup, from: string, to: string, amount: number): Promise<string> {
  const { txid } = (await rpc(setup, 'send', { from, to, amount: String(amount) })) as { txid: string };
  return txid;
}

export async function createAddress(setup: NodeSetup): Promise<string> {
  return ((await rpc(setup, 'createwallet')) as { address: string }).address;
}

export async function genesis(setup: NodeSetup): Promise<string> {
  return ((await rpc(setup, 'genesis_block')) as { address: string }).address;
}

/** Mines `count` blocks over RPC, one after another; resolves with the last height. */
export async function mineBlocks(setup: NodeSetup, count: number): Promise<number> {
  let height = -1;
  for (let i = 0; i < count; i++) height = ((await rpc(setup, 'mine')) as { height: number }).height;
  return height;
}
