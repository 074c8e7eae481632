/**
 * What a start has brought up so far, and its teardown: stop goes RPC → miner → NAT → p2p →
 * discovery → chain so nothing writes to a closed store and the router mappings go while the
 * sockets they point at still exist. A failed start tears down the same way.
 */
import type { Chain } from '../chain/chain.js';
import type { ChainIndexer } from '../explorer/index.js';
import type { Miner } from '../miner/index.js';
import type { AddressManager } from '../p2p/addrman/index.js';
import type { Discovery } from '../p2p/discovery/service.js';
import type { P2PNetwork } from '../p2p/network.js';
import { removeCookie } from '../rpc/cookie.js';
import type { RpcServer } from '../rpc/server.js';
import type { Logger } from '../util/logger.js';
import type { StatusPage } from '../web/index.js';
import type { DataDirLock } from './lock.js';
import type { NodeNat } from './nat.js';

export interface Running {
  lock: DataDirLock;
  chain?: Chain;
  indexer?: ChainIndexer;
  miner?: Miner;
  p2p?: P2PNetwork;
  addrman?: AddressManager;
  discovery?: Discovery;
  nat?: NodeNat;
  rpc?: RpcServer;
  web?: StatusPage;
  cookieWritten?: boolean;
}

/** Undoes whatever `run` holds, newest first; logs (never throws) so every step gets its turn. */
export async function teardown(run: Running, dataDir: string, logger: Logger): Promise<void> {
  const step = async (what: string, fn: () => unknown): Promise<void> => {
    try {
      await fn();
    } catch (err) {
      logger.error({ err }, `${what} failed during shutdown`);
    }
  };
  if (run.web) await step('closing the status page feed', () => run.web!.stop());
  if (run.rpc) await step('closing the rpc server', () => run.rpc!.stop());
  if (run.miner) await step('stopping the miner', () => run.miner!.stop());
  if (run.nat) await step('removing the router port mappings', () => run.nat!.stop());
  // Before the peer layer: its connected outbound peers become the anchors.
  if (run.addrman) await step('saving the peer table', () => run.addrman!.stop());
  if (run.p2p) await step('stopping the peer layer', () => run.p2p!.stop());
  if (run.discovery) await step('stopping discovery', () => run.discovery!.stop());
  if (run.indexer) await step('closing the index', () => run.indexer!.stop());
  if (run.chain) await step('closing the chain store', () => run.chain!.close());
  if (run.cookieWritten) await step('removing the rpc cookie', () => removeCookie(dataDir));
  await step('releasing the data dir lock', () => run.lock.release());
}
