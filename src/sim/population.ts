import { PRIVATE_KEY_BYTES, isValidPrivateKey } from '../primitives/secp256k1.js';
import { sha256 } from '../primitives/hash.js';
import { AddressManager } from '../p2p/addrman/manager.js';
import { resolveP2PConfig, type P2PConfig } from '../p2p/config.js';
import { Discovery } from '../p2p/discovery/service.js';
import { nodeKeyFromPrivateKey } from '../p2p/discovery/node-key.js';
import type { PacketSigner } from '../p2p/discovery/packet.js';
import { type RandomSource, randomSourceFrom } from '../util/random-source.js';
import type { BootstrapAddress } from '../p2p/discovery/service-options.js';
import type { LocalStatus } from '../p2p/handshake.js';
import { describePeer, type PeerInfo } from '../p2p/peer-info.js';
import { PeerSet } from '../p2p/peers.js';
import { silentLogger } from '../util/logger.js';
import type { Logger } from '../util/logger.js';
import type { PeerSource } from '../p2p/types.js';
import type { Host, SimNetwork } from './network.js';
import { Rng } from './rng.js';
import { type SimRelayNodeOptions, SimRelayNode } from './relay-node.js';
import type { SimLedger } from './sim-blocks.js';
import { SimReachability } from './reachability.js';
import type { SimTcp } from './tcp.js';
import type { VirtualClock } from './virtual-clock.js';
import { HEALTHY_TABLE_ENTRIES, SIM_TCP_PORT, SIM_UDP_PORT } from './constants.js';

/**
 * The chain every simulated node announces in its handshakes (a stand-in: the simulator has no
 * chain). One genesis for all, so the real handshake's genesis check passes.
 */
const SIM_CHAIN_STATUS: LocalStatus = { genesisHash: sha256(Buffer.from('kadchain simulated genesis')), bestHeight: 0, chainWork: 1n };


export interface SimNode {
  readonly index: number;
  readonly host: Host;
  readonly discovery: Discovery;
  /** The real TCP peer set (sessions over SimTcp), its outbound dialer fed by `addrman` over `discovery`, as in a node. */
  readonly peers: PeerSet;
  /** The real relay (RelayStack) on `peers`, over a stand-in chain and mempool; absent in a discovery-only population. */
  readonly relay: SimRelayNode | undefined;
  /** The real address manager, in memory (no peers.json): its table learns from discovery and handshakes. */
  readonly addrman: AddressManager;
  /** Its reachability verdict (real tracker, modelled dial-backs) and the real Advertiser: a NATed node advertises TCP port 0 once peers fail to dial it back. */
  readonly reachability: SimReachability;
  readonly id: Buffer;
  /** Only the simulated attacker uses it (to sign its forged neighbours answers). */
  readonly privateKey: Buffer;
  readonly publicKey: Buffer;
  readonly attacker: boolean;
  readonly joinedAtMs: number;
  /** Virtual ms since join when the table first held HEALTHY_TABLE_ENTRIES (undefined: not yet). */
  healthyAfterMs: number | undefined;
  /** Inbound peers this node evicted to make room for new ones. */
  evictions: number;
  readonly bootstrap: boolean;
  /** Virtual ms since join when it first had maxOutbound ready outbound sessions (undefined: not yet). */
  outboundFullAfterMs: number | undefined;
  leftAtMs: number | undefined;
}

/**
 * A silent logger whose children are itself. Every component and session of a node takes a pino
 * child (its bindings, prototype chain and serialised fields: ~900 bytes a session end, 4 % of
 * the heap at 300 nodes × 30 s); nothing is ever written in a simulation (level silent), so one
 * instance serves all. The production code still calls child() as it does.
 */
function childlessSilentLogger(): Logger {
  const logger = silentLogger();
  logger.child = (() => logger) as unknown as Logger['child'];
  return logger;
}

/** A valid secp256k1 private key from a seeded source (simulation only: predictable by design). */
function seededPrivateKey(random: RandomSource): Buffer {
  for (;;) {
    const key = random.bytes(PRIVATE_KEY_BYTES);
    if (isValidPrivateKey(key)) return key;
  }
}

/** Creates and starts real Discovery services on simulated hosts. */
export class Population {
  readonly nodes: SimNode[] = [];
  readonly byIp = new Map<string, SimNode>();
  readonly byId = new Map<string, SimNode>();
  readonly bootstrap: BootstrapAddress[] = [];
  /** Why sessions closed (the reason up to its first number or parenthesis), counted at both ends. */
  readonly closeReasons = new Map<string, number>();
  private readonly logger: Logger = childlessSilentLogger();
  private readonly usedIps = new Set<string>();

