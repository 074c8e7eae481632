import { ENDPOINT_PROOF_TTL_MS, MAX_ENDPOINT_PROOFS } from './constants.js';

interface ProofRecord {
  ip: string;
  /** When that node's pong to our ping arrived from `ip`: it proved it receives at that address. */
  pongReceivedMs: number;
  /** When it last pinged us from `ip` (and got our pong): it then holds a proof of *our* endpoint. */
  pingReceivedMs: number;
  /** TCP port from its last signed ping from `ip`: the authoritative one to dial. */
  tcpPort: number | undefined;
}

/**
 * Who has proven which endpoint, in both directions, keyed by node id and bound to the IP the
 * packets came from: a proof for one IP says nothing about another (that is what stops reflection).
 */
export class EndpointProofs {
  private readonly records = new Map<string, ProofRecord>();

  constructor(
    private readonly nowMs: () => number,
    private readonly ttlMs = ENDPOINT_PROOF_TTL_MS,
    private readonly maxRecords = MAX_ENDPOINT_PROOFS,
  ) {}

  get size(): number {
    return this.records.size;
  }

  pongReceived(nodeId: Buffer, ip: string): void {
    this.record(nodeId, ip).pongReceivedMs = this.nowMs();
  }

  pingReceived(nodeId: Buffer, ip: string, tcpPort: number): void {
    const rec = this.record(nodeId, ip);
    rec.pingReceivedMs = this.nowMs();
    rec.tcpPort = tcpPort;
  }

  /** The TCP port the node's own signed ping from this IP advertised, if it has pinged us. */
  advertisedTcpPort(nodeId: Buffer, ip: string): number | undefined {
    const rec = this.records.get(nodeId.toString('hex'));
    return rec !== undefined && rec.ip === ip ? rec.tcpPort : undefined;
  }

  /** The node answered our ping from this IP recently: we may answer its find-node. */
  hasProvenEndpoint(nodeId: Buffer, ip: string): boolean {
    const rec = this.records.get(nodeId.toString('hex'));
    return rec !== undefined && rec.ip === ip && this.fresh(rec.pongReceivedMs);
  }

  /** The node pinged us from this IP recently, so it should answer our find-node. */
  hasVerifiedUs(nodeId: Buffer, ip: string): boolean {
    const rec = this.records.get(nodeId.toString('hex'));
    return rec !== undefined && rec.ip === ip && this.fresh(rec.pingReceivedMs);
  }

  forget(nodeId: Buffer): void {
    this.records.delete(nodeId.toString('hex'));
  }

  private fresh(atMs: number): boolean {
    return atMs > 0 && this.nowMs() - atMs <= this.ttlMs;
  }

  private record(nodeId: Buffer, ip: string): ProofRecord {
    const key = nodeId.toString('hex');
    let rec = this.records.get(key);
    if (rec === undefined || rec.ip !== ip) {
      // A new IP starts over: proofs never carry from one address to another.
      rec = { ip, pongReceivedMs: 0, pingReceivedMs: 0, tcpPort: undefined };
    }
    // Re-insert so Map order is least-recently-touched first, which is what gets pruned.
    this.records.delete(key);
    this.records.set(key, rec);
    if (this.records.size > this.maxRecords) {
      const oldest = this.records.keys().next();
      if (!oldest.done) this.records.delete(oldest.value);
    }
    return rec;
  }
}
