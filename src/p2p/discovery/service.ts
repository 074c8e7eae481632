import { EventEmitter } from 'node:events';
import { type Clock, SYSTEM_CLOCK, type TimerHandle } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { DiscoveredNode, PeerSource } from '../types.js';
import { ALPHA, DISCOVERY_VERSION, LOOKUP_RETRY_CLOSEST, LATE_PONG_GRACE_MS, MAX_LATE_PINGS, MAX_PENDING_PINGS, MAX_NEIGHBOURS_PER_FIND_NODE } from './constants.js';
import { type Endpoint, ipToBytes } from './endpoint.js';
import { PortAnnouncer } from './announce.js';
import { EndpointProofs } from './endpoint-proofs.js';
import { DiscoveryError } from './errors.js';
import { InboundBudget } from './inbound-budget.js';
import { iterativeLookup } from './lookup.js';
import { type Candidate, pickRevalidateEntry, resolveBootstrap, toCandidate, toDiscovered } from './maintenance.js';
import { FOUND, INBOUND, type Introduction, namedBy } from './introduction.js';
import { NodeTable } from './node-table.js';
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
  private readonly abort = new AbortController();
  private readonly timers: TimerHandle[] = [];
  private advertised: { ip: string; udpPort: number | undefined; tcpPort: number };
  private bootstrapRemotes: Remote[] = [];
  private boundPort = 0;
  private state: 'new' | 'starting' | 'running' | 'stopped' = 'new';
  private stopping: Promise<void> | undefined;
  private selfLookupStarted = false;
  private readonly announcer = new PortAnnouncer();

  constructor(private readonly options: DiscoveryOptions) {
    super();
    this.nodeId = options.nodeKey.nodeId;
    this.log = options.logger.child({ component: 'discovery' });
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.random = options.random ?? CRYPTO_RANDOM;
    this.nowMs = options.nowMs ?? this.clock.nowMs;
    this.timing = { ...DEFAULT_DISCOVERY_TIMING, ...options.timing };
    const bindHost = options.bindHost ?? '0.0.0.0';
    this.advertised = { ip: options.advertisedIp ?? bindHost, udpPort: undefined, tcpPort: options.tcpPort };
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
      ping: (entry) => this.ping({ ip: entry.endpoint.ip, port: entry.endpoint.udpPort }, entry.nodeId, entry.endpoint.tcpPort, entry),
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
    this.handlers = new PacketHandlers({
      privateKey: options.nodeKey.privateKey,
      transport: this.transport,
      table: this.table,
      proofs: this.proofs,
      pings: this.pings,
      findNodes: this.findNodes,
      pingWaiters: this.pingWaiters,
      ping: (remote, expectedId, tcpHint, intro) => this.ping(remote, expectedId, tcpHint, intro),
      lateNeighbours: (nodes, senderIp, senderId) => {
        this.considerAll(nodes.filter((node) => isRelayableEndpoint(node.endpoint, senderIp)).map((node) => toCandidate(node, senderId)), senderId);
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
      bootstrapRemotes: () => this.bootstrapRemotes,
      ping: (remote) => this.ping(remote),
      lookup: (target) => this.lookup(target),
      refreshed: () => this.table.openInbound(),
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
    return { ip: this.advertised.ip, udpPort: this.advertised.udpPort ?? this.boundPort, tcpPort: this.advertised.tcpPort };
  }

  /** NAT learned our external address: advertise it from now on. */
  setAdvertisedEndpoint(endpoint: AdvertisedEndpoint): void {
    ipToBytes(endpoint.ip); // throws RangeError for something that is not an IP
    const tcpChanged = endpoint.tcpPort !== this.advertised.tcpPort;
    this.advertised = { ip: endpoint.ip, udpPort: endpoint.udpPort, tcpPort: endpoint.tcpPort };
    if (tcpChanged && this.state === 'running') this.announceTcpPort();
  }

  /** Our TCP port changed: ping each node that holds the old one once (PortAnnouncer says who and why). */
  private announceTcpPort(): void {
    for (const { remote, id, tcpHint, entry } of this.announcer.targets(this.table.all())) {
      const announce = (): Promise<boolean> => this.ping(remote, id, tcpHint, entry ?? INBOUND);
      // A ping already in flight carries the old port (ping() would return it): announce after it.
      const inFlight = this.pings.inFlight(remote.ip, remote.port);
      void (inFlight === undefined ? announce() : inFlight.then(announce));
    }
  }

  /**
   * `node` is one of our bootstrap nodes: its endpoint (or, for an address the peer table
   * offers, the endpoint of the table entry with its node id) is a configured bootstrap address.
   */
  isBootstrapNode(node: DiscoveredNode): boolean {
    const endpoint = node.endpoint.udpPort !== 0 ? node.endpoint : this.table.get(node.nodeId)?.endpoint;
    return endpoint !== undefined && this.isBootstrap(endpoint.ip, endpoint.udpPort);
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
    this.bootstrapRemotes = await resolveBootstrap(this.options.bootstrap ?? [], this.log);
    if (this.state !== 'starting') return; // stopped while binding
    this.state = 'running';
    // Nothing to seed the table from (we are a first or bootstrap node): only inbound contacts can fill it.
    if (this.bootstrapRemotes.length === 0) this.table.openInbound(false);
    this.refresher.start();
    this.every(this.timing.revalidateIntervalMs, () => this.revalidate());
    this.every(this.timing.bootstrapRetryIntervalMs, () => {
      if (this.table.size === 0) this.pingBootstrap();
    });
    this.log.info({ udpPort: this.boundPort, bootstrap: this.bootstrapRemotes.length }, 'discovery listening');
    this.pingBootstrap();
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
      query: (node) => this.findNode(node, target),
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
    this.announcer.pinging(remote, expectedId);
    const answered = this.pings.add(hash, remote.ip, remote.port, expectedId, tcpHint, intro);
    if (expectedId !== undefined) void answered.then((ok) => ok || this.table.failed(expectedId));
    return answered;
  }

  private every(intervalMs: number, tick: () => void): void {
    this.timers.push(this.clock.setInterval(tick, intervalMs));
  }

  /** Pings every bootstrap node; the first answer starts a self-lookup (it fills our neighbourhood) through refresh(). */
  private pingBootstrap(): void {
    if (this.table.size === 0) this.selfLookupStarted = false;
    for (const remote of this.bootstrapRemotes) {
      void this.ping(remote).then((answered) => {
        if (!answered || this.selfLookupStarted || this.state !== 'running') return;
        this.selfLookupStarted = true;
        void this.refresher.refresh();
      });
    }
  }

  /** Pings the least-recently-seen entry of a random bucket; repeated silence removes it (ping() counts failures). */
  private revalidate(): void {
    const entry = pickRevalidateEntry(this.table, this.random);
    if (entry !== undefined) void this.ping({ ip: entry.endpoint.ip, port: entry.endpoint.udpPort }, entry.nodeId, entry.endpoint.tcpPort, entry);
  }

  /** Lookup query: bond if the node may not know us yet, then ask it for nodes close to target. */
  private async findNode(node: Candidate, target: Buffer): Promise<Candidate[] | undefined> {
    const { ip, udpPort: port } = node.endpoint;
    if (!this.proofs.hasVerifiedUs(node.id, ip)) {
      // It enters the table as the node named it (bounded per introducer), not as one we chose.
      const intro = node.namedBy === undefined ? FOUND : namedBy(node.namedBy);
      if (!(await this.ping({ ip, port }, node.id, node.endpoint.tcpPort, intro))) return undefined;
      // It answers find-node only after our pong to its ping-back arrived; wait briefly for that
      // ping (sent right after its pong). A node with no place for us does not ping back
      // (handlers.ts): it drops our find-node and pings back then, and we ask again (below).
      if (!this.proofs.hasVerifiedUs(node.id, ip)) await this.pingWaiters.wait(node.id, this.timing.bondWaitMs);
    }
    // One find-node per node at a time (a neighbours answer does not name its target). Checked
    // again after each wait: two lookups asking one node both saw idle() resolve before either
    // sent, and the second's request replaced the first's, which then counted as unanswered.
    do {
      await this.findNodes.idle(node.id, ip, port);
    } while (this.findNodes.has(node.id, ip, port));
    if (this.state !== 'running') return undefined;
    const reply = this.findNodes.add(node.id, ip, port);
    const send = (): Buffer => this.transport.send({ type: 'find-node', target }, { ip, port });
    send();
    // A ping from it meanwhile means it had no proof of us and dropped the find-node: our pong
    // (sent before listeners run) fixes that, so ask once more.
    let resent = false;
    const unsubscribe = this.pingWaiters.subscribe(node.id, () => {
      if (resent) return;
      resent = true;
      this.findNodes.rearm(node.id, ip, port);
      send();
    });
    const entries = await reply;
    unsubscribe();
    if (entries === undefined) {
      this.table.failed(node.id);
      return undefined;
    }
    const introducer = this.isBootstrap(ip, port) ? undefined : node.id;
    const candidates = entries.filter((e) => isRelayableEndpoint(e.endpoint, ip)).map((e) => toCandidate(e, introducer));
    this.considerAll(candidates, introducer);
    return candidates.filter((c) => !c.id.equals(this.nodeId));
  }

  /**
   * Nodes named in the neighbours answer of `sourceId`: bond with those that would get a place,
   * no more than that node may still introduce (MAX_ENTRIES_PER_SOURCE: a liar's answer names
   * only its own nodes).
   */
  private considerAll(candidates: readonly Candidate[], sourceId: Buffer | undefined): void {
    let budget = sourceId === undefined ? candidates.length : this.table.roomForSource(sourceId);
    for (const candidate of candidates) {
      if (budget <= 0) return;
      if (this.consider(candidate, sourceId)) budget--;
    }
  }

  /** A configured bootstrap node: the operator trusts what it names (no introducer bound). */
  private isBootstrap(ip: string, port: number): boolean {
    return this.bootstrapRemotes.some((r) => r.ip === ip && r.port === port);
  }

  /** A node heard of through the neighbours answer of `sourceId`: ping it to verify (it enters the table on pong). Whether it pinged. */
  private consider(candidate: Candidate, sourceId: Buffer | undefined): boolean {
    if (candidate.id.equals(this.nodeId)) return false;
    const known = this.table.get(candidate.id);
    if (known !== undefined) {
      // A third party's port fills in one we do not know, never one the node's own ping set:
      // clients (own claim 0) are not in the table, and nobody else may make them dialable.
      const unknown = known.endpoint.tcpPort === 0 && this.proofs.advertisedTcpPort(candidate.id, known.endpoint.ip) === undefined;
      if (unknown && candidate.endpoint.tcpPort !== 0) this.table.updateTcpPort(candidate.id, candidate.endpoint.tcpPort);
      return false;
    }
    if (this.pings.size >= MAX_PENDING_PINGS) return false;
    // A bond costs four signed packets at each end. Once the table is healthy, the lookup bonds
    // with the nodes it asks anyway; pinging every node named in every answer (~4 × 16 per
    // query) was most of the traffic at 200 nodes, and it is what an attacker's answers, which
    // name only its own nodes, feed on. Only a node that would get a place (a free one, or an
    // inbound entry's) is worth it: a full bucket keeps its live entries.
    if (!this.table.isThin() || !this.table.hasRoomFor(candidate.id)) return false;
    void this.ping({ ip: candidate.endpoint.ip, port: candidate.endpoint.udpPort }, candidate.id, candidate.endpoint.tcpPort, sourceId === undefined ? FOUND : namedBy(sourceId));
    return true;
  }
}
