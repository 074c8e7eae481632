/**
 * The node's network: its key (<datadir>/nodekey), the TCP peer layer (P2PNetwork) and UDP
 * discovery, on one port number as in the tutorial. TCP starts first so that with port 0 the
 * UDP socket can take the same number, and our first discovery ping already carries the real
 * TCP port that others will dial.
 */
import { join } from 'node:path';
import type { Chain } from '../chain/chain.js';
import type { Mempool } from '../mempool/mempool.js';
import { AddressManager } from '../p2p/addrman/index.js';
import { Discovery } from '../p2p/discovery/service.js';
import { loadOrCreateNodeKey, type NodeKey } from '../p2p/discovery/node-key.js';
import { BAN_FILE_NAME } from '../p2p/ban-file.js';
import { P2PNetwork } from '../p2p/network.js';
import { resolveP2PConfig } from '../p2p/config.js';
import type { DiscoveredNode, PeerSource } from '../p2p/types.js';
import { errorMessage } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import type { NodeConfig } from './config.js';
import { MS_PER_SEC } from './constants.js';
import { NodeError } from './errors.js';

export interface NodeNetwork {
  readonly nodeKey: NodeKey;
  readonly p2p: P2PNetwork;
  /** Undefined when discovery is off (`--no-discovery`). */
  readonly discovery: Discovery | undefined;
  /** The persisted peer table (<datadir>/peers.json) and anchors. */
  readonly addrman: AddressManager;
  readonly tcpPort: number;
  readonly udpPort: number | undefined;
}

type VerifiedListener = (node: DiscoveredNode) => void;

/**
 * Lets the peer set be built before discovery exists (discovery needs the TCP port, which is
 * known only once the peer set listens). Listeners registered early are moved over on attach.
 */
class LatePeerSource implements PeerSource {
  private target: Discovery | undefined;
  private readonly listeners = new Set<VerifiedListener>();

  attach(discovery: Discovery): void {
    this.target = discovery;
    for (const listener of this.listeners) discovery.on('node:verified', listener);
  }

  knownNodes(limit: number): DiscoveredNode[] {
    return this.target?.knownNodes(limit) ?? [];
  }

  isBootstrapNode(node: DiscoveredNode): boolean {
    return this.target?.isBootstrapNode(node) ?? false;
  }

  on(_event: 'node:verified', listener: VerifiedListener): this {
    this.listeners.add(listener);
    this.target?.on('node:verified', listener);
    return this;
  }

  off(_event: 'node:verified', listener: VerifiedListener): this {
    this.listeners.delete(listener);
    this.target?.off('node:verified', listener);
    return this;
  }
}

export interface StartNetworkOptions {
  config: NodeConfig;
  chain: Chain;
  mempool: Mempool;
  logger: Logger;
  /** Called with each piece as soon as it runs, so a failure later can still stop it. */
  onStarted: (part: { p2p?: P2PNetwork; discovery?: Discovery; addrman?: AddressManager }) => void;
}

export async function startNetwork(options: StartNetworkOptions): Promise<NodeNetwork> {
  const { config, chain, mempool, logger } = options;
  const { key: nodeKey, path: keyPath, created } = await loadOrCreateNodeKey(config.dataDir);
  const log = logger.child({ component: 'node' });
  if (created) log.info({ file: keyPath }, 'created a new node key (the node identity on the network)');

  // Discovery off means "peers only through addpeer": the table still learns and is saved, but
  // nothing is dialled from it and anchors are left alone (Core's -connect does the same).
  const addrman = await AddressManager.open({ dataDir: config.dataDir, ownNodeId: nodeKey.nodeId.toString('hex'), useAnchors: config.p2p.discovery, logger });
  const late = config.p2p.discovery ? new LatePeerSource() : undefined;
  const source = late === undefined ? undefined : addrman.peerSource(late, config.p2p.maxOutbound);
  const p2p = new P2PNetwork({
    config: resolveP2PConfig({
      listenHost: config.listenHost,
      port: config.port,
      maxOutbound: config.p2p.maxOutbound,
      maxInbound: config.p2p.maxInbound,
      pingIntervalMs: config.p2p.pingIntervalMs,
      peerTimeoutMs: config.p2p.peerTimeoutMs,
      banDurationMs: config.p2p.banDurationSec * MS_PER_SEC,
      maxInboundPerIp: config.p2p.maxInboundPerIp,
      maxInboundPerNetgroup: config.p2p.maxInboundPerNetgroup,
      discourageDurationMs: config.p2p.discourageDurationSec * MS_PER_SEC,
      banFile: join(config.dataDir, BAN_FILE_NAME),
      maxSendBufferBytes: config.p2p.maxSendBufferBytes,
      frameTimeoutMs: config.p2p.frameTimeoutMs,
    }),
    chain,
    mempool,
    nodeKey,
    assumeValid: config.assumeValid,
    ...(source === undefined ? {} : { peerSource: source }),
    logger,
  });
  addrman.attach(p2p);
  options.onStarted({ addrman });
  try {
    await p2p.start();
  } catch (err) {
    throw new NodeError('p2p-listen-failed', `${errorMessage(err)} (another node there? pick another --port)`, { cause: err });
  }
  options.onStarted({ p2p });
  const tcpPort = p2p.tcpPort;
  if (late === undefined) return { nodeKey, p2p, discovery: undefined, addrman, tcpPort, udpPort: undefined };

  const discovery = await startDiscovery(config, nodeKey, tcpPort, logger);
  options.onStarted({ discovery });
  late.attach(discovery);
  // A pong tells us where our UDP packets come from: one more voice on our external address.
  discovery.on('observed', (o) => p2p.observeUdp({ observerId: o.observerId.toString('hex'), observerIp: o.observerIp, ip: o.ip, port: o.port, localPort: o.localPort }));
  return { nodeKey, p2p, discovery, addrman, tcpPort, udpPort: discovery.udpPort };
}

/** UDP on the configured port; with port 0, on the TCP port's number if that is free, else any. */
async function startDiscovery(config: NodeConfig, nodeKey: NodeKey, tcpPort: number, logger: Logger): Promise<Discovery> {
  const make = (udpPort: number): Discovery =>
    new Discovery({ nodeKey, bindHost: config.listenHost, udpPort, tcpPort, bootstrap: config.bootstrap, logger });
  const first = make(config.port === 0 ? tcpPort : config.port);
  try {
    await first.start();
    return first;
  } catch (err) {
    if (config.port !== 0) {
      throw new NodeError('p2p-listen-failed', `${errorMessage(err)} (or start with --no-discovery)`, { cause: err });
    }
  }
  const fallback = make(0);
  try {
    await fallback.start();
  } catch (err) {
    throw new NodeError('p2p-listen-failed', errorMessage(err), { cause: err });
  }
  return fallback;
}
