/**
 * In-process nodes for the network benches: a real Chain (LMDB in a temp dir) + Mempool +
 * P2PNetwork on an ephemeral port of 127.0.0.1 (or of KADCHAIN_BENCH_HOST: a bench node in a lab
 * namespace listens on its host's address), wired like src/node (blocks keep the pool in step).
 * Production timers unless the bench overrides them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chain } from '../../src/chain/chain.js';
import { Mempool } from '../../src/mempool/mempool.js';
import { type P2PConfig, resolveP2PConfig } from '../../src/p2p/config.js';
import { nodeKeyFromPrivateKey } from '../../src/p2p/discovery/node-key.js';
import { P2PNetwork } from '../../src/p2p/network.js';
import { generatePrivateKey } from '../../src/primitives/secp256k1.js';
import { silentLogger } from '../../src/util/logger.js';
import { TEST_PARAMS } from '../helpers/fixtures.js';

const HOST = process.env['KADCHAIN_BENCH_HOST'] ?? '127.0.0.1';
const MEMPOOL_MAX_TXS = 5_000;
const POLL_MS = 1;

export interface BenchNode {
  readonly chain: Chain;
  readonly mempool: Mempool;
  readonly net: P2PNetwork;
  stop(): Promise<void>;
}

export async function startBenchNode(config: Partial<P2PConfig> = {}, options: { assumeValid?: Buffer } = {}): Promise<BenchNode> {
  const dir = await mkdtemp(join(tmpdir(), 'kadchain-bench-net-'));
  const chain = await Chain.open({ path: dir, params: TEST_PARAMS, logger: silentLogger() });
  const mempool = new Mempool({ chain, logger: silentLogger(), maxTxs: MEMPOOL_MAX_TXS, coinbaseMaturity: chain.params.coinbaseMaturity });
  chain.on('block:connected', (block) => mempool.blockConnected(block));
  chain.on('block:disconnected', (block) => mempool.blockDisconnected(block));
  const net = new P2PNetwork({
    config: resolveP2PConfig({ listenHost: HOST, port: 0, ...config }),
    chain,
    mempool,
    nodeKey: nodeKeyFromPrivateKey(generatePrivateKey()),
    logger: silentLogger(),
    ...(options.assumeValid ? { assumeValid: options.assumeValid } : {}),
  });
  await net.start();
  return {
    chain,
    mempool,
    net,
    async stop() {
      await net.stop();
      await chain.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export const readyPeers = (node: BenchNode): number => node.net.peers().filter((p) => p.ready).length;

/** `from` dials `to` and both see the other as ready. */
export async function connectNodes(from: BenchNode, to: BenchNode, timeoutMs: number): Promise<void> {
  const before = [readyPeers(from), readyPeers(to)];
  from.net.addPeer(HOST, to.net.tcpPort);
  await pollUntil(() => readyPeers(from) > before[0]! && readyPeers(to) > before[1]!, 'a handshake', timeoutMs);
}

/** Polls every POLL_MS; throws after timeoutMs. */
export async function pollUntil(condition: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** A node to dial. */
export interface DialAddress {
  readonly host: string;
  readonly port: number;
}

/** Dials every address from `fresh`; resolves with the seconds until its tip is `target`. */
export function timeSync(fresh: BenchNode, addresses: readonly DialAddress[], target: { readonly hash: Buffer; readonly height: number }, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const timer = setTimeout(() => {
      fresh.chain.off('block:connected', onBlock);
      reject(new Error(`sync reached height ${fresh.chain.tip?.height ?? -1} of ${target.height} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onBlock = (): void => {
      if (!fresh.chain.tip?.hash.equals(target.hash)) return;
      clearTimeout(timer);
      fresh.chain.off('block:connected', onBlock);
      resolve(Number(process.hrtime.bigint() - start) / 1e9);
    };
    fresh.chain.on('block:connected', onBlock);
    for (const { host, port } of addresses) fresh.net.addPeer(host, port);
  });
}
