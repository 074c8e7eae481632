/**
 * Fakes of our interfaces for the NAT traversal tests: a Peer-like object (just what the
 * traversal code uses of a session) and a TraversalPeers over a list of them.
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { Peer, PeerEvents } from '../../../src/p2p/peer.js';
import type { TraversalPeers } from '../../../src/p2p/traversal/deps.js';
import type { HandshakeMessage, OutgoingMessage, PunchMessage, WireMessage } from '../../../src/p2p/wire/index.js';

export const nodeIdHex = (n: number): string => n.toString(16).padStart(64, '0');
export const nodeId = (n: number): Buffer => Buffer.from(nodeIdHex(n), 'hex');

export class FakePeer extends EventEmitter<PeerEvents> {
  readonly sent: OutgoingMessage[] = [];
  closed = false;
  closeReason: string | undefined;
  ready = true;
  remoteHandshake: HandshakeMessage | undefined;
  direction: 'inbound' | 'outbound' = 'outbound';
  localPort = 40_000;
  refusal: { code: string; reason: string; by: 'us' | 'peer' } | undefined;

  constructor(
    readonly ip: string,
    public provenNodeId: Buffer | undefined,
    options: { listenPort?: number; observed?: { ip: string; port: number } } = {},
  ) {
    super();
    if (provenNodeId !== undefined) {
      this.remoteHandshake = {
        kind: 'handshake', version: 2, genesisHash: Buffer.alloc(32), bestHeight: 0, chainWork: 0n, nodeId: provenNodeId,
        listenPort: options.listenPort ?? 9000, nonce: 1n, observed: options.observed,
      } as HandshakeMessage;
    }
  }

  get label(): string {
    return `${this.ip}:1234`;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get isReady(): boolean {
    return this.ready && !this.closed;
  }

  send(msg: OutgoingMessage): boolean {
    if (this.closed) return false;
    this.sent.push(msg);
    return true;
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = reason;
    this.emit('close', reason);
  }

  /** The punch messages sent so far. */
  punches(): PunchMessage[] {
    return this.sent.filter((m): m is PunchMessage => (m as WireMessage).kind === 'punch');
  }

  asPeer(): Peer {
    return this as unknown as Peer;
  }
}

/** A TraversalPeers over a mutable list of fake peers. */
export class FakePeers implements TraversalPeers {
  readonly list: FakePeer[] = [];
  readonly banned = new Set<string>();
  readonly discouraged = new Set<string>();
  room = 8;
  /** What attachPunched returns for a socket (set by the test); the sockets it got. */
  onAttach: ((socket: Socket, relayIdHex: string) => FakePeer) | undefined;
  readonly attached: Array<{ socket: Socket; relayIdHex: string }> = [];

  add(peer: FakePeer): FakePeer {
    this.list.push(peer);
    return peer;
  }

  ready(): readonly Peer[] {
    return this.list.filter((p) => p.isReady).map((p) => p.asPeer());
  }

  byNodeId(idHex: string): Peer | undefined {
    return this.list.find((p) => p.isReady && p.provenNodeId?.toString('hex') === idHex)?.asPeer();
  }

  isBanned(key: string): boolean {
    return this.banned.has(key);
  }

  isDiscouraged(ip: string): boolean {
    return this.discouraged.has(ip);
  }

  attachPunched(socket: Socket, relayIdHex: string): Peer {
    this.attached.push({ socket, relayIdHex });
    if (this.onAttach === undefined) throw new Error('the test set no onAttach');
    return this.onAttach(socket, relayIdHex).asPeer();
  }

  punchRoom(): number {
    return this.room;
  }

  /** Public /16s already holding an outbound peer (a far address there is refused). */
  readonly takenGroups = new Set<string>();
  outboundGroupTaken(ip: string): boolean {
    return this.takenGroups.has(ip.split('.').slice(0, 2).join('.'));
  }

  /** Free inbound slots (a dial-back question waits while there are none). */
  inbound = 8;
  inboundRoom(): number {
    return this.inbound;
  }
}

export async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