  constructor(
    private readonly clock: VirtualClock,
    private readonly network: SimNetwork,
    private readonly rng: Rng,
    private readonly signer: PacketSigner | undefined,
    private readonly tcp: SimTcp,
    /** Settings of every node's peer set (production defaults but the listen address). */
    private readonly p2p: Partial<P2PConfig> = {},
    /** Every node also runs the relay over this chain (relay-node.ts); undefined: discovery and sessions only. */
    private readonly relayWorld?: { readonly ledger: SimLedger; readonly tap?: SimRelayNodeOptions['tap'] },
  ) {}

  get alive(): SimNode[] {
    return this.nodes.filter((n) => n.leftAtMs === undefined);
  }

  /** Starts a node now; bootstrap nodes are public (no NAT) and become the bootstrap list. */
  async join(kind: { bootstrap?: boolean; attacker?: boolean; natted?: boolean; netgroup?: string } = {}): Promise<SimNode> {
    const natted = kind.bootstrap === true ? false : (kind.natted ?? this.rng.next() < this.network.model.natShare);
    const host = this.network.addHost(this.freshIp(kind.netgroup), natted);
    // Each node draws its key and all its random choices (discovery's, the address manager's,
    // the peer set's, the relay's) from its own generator, seeded from the run's: one seed
    // reproduces the run, and a node's draws do not depend on how many other nodes drew before it
    // within an instant.
    const random = randomSourceFrom(((nodeRng) => () => nodeRng.next())(new Rng(this.rng.int(2 ** 32))));
    const nodeKey = nodeKeyFromPrivateKey(seededPrivateKey(random));
    const discovery = new Discovery({
      nodeKey,
      bindHost: host.ip,
      udpPort: SIM_UDP_PORT,
      tcpPort: SIM_TCP_PORT,
      advertisedIp: host.ip,
      bootstrap: kind.bootstrap === true ? [...this.bootstrap] : this.bootstrap,
      logger: this.logger,
      clock: this.clock,
      socketFactory: this.network.socketFactory(host),
      signer: this.signer,
      random,
    });
    const config = resolveP2PConfig({ ...this.p2p, listenHost: host.ip, port: SIM_TCP_PORT });
    // As src/node/network.ts wires them: the peer set dials what the address manager offers (its table, then discovery's).
    const addrman = await AddressManager.open({ dataDir: undefined, ownNodeId: nodeKey.nodeId.toString('hex'), useAnchors: false, logger: this.logger, nowMs: this.clock.nowMs, random });
    let relay: SimRelayNode | undefined;
    const peers = new PeerSet({
      config,
      nodeKey,
      status: () => relay?.status() ?? SIM_CHAIN_STATUS,
      peerSource: this.countDials(addrman.peerSource(discovery, config.maxOutbound)),
      logger: this.logger,
      clock: this.clock,
      transport: this.tcp.transport(host),
      random,
    });
    const reachability = new SimReachability({
      clock: this.clock,
      tcp: this.tcp,
      host,
      listenPort: SIM_TCP_PORT,
      discovery,
      peers,
      hostOf: (ip) => {
        const other = this.network.hosts.get(ip);
        return other?.alive === true ? other : undefined;
      },
      logger: this.logger,
    });
    const world = this.relayWorld;
    relay = world && new SimRelayNode({ peers, ledger: world.ledger, clock: this.clock, logger: this.logger, random, ...(world.tap ? { tap: world.tap } : {}) });
    const node: SimNode = {
      index: this.nodes.length,
      host,
      discovery,
      peers,
      relay,
      addrman,
      reachability,
      id: nodeKey.nodeId,
      privateKey: nodeKey.privateKey,
      publicKey: nodeKey.publicKey,
      attacker: kind.attacker === true,
      joinedAtMs: this.clock.elapsedMs,
      healthyAfterMs: undefined,
      outboundFullAfterMs: undefined,
      evictions: 0,
      bootstrap: kind.bootstrap === true,
      leftAtMs: undefined,
    };
    peers.on('peer:closed', (peer, reason) => {
      if (reason.startsWith('evicted')) node.evictions++;
      if (peer.direction === 'outbound' && !this.readyPeers.has(peer) && reason === 'connection closed by peer') this.dialKinds.set('refused-before-ready', (this.dialKinds.get('refused-before-ready') ?? 0) + 1);
      const key = reason.split(/[(]|\d/, 1)[0].replace(/[:\s]+$/, '');
      this.closeReasons.set(key, (this.closeReasons.get(key) ?? 0) + 1);
    });
    peers.on('peer:ready', (peer) => {
      this.readyPeers.add(peer);
      if (node.outboundFullAfterMs !== undefined || peer.direction !== 'outbound') return;
      if (peers.ready().filter((p) => p.direction === 'outbound').length >= config.maxOutbound) node.outboundFullAfterMs = this.clock.elapsedMs - node.joinedAtMs;
    });
    discovery.on('node:verified', () => {
      if (node.healthyAfterMs === undefined && discovery.tableSize >= HEALTHY_TABLE_ENTRIES) node.healthyAfterMs = this.clock.elapsedMs - node.joinedAtMs;
    });
    this.nodes.push(node);
    this.byIp.set(host.ip, node);
    this.byId.set(node.id.toString('hex'), node);
    if (kind.bootstrap === true) this.bootstrap.push({ host: host.ip, port: SIM_UDP_PORT });
    addrman.attach(peerFeed(peers));
    await peers.start(); // listening before discovery advertises the TCP port
    relay?.start();
    await discovery.start();
    reachability.start();
    return node;
  }

  /**
   * Automatic dials by where the candidate came from (bootstrap, unsolicited = it only contacted
   * us, table = the address manager's pick, discovery) → what the target is (public, natted,
   * departed); and 'refused-before-ready': outbound sessions the far end closed before the
   * handshake completed (a full node that had no peer to evict). docs/scale.md defects 9–10.
   */
  readonly dialKinds = new Map<string, number>();
  private readonly readyPeers = new WeakSet<object>();
  private countDials(source: PeerSource): PeerSource {
    const orig = source.dialing?.bind(source);
    source.dialing = (node) => {
      const to = this.network.hosts.get(node.endpoint.ip);
      const target = to === undefined || !to.alive ? 'departed' : to.natted ? 'natted' : 'public';
      const from = source.isBootstrapNode?.(node) ? 'bootstrap' : node.unsolicited ? 'unsolicited' : node.endpoint.udpPort === 0 ? 'table' : 'discovery';
      const k = `${from}->${target}`;
      this.dialKinds.set(k, (this.dialKinds.get(k) ?? 0) + 1);
      orig?.(node);
    };
    return source;
  }

  /** The node goes away without a word (power off): its host drops everything from now on. */
  async leave(node: SimNode): Promise<void> {
    if (node.leftAtMs !== undefined) return;
    node.leftAtMs = this.clock.elapsedMs;
    node.host.alive = false;
    node.reachability.stop();
    await node.discovery.stop();
    node.relay?.stop();
    await node.addrman.stop();
    await node.peers.stop();
  }

  isAliveId(id: Buffer): boolean {
    const node = this.byId.get(id.toString('hex'));
    return node !== undefined && node.leftAtMs === undefined;
  }

  /** A unique public-looking IPv4 address (no private, loopback, multicast or reserved first octet), inside `netgroup` ("a.b") if given. */
  private freshIp(netgroup?: string): string {
    for (;;) {
      if (netgroup !== undefined) {
        const ip = `${netgroup}.${this.rng.int(256)}.${1 + this.rng.int(254)}`;
        if (this.usedIps.has(ip)) continue;
        this.usedIps.add(ip);
        return ip;
      }
      const a = 1 + this.rng.int(222);
      if (a === 10 || a === 127 || a === 100 || a === 169 || a === 172 || a === 192) continue;
      const ip = `${a}.${this.rng.int(256)}.${this.rng.int(256)}.${1 + this.rng.int(254)}`;
      if (this.usedIps.has(ip)) continue;
      this.usedIps.add(ip);
      return ip;
    }
  }
}

/** What P2PNetwork gives the address manager: the peers, and each ready one as PeerInfo. */
function peerFeed(peers: PeerSet): { peers(): PeerInfo[]; on(event: 'peer:ready', l: (info: PeerInfo) => void): unknown; off(event: 'peer:ready', l: (info: PeerInfo) => void): unknown } {
  const wrapped = new Map<(info: PeerInfo) => void, (peer: Parameters<typeof describePeer>[0]) => void>();
  return {
    peers: () => peers.peers(),
    on: (_event, listener) => {
      const w = (peer: Parameters<typeof describePeer>[0]): void => listener(describePeer(peer, false));
      wrapped.set(listener, w);
      return peers.on('peer:ready', w);
    },
    off: (_event, listener) => {
      const w = wrapped.get(listener);
      if (w !== undefined) peers.off('peer:ready', w);
      wrapped.delete(listener);
      return peers;
    },
  };
}
