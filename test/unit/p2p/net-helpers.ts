/**
 * Set-up for peer-layer tests: real Chain (LMDB in a temp dir) + Mempool + P2PNetwork on an
 * ephemeral 127.0.0.1 port with short timers, and helpers to build and wait for chains.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { Chain } from '../../../src/chain/chain.js';
import type { ChainParams } from '../../../src/chain/params.js';
import { Mempool } from '../../../src/mempool/mempool.js';
import { type P2PConfig, resolveP2PConfig } from '../../../src/p2p/config.js';
import { type NodeKey, nodeKeyFromPrivateKey } from '../../../src/p2p/discovery/node-key.js';
import { type AddressClassifier, classifyAddress } from '../../../src/p2p/netgroup.js';
import { P2PNetwork } from '../../../src/p2p/network.js';
import type { PeerSource } from '../../../src/p2p/types.js';
import type { Block } from '../../../src/primitives/block.js';
import { generatePrivateKey } from '../../../src/primitives/secp256k1.js';
import type { Transaction } from '../../../src/primitives/tx.js';
import { type Logger, silentLogger } from '../../../src/util/logger.js';
import { TEST_PARAMS, type TestKey, buildBlock } from '../../helpers/fixtures.js';

export interface TestNode {
  readonly chain: Chain;
  readonly mempool: Mempool;
  readonly net: P2PNetwork;
  readonly key: NodeKey;
  readonly config: P2PConfig;
}

export const FAST_CONFIG: Partial<P2PConfig> = {
  listenHost: '127.0.0.1',
  port: 0,
  pingIntervalMs: 200,
  peerTimeoutMs: 3_000,
  handshakeTimeoutMs: 2_000,
  syncStallTimeoutMs: 3_000,
  reconnectBackoffMs: { min: 100, max: 1_000 },
  banDurationMs: 60_000,
  // Many test nodes share 127.0.0.1, which TEST_ADDRESSES calls public: no per-address limits.
  maxInboundPerIp: 1_000,
  maxInboundPerNetgroup: 1_000,
};

/**
 * 127.0.0.1 counts as a public address here, so misbehaviour over loopback is discouraged as
 * it would be from the internet; other loopback addresses keep their exemption.
 */
export const TEST_ADDRESSES: AddressClassifier = (ip) => (ip === '127.0.0.1' ? 'public' : classifyAddress(ip));

export async function startNode(
  t: ExecutionContext,
  options: {
    config?: Partial<P2PConfig>;
    nodeKey?: NodeKey;
    genesis?: Block;
    blocks?: readonly Block[];
    logger?: Logger;
    classifyAddress?: AddressClassifier;
    peerSource?: PeerSource;
    /** Chain rules other than TEST_PARAMS (e.g. a longer coinbase maturity). */
    params?: ChainParams;
    /** The sync's assumevalid block (P2PNetworkOptions.assumeValid). */
    assumeValid?: Buffer;
  } = {},
): Promise<TestNode> {
  const dir = await mkdtemp(join(tmpdir(), 'kadchain-p2p-'));
  const chain = await Chain.open({ path: dir, params: options.params ?? TEST_PARAMS, logger: silentLogger() });
  const mempool = new Mempool({ chain, logger: silentLogger(), maxTxs: 1_000, coinbaseMaturity: chain.params.coinbaseMaturity });
  // The node's wiring (src/node): blocks keep the pool in step.
  chain.on('block:connected', (block) => mempool.blockConnected(block));
  chain.on('block:disconnected', (block) => mempool.blockDisconnected(block));
  for (const block of [...(options.genesis ? [options.genesis] : []), ...(options.blocks ?? [])]) await chain.processBlock(block);
  const key = options.nodeKey ?? nodeKeyFromPrivateKey(generatePrivateKey());
  const config = resolveP2PConfig({ ...FAST_CONFIG, ...options.config });
  const net = new P2PNetwork({
    config,
    chain,
    mempool,
    nodeKey: key,
    logger: options.logger ?? silentLogger(),
    classifyAddress: options.classifyAddress ?? TEST_ADDRESSES,
    ...(options.peerSource === undefined ? {} : { peerSource: options.peerSource }),
    ...(options.assumeValid === undefined ? {} : { assumeValid: options.assumeValid }),
  });
  await net.start();
  t.teardown(async () => {
    await net.stop();
    await chain.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { chain, mempool, net, key, config };
}

export async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Builds `count` blocks on `parent` (no processing); `txsAt(i)` adds txs to the i-th. */
export function buildChain(parent: Block, count: number, miner: TestKey, options: { txsAt?: (i: number) => Transaction[]; tag?: string } = {}): Block[] {
  const blocks: Block[] = [];
  let prev = parent;
  for (let i = 0; i < count; i++) {
    prev = buildBlock({ parent: prev, miner, txs: options.txsAt?.(i) ?? [], extraData: options.tag ? Buffer.from(`${options.tag}${i}`) : undefined });
    blocks.push(prev);
  }
  return blocks;
}

export function readyPeerCount(node: TestNode): number {
  return node.net.peers().filter((p) => p.ready).length;
}

export async function connect(from: TestNode, to: TestNode): Promise<void> {
  const before = [readyPeerCount(from), readyPeerCount(to)];
  from.net.addPeer('127.0.0.1', to.net.tcpPort);
  await waitFor(() => readyPeerCount(from) > before[0] && readyPeerCount(to) > before[1], 'handshake to complete');
}

export function tipHash(node: TestNode): string | undefined {
  return node.chain.tip?.hash.toString('hex');
}
