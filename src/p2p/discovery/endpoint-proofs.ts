import { ENDPOINT_PROOF_TTL_MS, MAX_ENDPOINT_PROOFS } from './constants.js';

/**
 * Times are ms since the list's origin (its creation, less 1 ms), 0 = never: small integers that
 * V8 stores in the record itself, where epoch milliseconds (past 2^31) were a 16-byte heap number
 * each. The lists hold up to 2 × MAX_ENDPOINT_PROOFS records for as long as the node runs. (Past
 * ~24 days of uptime the offsets outgrow V8's small integers and are boxed again: still correct.)
 */
interface ProofRecord {
  /** The node id as a latin1 string (32 chars, not 64 of hex): its key in the list, kept so re-inserting it stores no new string. */
  readonly key: string;
  ip: string;
  /** When that node's pong to our ping arrived from `ip`: it proved it receives at that address. */
  pongReceivedAt: number;
  /** When it last pinged us from `ip` (and got our pong): it then holds a proof of *our* endpoint. */
  pingReceivedAt: number;
  /** TCP port from its last signed ping from `ip`: the authoritative one to dial. */
  tcpPort: number | undefined;
}

/**
 * Who has proven which endpoint, in both directions, keyed by node id and bound to the IP the
 * packets came from: a proof for one IP says nothing about another (that is what stops reflection).
 *
 * Two least-recently-touched lists: records of nodes that answered our ping (their endpoint is
 * proven) and records of nodes that only pinged us. A ping costs its sender nothing but a fresh
 * key, so a flood of them (~2,000 a second within the inbound budget) used to push honest nodes'
 * proofs out of one shared list in seconds, and their find-nodes were then dropped until they
 * bonded again; now such a flood only churns the unproven list.
 */
export class EndpointProofs {
  private readonly proven = new Map<string, ProofRecord>();
  private readonly unproven = new Map<string, ProofRecord>();
  private readonly originMs: number;

  constructor(
    private readonly nowMs: () => number,
    private readonly ttlMs = ENDPOINT_PROOF_TTL_MS,
    /** Bound of each list. */
    private readonly maxRecords = MAX_ENDPOINT_PROOFS,
  ) {
    this.originMs = nowMs() - 1;
  }

  get size(): number {
    return this.proven.size + this.unproven.size;
  }

  pongReceived(nodeId: Buffer, ip: string): void {
    this.record(nodeId, ip, true).pongReceivedAt = this.sinceOrigin();
  }

  pingReceived(nodeId: Buffer, ip: string, tcpPort: number): void {
    // A signed ping is not bound to where it comes from: anyone who got one (a node pings back
    // whoever pings it) can send it on from their own address. So a ping from a new IP does not
    // erase a fresh proof at the old one; a node that really moved answers our ping-back from its
    // new address, and that pong moves the record (pongReceived).
    const current = this.get(nodeId);
    if (current !== undefined && current.ip !== ip && this.fresh(current.pongReceivedAt)) return;
    const rec = this.record(nodeId, ip, false);
    rec.pingReceivedAt = this.sinceOrigin();
    rec.tcpPort = tcpPort;
  }

  /** The TCP port the node's own signed ping from this IP advertised, if it has pinged us. */
  advertisedTcpPort(nodeId: Buffer, ip: string): number | undefined {
    const rec = this.get(nodeId);
    return rec !== undefined && rec.ip === ip ? rec.tcpPort : undefined;
  }

  /** The node answered our ping from this IP recently: we may answer its find-node. */
  hasProvenEndpoint(nodeId: Buffer, ip: string): boolean {
    const rec = this.get(nodeId);
    return rec !== undefined && rec.ip === ip && this.fresh(rec.pongReceivedAt);
  }

  /** The node pinged us from this IP recently, so it should answer our find-node. */
  hasVerifiedUs(nodeId: Buffer, ip: string): boolean {
    const rec = this.get(nodeId);
    return rec !== undefined && rec.ip === ip && this.fresh(rec.pingReceivedAt);
  }

  forget(nodeId: Buffer): void {
    const key = nodeId.toString('latin1');
    this.proven.delete(key);
    this.unproven.delete(key);
  }

  private get(nodeId: Buffer): ProofRecord | undefined {
    const key = nodeId.toString('latin1');
    return this.proven.get(key) ?? this.unproven.get(key);
  }

  private sinceOrigin(): number {
    return this.nowMs() - this.originMs;
  }

  /** `at` is set and within the TTL. (A clock stepped back past the origin reads as never: the node bonds again.) */
  private fresh(at: number): boolean {
    return at > 0 && this.sinceOrigin() - at <= this.ttlMs;
  }

  /** The node's record, moved to the end of its list (to the proven list by a pong). */
  private record(nodeId: Buffer, ip: string, pong: boolean): ProofRecord {
    const key = nodeId.toString('latin1');
    let rec = this.proven.get(key) ?? this.unproven.get(key);
    if (rec === undefined) {
      rec = { key, ip, pongReceivedAt: 0, pingReceivedAt: 0, tcpPort: undefined };
    } else if (rec.ip !== ip) {
      // A new IP starts over: proofs never carry from one address to another.
      rec.ip = ip;
      rec.pongReceivedAt = 0;
      rec.pingReceivedAt = 0;
      rec.tcpPort = undefined;
    }
    this.proven.delete(key);
    this.unproven.delete(key);
    // Re-inserted so Map order is least-recently-touched first, which is what gets pruned. The
    // record and its own key go back, not fresh objects: these lists live as long as the node,
    // and every young object stored into them is one more old-to-new pointer for the scavenger.
    const list = pong || rec.pongReceivedAt > 0 ? this.proven : this.unproven;
    list.set(rec.key, rec);
    if (list.size > this.maxRecords) {
      const oldest = list.keys().next();
      if (!oldest.done) list.delete(oldest.value);
    }
    return rec;
  }
}
