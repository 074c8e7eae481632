import { isIPv4, isIPv6 } from 'node:net';
import type { Logger } from '../../util/logger.js';
import { errorMessage } from '../../util/errors.js';
import { PACKET_EXPIRY_SEC, PACKET_TYPE_OFFSET, PacketType } from './constants.js';
import { type DatagramSocket, type DatagramSocketFactory, createUdpSocket } from './datagram-socket.js';
import { normalizeIp } from './endpoint.js';
import { PacketError, type PacketErrorCode } from './errors.js';
import type { InboundBudget } from './inbound-budget.js';
import { type DecodedPacket, type EncodedPacket, type PacketSigner, SECP256K1_SIGNER, decodePacket, encodePacket, packetExpiration } from './packet.js';
import type { DiscoveryPacket } from './payloads.js';

/** Where a datagram came from / goes to: the address as the socket sees it. */
export interface Remote {
  readonly ip: string;
  readonly port: number;
}

/** Why a received datagram was dropped: a decode failure, or a valid packet nobody asked for. */
export type DropCode = PacketErrorCode | 'self' | 'unsolicited-pong' | 'unsolicited-neighbours' | 'unproven-find-node' | 'shed' | 'sender-rate';

export const DROP_CODES: readonly DropCode[] = [
  'oversize', 'bad-hash', 'bad-signature', 'expired', 'malformed',
  'self', 'unsolicited-pong', 'unsolicited-neighbours', 'unproven-find-node', 'shed', 'sender-rate',
];

export interface DiscoveryStats {
  readonly packetsReceived: number;
  readonly packetsSent: number;
  readonly sendErrors: number;
  readonly dropped: Readonly<Record<DropCode, number>>;
}

export interface TransportOptions {
  readonly bindHost: string;
  readonly port: number;
  readonly privateKey: Buffer;
  readonly selfId: Buffer;
  readonly logger: Logger;
  readonly nowMs: () => number;
  /** Work budget for inbound requests, checked before the signature is; none = serve everything. */
  readonly budget?: InboundBudget;
  /** Default: a node:dgram UDP socket. */
  readonly socketFactory?: DatagramSocketFactory;
  /** Default: secp256k1 (only the simulator passes another). */
  readonly signer?: PacketSigner;
  /** A verified packet from another node; exceptions are caught and logged. */
  onPacket(decoded: DecodedPacket, from: Remote): void;
}

/** The UDP socket: signs what goes out, verifies what comes in, counts what it drops. */
export class DiscoveryTransport {
  private socket: DatagramSocket | undefined;
  private closed = false;
  private received = 0;
  private sent = 0;
  private sendErrors = 0;
  private readonly dropped = Object.fromEntries(DROP_CODES.map((c) => [c, 0])) as Record<DropCode, number>;
  private readonly udp6: boolean;
  readonly signer: PacketSigner;

  constructor(private readonly options: TransportOptions) {
    this.udp6 = isIPv6(options.bindHost);
    this.signer = options.signer ?? SECP256K1_SIGNER;
  }

  get stats(): DiscoveryStats {
    return { packetsReceived: this.received, packetsSent: this.sent, sendErrors: this.sendErrors, dropped: { ...this.dropped } };
  }

  /** Binds and resolves with the actual UDP port. */
  async bind(): Promise<number> {
    const socket = (this.options.socketFactory ?? createUdpSocket)({
      udp6: this.udp6,
      logger: this.options.logger,
      onMessage: (bytes, ip, port) => this.receive(bytes, ip, port),
    });
    this.socket = socket;
    return socket.bind(this.options.port, this.options.bindHost);
  }

  countDrop(code: DropCode, from: Remote, detail: string): void {
    this.dropped[code]++;
    this.options.logger.debug({ code, from: `${from.ip}:${from.port}` }, `dropped discovery packet: ${detail}`);
  }

  /** Signs and sends a packet (expiration filled in); returns its hash (a pong must echo a ping's). */
  send(packet: DistributiveOmit<DiscoveryPacket, 'expiration'>, to: Remote): Buffer {
    const encoded = encodePacket({ ...packet, expiration: this.expiration() } as DiscoveryPacket, this.options.privateKey, this.signer);
    this.sendEncoded(encoded, to);
    return encoded.hash;
  }

  expiration(): number {
    return packetExpiration(this.options.nowMs() / 1000, PACKET_EXPIRY_SEC);
  }

  sendEncoded(encoded: EncodedPacket, to: Remote): void {
    const socket = this.socket;
    if (socket === undefined || this.closed) return;
    const ip = this.udp6 && isIPv4(to.ip) ? `::ffff:${to.ip}` : to.ip;
    this.sent++;
    socket.send(encoded.bytes, to.port, ip, (err) => {
      this.sendErrors++;
      this.options.logger.debug({ to: `${to.ip}:${to.port}`, err: errorMessage(err) }, 'discovery send failed');
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const socket = this.socket;
    if (socket === undefined) return;
    await socket.close();
  }

  private receive(msg: Buffer, rinfoAddress: string, rinfoPort: number): void {
    if (this.closed) return;
    this.received++;
    let from: Remote;
    try {
      from = { ip: normalizeIp(rinfoAddress), port: rinfoPort };
    } catch {
      from = { ip: rinfoAddress, port: rinfoPort };
    }
    const type = msg.length > PACKET_TYPE_OFFSET ? msg[PACKET_TYPE_OFFSET] : undefined;
    // Only requests are budgeted: answers are bounded by what we asked, and dropping them would waste the asking.
    if (this.options.budget !== undefined && (type === PacketType.Ping || type === PacketType.FindNode)) {
      const verdict = this.options.budget.admit(from.ip, from.port);
      if (verdict !== 'ok') {
        this.countDrop(verdict, from, verdict === 'shed' ? 'over the inbound request budget' : 'over this sender\'s share of the request budget');
        return;
      }
    }
    let decoded: DecodedPacket;
    try {
      decoded = decodePacket(msg, this.options.nowMs() / 1000, this.signer);
    } catch (err) {
      if (err instanceof PacketError) this.countDrop(err.code, from, err.message);
      else this.countDrop('malformed', from, errorMessage(err));
      return;
    }
    if (decoded.nodeId.equals(this.options.selfId)) {
      this.countDrop('self', from, 'packet signed by our own node key');
      return;
    }
    try {
      this.options.onPacket(decoded, from);
    } catch (err) {
      this.options.logger.warn({ err: errorMessage(err), type: decoded.packet.type }, 'discovery packet handler failed');
    }
  }
}

/** Omit over each member of a union (plain Omit collapses a union to its common keys). */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
