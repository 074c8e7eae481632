import { EventEmitter } from 'node:events';
import { type Clock, SYSTEM_CLOCK, type TimerHandle } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { DiscoveredNode, PeerSource } from '../types.js';
import { ALPHA, DISCOVERY_VERSION, LOOKUP_RETRY_CLOSEST, LATE_PONG_GRACE_MS, MAX_LATE_PINGS, MAX_PENDING_PINGS, MAX_NEIGHBOURS_PER_FIND_NODE } from './constants.js';
import type { Endpoint } from './endpoint.js';
import { BootstrapNodes } from './bootstrap-nodes.js';
import type { DiscoveryCore } from './core.js';
import { EndpointProofs } from './endpoint-proofs.js';
import { DiscoveryError } from './errors.js';
import { InboundBudget } from './inbound-budget.js';
import { iterativeLookup } from './lookup.js';
import { LookupQueries } from './lookup-queries.js';
import { type Candidate, pickRevalidateEntry, resolveBootstrap, toCandidate, toDiscovered } from './maintenance.js';
import { FOUND, type Introduction } from './introduction.js';
import { NodeTable } from './node-table.js';
import type { TableEntry } from './table-entry.js';
import { OwnEndpoint } from './own-endpoint.js';
import { PacketHandlers } from './handlers.js';
import { CRYPTO_RANDOM, type RandomSource } from './random-source.js';
import { RefreshScheduler } from './refresh-scheduler.js';
import { isRelayableEndpoint } from './relay-ip.js';
import { PendingFindNodes } from './pending-find-nodes.js';
import { PendingPings } from './pending-pings.js';
import { PingWaiters } from './ping-waiters.js';
import {
  type AdvertisedEndpoint,
  DEFAULT_DISCOVERY_TIMING,
  type DiscoveryEvents,
  type DiscoveryOptions,
  type DiscoveryTiming,
} from './service-options.js';
import { DiscoveryTransport, type DiscoveryStats, type Remote } from './transport.js';

export interface DiscoveryServiceStats extends DiscoveryStats {
  readonly tableSize: number;
  readonly pendingPings: number;
  /** Pongs that came after their ping's timeout and still proved the endpoint. */
  readonly latePongs: number;
}

/**
 * UDP node discovery (discv4 rules, docs/protocol.md): bonds with nodes by ping/pong, fills a
 * Kademlia table with endpoint-proven nodes, answers find-node only for proven senders, and runs
 * iterative lookups. Implements PeerSource: the peer set dials what `node:verified` announces.
 * This class wires the parts, runs their lifecycle and sends our pings; the rules live in the
 * parts: NodeTable (admission), PacketHandlers (inbound packets), LookupQueries (a lookup's
 * find-nodes and the bonds they lead to), RefreshScheduler, BootstrapNodes, OwnEndpoint.
 */
