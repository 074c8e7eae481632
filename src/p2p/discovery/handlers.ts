import type { DiscoveryCore } from './core.js';
import { isLastNeighboursPacket } from './maintenance.js';
import { INBOUND } from './introduction.js';
import { type DecodedPacket, encodeNeighbours } from './packet.js';
import type { FindNodePacket, NeighbourNode, NeighboursPacket, PingPacket, PongPacket } from './payloads.js';
import type { Remote } from './transport.js';

export interface PacketHandlerDeps extends DiscoveryCore {
  readonly privateKey: Buffer;
  /** Nodes from a neighbours answer that came after its find-node had timed out (worth bonding with while the table is thin). */
  lateNeighbours(nodes: readonly NeighbourNode[], senderIp: string, senderId: Buffer): void;
  /** A pong that answers our ping says where the node saw it come from (STUN's mapped address). */
  observed(observation: { observerId: Buffer; observerIp: string; ip: string; port: number }): void;
}

/**
 * discv4's rules for verified inbound packets (docs/protocol.md): answer pings and bond back,
 * admit nodes on matching pongs, answer find-node only for proven endpoints, accept neighbours
 * only for our own outstanding find-node. A node whose own signed ping advertises TCP port 0 is
 * a client (libp2p kad-dht's client mode): it bonds and queries, but never enters the table.
 */
export class PacketHandlers {
  constructor(private readonly deps: PacketHandlerDeps) {}

  handle(decoded: DecodedPacket, from: Remote): void {
    const { packet } = decoded;
    switch (packet.type) {
      case 'ping':
        return this.onPing(decoded, packet, from);
      case 'pong':
        return this.onPong(decoded, packet, from);
      case 'find-node':
        return this.onFindNode(decoded, packet, from);
      case 'neighbours':
        return this.onNeighbours(decoded, packet, from);
    }
  }

  private onPing(decoded: DecodedPacket, ping: PingPacket, from: Remote): void {
    const tcpPort = ping.from.tcpPort;
    // Pong first: a find-node we send right after must reach the node after our pong does.
    this.deps.transport.send({ type: 'pong', to: { ip: from.ip, udpPort: from.port, tcpPort }, pingHash: decoded.hash }, from);
    this.deps.proofs.pingReceived(decoded.nodeId, from.ip, tcpPort);
    this.deps.pingWaiters.notify(decoded.nodeId);
    const entry = this.deps.table.get(decoded.nodeId);
    if (!this.deps.proofs.hasProvenEndpoint(decoded.nodeId, from.ip) || (entry !== undefined && entry.endpoint.udpPort !== from.port)) {
      // Ping back: it enters our table when it proves its endpoint (a client only gets the proof, for
      // its queries). Not when it could get no place (docs/scale.md defect 3): its find-node, if one
      // comes, gets the ping-back then (onFindNode).
      if (this.deps.table.mayAdmitInbound(decoded.nodeId)) void this.deps.ping(from, decoded.nodeId, tcpPort, INBOUND);
    } else if (tcpPort === 0) {
      // Its own signed ping says nobody can dial it (behind a NAT): a client from now on.
      this.deps.table.client(decoded.nodeId);
    } else if (entry !== undefined) {
      this.deps.table.updateTcpPort(decoded.nodeId, tcpPort);
    } else {
      // Proven recently but not in the table (removed, or its bucket was full): offer it again.
      this.deps.table.verified(decoded.nodeId, decoded.senderPubKey, { ip: from.ip, udpPort: from.port, tcpPort }, INBOUND);
    }
  }

  private onPong(decoded: DecodedPacket, pong: PongPacket, from: Remote): void {
    const match = this.deps.pings.matchPong(pong.pingHash, from.ip, from.port, decoded.nodeId);
    if (match === undefined) {
      this.deps.transport.countDrop('unsolicited-pong', from, 'pong does not answer a recent ping of ours to that address');
      return;
    }
    this.deps.proofs.pongReceived(decoded.nodeId, from.ip);
    // Only a matched pong counts: it answers a ping we sent, so the observation is not replayed.
    this.deps.observed({ observerId: decoded.nodeId, observerIp: from.ip, ip: pong.to.ip, port: pong.to.udpPort });
    const claimed = this.deps.proofs.advertisedTcpPort(decoded.nodeId, from.ip);
    if (claimed === 0) {
      // A client (its own ping advertised no TCP endpoint): its endpoint is proven, so its
      // find-nodes are answered, but it is not kept, shared in neighbours answers or dialled.
      this.deps.table.client(decoded.nodeId);
      return;
    }
    // Without its own claim (it has not pinged us yet), a neighbours answer's port is a hint; 0 there means unknown, not client.
    const tcpPort = claimed ?? match.tcpHint ?? 0;
    this.deps.table.verified(decoded.nodeId, decoded.senderPubKey, { ip: from.ip, udpPort: from.port, tcpPort }, match.intro);
  }

  private onFindNode(decoded: DecodedPacket, findNode: FindNodePacket, from: Remote): void {
    if (!this.deps.proofs.hasProvenEndpoint(decoded.nodeId, from.ip)) {
      // Answering would let a spoofed source address aim our (larger) reply at a victim.
      this.deps.transport.countDrop('unproven-find-node', from, 'find-node from a node that has not proven its endpoint');
      void this.deps.ping(from, decoded.nodeId, undefined, INBOUND);
      return;
    }
    const nodes = this.deps.table.closest(findNode.target, this.deps.table.bucketSize).map((e) => ({ endpoint: e.endpoint, publicKey: e.publicKey }));
    for (const encoded of encodeNeighbours(nodes, this.deps.transport.expiration(), this.deps.privateKey, this.deps.transport.signer)) {
      this.deps.transport.sendEncoded(encoded, from);
    }
  }

  private onNeighbours(decoded: DecodedPacket, neighbours: NeighboursPacket, from: Remote): void {
    if (!this.deps.findNodes.deliver(decoded.nodeId, from.ip, from.port, neighbours.nodes, isLastNeighboursPacket(neighbours))) {
      // Our find-node timed out and counted as a failure; the late answer shows the node is alive.
      if (this.deps.findNodes.lateAnswer(decoded.nodeId, from.ip, from.port)) {
        this.deps.table.answered(decoded.nodeId, from.ip, from.port);
        this.deps.lateNeighbours(neighbours.nodes, from.ip, decoded.nodeId);
        return;
      }
      this.deps.transport.countDrop('unsolicited-neighbours', from, 'neighbours without an outstanding find-node to that node');
    }
  }
}
