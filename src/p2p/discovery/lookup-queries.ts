import { MAX_PENDING_PINGS } from './constants.js';
import type { DiscoveryCore } from './core.js';
import { FOUND, namedBy } from './introduction.js';
import { type Candidate, toCandidate } from './maintenance.js';
import { isRelayableEndpoint } from './relay-ip.js';

export interface LookupQueryDeps extends DiscoveryCore {
  readonly selfId: Buffer;
  /** How long to wait for a node's ping-back after our ping bonded (DiscoveryTiming.bondWaitMs). */
  readonly bondWaitMs: number;
  /** No find-node is sent once the service stops. */
  isRunning(): boolean;
  /** A configured bootstrap address: the operator trusts what it names (no introducer bound). */
  isBootstrap(ip: string, port: number): boolean;
}

/**
 * What an iterative lookup does with one node: bond with it if it may not know us yet, ask it for
 * nodes close to the target, and bond with the nodes its answer names that would get a place in
 * the table (also for answers that came late: the service's handlers pass those to considerAll).
 */
export class LookupQueries {
  constructor(private readonly deps: LookupQueryDeps) {}

  /** Lookup query: bond if the node may not know us yet, then ask it for nodes close to target. */
  async findNode(node: Candidate, target: Buffer): Promise<Candidate[] | undefined> {
    const { proofs, findNodes, pingWaiters } = this.deps;
    const { ip, udpPort: port } = node.endpoint;
    if (!proofs.hasVerifiedUs(node.id, ip)) {
      // It enters the table as the node named it (bounded per introducer), not as one we chose.
      const intro = node.namedBy === undefined ? FOUND : namedBy(node.namedBy);
      if (!(await this.deps.ping({ ip, port }, node.id, node.endpoint.tcpPort, intro))) return undefined;
      // It answers find-node only after our pong to its ping-back arrived; wait briefly for that
      // ping (sent right after its pong). A node with no place for us does not ping back
      // (handlers.ts): it drops our find-node and pings back then, and we ask again (below).
      if (!proofs.hasVerifiedUs(node.id, ip)) await pingWaiters.wait(node.id, this.deps.bondWaitMs);
    }
    // One find-node per node at a time (a neighbours answer does not name its target). Checked
    // again after each wait: two lookups asking one node both saw idle() resolve before either
    // sent, and the second's request replaced the first's, which then counted as unanswered.
    do {
      await findNodes.idle(node.id, ip, port);
    } while (findNodes.has(node.id, ip, port));
    if (!this.deps.isRunning()) return undefined;
    const reply = findNodes.add(node.id, ip, port);
    const send = (): Buffer => this.deps.transport.send({ type: 'find-node', target }, { ip, port });
    send();
    // A ping from it meanwhile means it had no proof of us and dropped the find-node: our pong
    // (sent before listeners run) fixes that, so ask once more.
    let resent = false;
    const unsubscribe = pingWaiters.subscribe(node.id, () => {
      if (resent) return;
      resent = true;
      findNodes.rearm(node.id, ip, port);
      send();
    });
    const entries = await reply;
    unsubscribe();
    if (entries === undefined) {
      this.deps.table.failed(node.id, ip, port);
      return undefined;
    }
    const introducer = this.deps.isBootstrap(ip, port) ? undefined : node.id;
    const candidates = entries.filter((e) => isRelayableEndpoint(e.endpoint, ip)).map((e) => toCandidate(e, introducer));
    this.considerAll(candidates, introducer);
    return candidates.filter((c) => !c.id.equals(this.deps.selfId));
  }

  /**
   * Nodes named in the neighbours answer of `sourceId`: bond with those that would get a place,
   * no more than that node may still introduce (MAX_ENTRIES_PER_SOURCE: a liar's answer names
   * only its own nodes).
   */
  considerAll(candidates: readonly Candidate[], sourceId: Buffer | undefined): void {
    let budget = sourceId === undefined ? candidates.length : this.deps.table.roomForSource(sourceId);
    for (const candidate of candidates) {
      if (budget <= 0) return;
      if (this.consider(candidate, sourceId)) budget--;
    }
  }

  /** A node heard of through the neighbours answer of `sourceId`: ping it to verify (it enters the table on pong). Whether it pinged. */
  private consider(candidate: Candidate, sourceId: Buffer | undefined): boolean {
    const { table } = this.deps;
    if (candidate.id.equals(this.deps.selfId)) return false;
    const known = table.get(candidate.id);
    if (known !== undefined) {
      // A third party's port fills in one we do not know, never one the node's own ping set:
      // clients (own claim 0) are not in the table, and nobody else may make them dialable.
      const unknown = known.endpoint.tcpPort === 0 && this.deps.proofs.advertisedTcpPort(candidate.id, known.endpoint.ip) === undefined;
      if (unknown && candidate.endpoint.tcpPort !== 0) table.updateTcpPort(candidate.id, candidate.endpoint.tcpPort);
      return false;
    }
    if (this.deps.pings.size >= MAX_PENDING_PINGS) return false;
    // A bond costs four signed packets at each end. Once the table is healthy, the lookup bonds
    // with the nodes it asks anyway; pinging every node named in every answer (~4 × 16 per
    // query) was most of the traffic at 200 nodes, and it is what an attacker's answers, which
    // name only its own nodes, feed on. Only a node that would get a place (a free one, or an
    // inbound entry's) is worth it: a full bucket keeps its live entries.
    if (!table.isThin() || !table.hasRoomFor(candidate.id)) return false;
    void this.deps.ping({ ip: candidate.endpoint.ip, port: candidate.endpoint.udpPort }, candidate.id, candidate.endpoint.tcpPort, sourceId === undefined ? FOUND : namedBy(sourceId));
    return true;
  }
}