export class Discovery extends EventEmitter<DiscoveryEvents> implements PeerSource {
  readonly nodeId: Buffer;
  private readonly log: Logger;
  private readonly nowMs: () => number;
  private readonly clock: Clock;
  private readonly random: RandomSource;
  private readonly timing: DiscoveryTiming;
  private readonly transport: DiscoveryTransport;
  private readonly table: NodeTable;
  private readonly proofs: EndpointProofs;
  private readonly pings: PendingPings;
  private readonly findNodes: PendingFindNodes;
  private readonly pingWaiters: PingWaiters;
  private readonly handlers: PacketHandlers;
  private readonly refresher: RefreshScheduler;
  private readonly queries: LookupQueries;
  private readonly bootstrap: BootstrapNodes;
  private readonly own: OwnEndpoint;
  private readonly abort = new AbortController();
  private readonly timers: TimerHandle[] = [];
  private boundPort = 0;
  private state: 'new' | 'starting' | 'running' | 'stopped' = 'new';
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: DiscoveryOptions) {
    super();
    this.nodeId = options.nodeKey.nodeId;
    this.log = options.logger.child({ component: 'discovery' });
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.random = options.random ?? CRYPTO_RANDOM;
    this.nowMs = options.nowMs ?? this.clock.nowMs;
    this.timing = { ...DEFAULT_DISCOVERY_TIMING, ...options.timing };
    const bindHost = options.bindHost ?? '0.0.0.0';
    this.proofs = new EndpointProofs(this.nowMs, this.timing.endpointProofTtlMs);
    this.pings = new PendingPings(this.nowMs, this.timing.pingTimeoutMs, LATE_PONG_GRACE_MS, MAX_LATE_PINGS, this.clock);
    this.findNodes = new PendingFindNodes(this.timing.findNodeTimeoutMs, MAX_NEIGHBOURS_PER_FIND_NODE, this.nowMs, LATE_PONG_GRACE_MS, MAX_LATE_PINGS, this.clock);
    this.pingWaiters = new PingWaiters(this.clock);
    this.transport = new DiscoveryTransport({
      bindHost,
      port: options.udpPort ?? 0,
      privateKey: options.nodeKey.privateKey,
      selfId: this.nodeId,
      logger: this.log,
      nowMs: this.nowMs,
      budget: new InboundBudget({ requestsPerSec: options.inboundRequestsPerSec, nowMs: this.nowMs }),
      socketFactory: options.socketFactory,
      signer: options.signer,
      onPacket: (decoded, from) => {
        if (this.state === 'running') this.handlers.handle(decoded, from);
      },
    });
    this.table = new NodeTable({
      selfId: this.nodeId,
      bucketSize: options.bucketSize,
      nowMs: this.nowMs,
      ping: (entry) => this.checkLiveness(entry),
      onAdded: (entry) => {
        this.log.debug({ node: entry.nodeId.toString('hex').slice(0, 16), endpoint: entry.endpoint }, 'node verified');
        this.refresher.nodeAdded();
        this.emit('node:verified', toDiscovered(entry));
      },
      onRemoved: (entry) => {
        this.refresher.nodeRemoved();
        this.emit('node:removed', toDiscovered(entry));
      },
    });
    const core: DiscoveryCore = {
      transport: this.transport,
      table: this.table,
      proofs: this.proofs,
      pings: this.pings,
      findNodes: this.findNodes,
      pingWaiters: this.pingWaiters,
      ping: (remote, expectedId, tcpHint, intro) => this.ping(remote, expectedId, tcpHint, intro),
    };
    this.handlers = new PacketHandlers({
      ...core,
      privateKey: options.nodeKey.privateKey,
      lateNeighbours: (nodes, senderIp, senderId) => {
        this.queries.considerAll(nodes.filter((node) => isRelayableEndpoint(node.endpoint, senderIp)).map((node) => toCandidate(node, senderId)), senderId);
      },
      observed: (observation) => this.emit('observed', { ...observation, localPort: this.boundPort }),
    });
    this.refresher = new RefreshScheduler({
      selfId: this.nodeId,
      table: this.table,
      timing: this.timing,
      nowMs: this.nowMs,
      clock: this.clock,
      random: this.random,
      log: this.log,
      isRunning: () => this.state === 'running',
      bootstrapRemotes: () => this.bootstrap.remotes,
      ping: (remote) => this.ping(remote),
      lookup: (target) => this.lookup(target),
      refreshed: () => this.table.openInbound(),
    });
    this.queries = new LookupQueries({
      ...core,
      selfId: this.nodeId,
      bondWaitMs: this.timing.bondWaitMs,
      isRunning: () => this.state === 'running',
      isBootstrap: (ip, port) => this.bootstrap.has(ip, port),
    });
    this.bootstrap = new BootstrapNodes({
      table: this.table,
      isRunning: () => this.state === 'running',
      ping: (remote) => this.ping(remote),
      selfLookup: () => void this.refresher.refresh(),
    });
    this.own = new OwnEndpoint({
      ip: options.advertisedIp ?? bindHost,
      tcpPort: options.tcpPort,
      table: this.table,
      pings: this.pings,
      boundPort: () => this.boundPort,
      isRunning: () => this.state === 'running',
      ping: (remote, expectedId, tcpHint, intro) => this.ping(remote, expectedId, tcpHint, intro),
    });
    options.signal?.addEventListener('abort', () => void this.stop(), { once: true });
  }

  /** The bound UDP port (0 before start). */
  get udpPort(): number {
    return this.boundPort;
  }

  get tableSize(): number {
    return this.table.size;
  }

  get stats(): DiscoveryServiceStats {
    return { ...this.transport.stats, tableSize: this.table.size, pendingPings: this.pings.size, latePongs: this.pings.latePongs };
  }

  /** What our pings claim as `from` (the TCP port is what others dial). */
  get localEndpoint(): Endpoint {
    return this.own.local;
  }

  /** NAT learned our external address: advertise it from now on (and tell the nodes that hold the old TCP port). */
  setAdvertisedEndpoint(endpoint: AdvertisedEndpoint): void {
    this.own.set(endpoint);
  }

  /**
   * `node` is one of our bootstrap nodes: its endpoint (or, for an address the peer table
   * offers, the endpoint of the table entry with its node id) is a configured bootstrap address.
   */
  isBootstrapNode(node: DiscoveredNode): boolean {
    const endpoint = node.endpoint.udpPort !== 0 ? node.endpoint : this.table.get(node.nodeId)?.endpoint;
    return endpoint !== undefined && this.bootstrap.has(endpoint.ip, endpoint.udpPort);
  }

  /** Table entries, most recently seen first. */
  knownNodes(limit: number): DiscoveredNode[] {
    return this.table
      .all()
      .sort((a, b) => b.lastSeenMs - a.lastSeenMs)
      .slice(0, Math.max(0, limit))
      .map(toDiscovered);
  }

  async start(): Promise<void> {
    if (this.state !== 'new') throw new DiscoveryError('already-started', 'the discovery service was already started; create a new instance to start again');
    this.state = 'starting';
    try {
      this.boundPort = await this.transport.bind();
    } catch (err) {
      await this.stop();
      throw err;
    }
    this.bootstrap.set(await resolveBootstrap(this.options.bootstrap ?? [], this.log));
    if (this.state !== 'starting') return; // stopped while binding
    this.state = 'running';
    // Nothing to seed the table from (we are a first or bootstrap node): only inbound contacts can fill it.
    if (this.bootstrap.remotes.length === 0) this.table.openInbound(false);
    this.refresher.start();
    this.every(this.timing.revalidateIntervalMs, () => this.revalidate());
    this.every(this.timing.bootstrapRetryIntervalMs, () => {
      if (this.table.size === 0) this.bootstrap.pingAll();
    });
    this.log.info({ udpPort: this.boundPort, bootstrap: this.bootstrap.remotes.length }, 'discovery listening');
    this.bootstrap.pingAll();
  }

  /** Clears timers, ends outstanding requests, closes the socket. Safe to call more than once. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.state = 'stopped';
      this.abort.abort();
      for (const timer of this.timers) this.clock.clear(timer);
      this.refresher.stop();
      this.pings.clear();
      this.findNodes.clear();
      this.pingWaiters.clear();
      await this.transport.close();
    })();
    return this.stopping;
  }

  /** Iterative lookup for target; resolves with the closest nodes that answered, closest first. */
  async lookup(target: Buffer): Promise<DiscoveredNode[]> {
    if (this.state === 'new') throw new DiscoveryError('not-started', 'start() the discovery service before running a lookup');
    const found = await iterativeLookup<Candidate>({
      target,
      seeds: this.table.lookupSeeds(target, this.table.bucketSize).map((entry) => toCandidate(entry)),
      selfId: this.nodeId,
      k: this.table.bucketSize,
      alpha: ALPHA,
      // Not while thin: the refresh scheduler re-runs a thin table's self-lookup within seconds
      // anyway, and in a start where everyone is thin (the discovery-scale bench) queries time out
      // because answers queue, so retries there only add to the queue.
      retryClosest: this.table.isThin() ? 0 : LOOKUP_RETRY_CLOSEST,
      query: (node) => this.queries.findNode(node, target),
      signal: this.abort.signal,
    });
    return found.map(toDiscovered);
  }

  /**
   * Pings an address (bonding); resolves whether a matching pong came back in time. `intro` is how
   * the node enters the table if its pong admits it (found by us unless we are pinging back a node
   * that contacted us; a table entry being rechecked passes itself and keeps its own).
   */
  ping(remote: Remote, expectedId?: Buffer, tcpHint?: number, intro: Introduction = FOUND): Promise<boolean> {
    if (this.state !== 'running') return Promise.resolve(false);
    const inFlight = this.pings.inFlight(remote.ip, remote.port);
    if (inFlight !== undefined) return inFlight;
    // Here, not only in consider(): the ping-backs to inbound pings and unproven find-nodes come
    // this way too, and a flood of those from fresh keys kept ~2,000 pings pending, not 512.
    if (this.pings.size >= MAX_PENDING_PINGS) return Promise.resolve(false);
    const to: Endpoint = { ip: remote.ip, udpPort: remote.port, tcpPort: tcpHint ?? 0 };
    const hash = this.transport.send({ type: 'ping', version: DISCOVERY_VERSION, from: this.localEndpoint, to }, remote);
    this.own.pinging(remote, expectedId);
    const answered = this.pings.add(hash, remote.ip, remote.port, expectedId, tcpHint, intro);
    if (expectedId !== undefined) void answered.then((ok) => ok || this.table.failed(expectedId, remote.ip, remote.port));
    return answered;
  }

  /**
   * Whether a table entry a newcomer would replace still answers (NodeTable's check of a full
   * bucket's oldest). It fails closed: a check that cannot be sent now (every pending slot taken,
   * or a ping to that address in flight for another node id, which the entry's pong would not
   * match) counts as answered, and the newcomer is the one left out. Otherwise a flood of pings (each earns a ping-back, filling the slots) or one
   * spoofed ping from the entry's address would decide, with nothing sent to the entry itself.
   */
  private checkLiveness(entry: TableEntry): Promise<boolean> {
    const remote = { ip: entry.endpoint.ip, port: entry.endpoint.udpPort };
    const expecting = this.pings.inFlightExpecting(remote.ip, remote.port);
    // A ping in flight there that expects no one in particular is answered by the entry's pong too: shared.
    if (expecting !== undefined && expecting !== null && !expecting.equals(entry.nodeId)) return Promise.resolve(true);
    if (expecting === undefined && this.pings.size >= MAX_PENDING_PINGS) return Promise.resolve(true);
    return this.ping(remote, entry.nodeId, entry.endpoint.tcpPort, entry);
  }

  private every(intervalMs: number, tick: () => void): void {
    this.timers.push(this.clock.setInterval(tick, intervalMs));
  }

  /** Pings the least-recently-seen entry of a random bucket; repeated silence removes it (ping() counts failures). */
  private revalidate(): void {
    const entry = pickRevalidateEntry(this.table, this.random);
    if (entry !== undefined) void this.ping({ ip: entry.endpoint.ip, port: entry.endpoint.udpPort }, entry.nodeId, entry.endpoint.tcpPort, entry);
  }
}
